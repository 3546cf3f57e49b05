package zeek

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/flowmeter/flowmeter/internal/corpus"
)

// findCorpus returns the shared corpus directory, or "" when it is absent.
func findCorpus() string {
	c, err := corpus.Dir()
	if err != nil {
		return ""
	}
	return c
}

// corpusDir returns the shared corpus or skips the test when it is absent.
func corpusDir(t testing.TB) string {
	t.Helper()
	c := findCorpus()
	if c == "" {
		t.Skip("shared test corpus ../shared/corpus (relative to the repository root) not found; skipping")
	}
	return c
}

// dataLines counts the lines that are neither empty nor directives,
// independently of the reader: a line is a directive when its first
// non-blank byte is '#'.
func dataLines(t testing.TB, path string) (n int, lineNos []int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var no int64
	for sc.Scan() {
		no++
		l := bytes.TrimLeft(sc.Bytes(), " \t")
		if len(bytes.TrimSpace(l)) == 0 || l[0] == '#' {
			continue
		}
		n++
		lineNos = append(lineNos, no)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n, lineNos
}

// cutColumns is a zeek-cut equivalent written independently of the reader:
// it takes the separator from "#separator \xNN", the column names from
// #fields, and splits every other non-# line by the separator, returning the
// named columns of every data line. zeek-cut itself (an awk script shipped
// with Zeek) does the same; Zeek is not installable here.
type cutRow struct {
	line    int64    // 1-based line number
	nvals   int      // number of values on the line
	nfields int      // number of #fields in force
	cols    []string // the requested columns
}

func cutColumns(t testing.TB, data []byte, names ...string) []cutRow {
	t.Helper()
	sep := "\t"
	var idx []int
	var out []cutRow
	nfields := 0
	for no, line := range bytes.Split(data, []byte("\n")) {
		// Like dataLines, a line whose first non-blank byte is '#' is a
		// directive (Slips' test10 conn.log indents its #separator line).
		l := string(line)
		if tl := strings.TrimLeft(l, " \t"); strings.HasPrefix(tl, "#") {
			l = tl
		}
		switch {
		case len(l) == 0:
			continue
		case len(l) > 11 && l[:11] == "#separator ":
			v := l[11:]
			var s []byte
			for len(v) >= 4 && v[0] == '\\' && v[1] == 'x' {
				var b byte
				for _, c := range v[2:4] {
					b <<= 4
					switch {
					case c >= '0' && c <= '9':
						b |= byte(c - '0')
					case c >= 'a' && c <= 'f':
						b |= byte(c-'a') + 10
					}
				}
				s = append(s, b)
				v = v[4:]
			}
			sep = string(s) + v
		case len(l) > 8 && l[:8] == "#fields"+sep:
			cols := splitStr(l[8:], sep)
			nfields = len(cols)
			idx = idx[:0]
			for _, n := range names {
				j := -1
				for k, c := range cols {
					if c == n {
						j = k
					}
				}
				idx = append(idx, j)
			}
		case l[0] == '#':
		default:
			vals := splitStr(l, sep)
			row := make([]string, len(idx))
			for k, j := range idx {
				if j >= 0 && j < len(vals) {
					row[k] = vals[j]
				}
			}
			out = append(out, cutRow{int64(no + 1), len(vals), nfields, row})
		}
	}
	return out
}

func splitStr(s, sep string) []string {
	var out []string
	for {
		i := bytes.Index([]byte(s), []byte(sep))
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+len(sep):]
	}
}
