package zeek

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tsvLogs lists the real Zeek TSV logs: Slips' (real timestamps) and the
// Zeek btest conn.log baselines (PAIRS.tsv kind zeek-conn-tsv and the other
// conn.log baselines with a #fields header).
func tsvLogs(t *testing.T) (real []string, baselines []string) {
	c := corpusDir(t)
	real = []string{
		filepath.Join(c, "slips/dataset/test10-mixed-zeek-dir/conn.log"),
		filepath.Join(c, "slips/dataset/test18-malicious-ctu-sme-11-win/zeek-labeled/conn.log.labeled"),
	}
	for _, d := range []string{"test9-mixed-zeek-dir", "test13-malicious-dhcpscan-zeek-dir", "test14-malicious-zeek-dir",
		"test15-malicious-zeek-dir", "port-scans/horizontal", "port-scans/vertical"} {
		if p := filepath.Join(c, "slips/dataset", d, "conn.log"); isTSV(p) {
			real = append(real, p)
		}
	}
	for _, extra := range []string{"dns.log", "http.log", "ssl.log", "x509.log", "files.log", "weird.log", "notice.log"} {
		p := filepath.Join(c, "slips/dataset/test10-mixed-zeek-dir", extra)
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte("#fields")) {
			real = append(real, p)
		}
	}
	all, _ := filepath.Glob(filepath.Join(c, "zeek/testing/btest/Baseline/*/conn.log"))
	for _, p := range all {
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte("\n#fields\t")) {
			baselines = append(baselines, p)
		}
	}
	if len(baselines) < 50 {
		t.Fatalf("only %d conn.log baselines with headers found", len(baselines))
	}
	return real, baselines
}

type readResult struct {
	records  int
	lines    []int64
	values   [][]string
	headers  []*Header
	recHdr   []*Header // header of each record
	mal      []Malformed
	malCount int64
}

func readAllTSV(t testing.TB, r io.Reader, opt TSVOptions) readResult {
	t.Helper()
	rd, err := NewTSVReader(r, opt)
	if err != nil {
		t.Fatal(err)
	}
	var res readResult
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		res.records++
		res.lines = append(res.lines, rec.Line)
		row := make([]string, len(rec.Values))
		for i, v := range rec.Values {
			row[i] = string(v)
		}
		res.values = append(res.values, row)
		res.recHdr = append(res.recHdr, rec.Header)
		if len(res.headers) == 0 || res.headers[len(res.headers)-1] != rec.Header {
			res.headers = append(res.headers, rec.Header)
		}
	}
	res.mal, res.malCount = rd.Malformed(), rd.MalformedCount()
	return res
}

// TestTSVCorpus: every data line of real Zeek logs is returned, with the
// right line number, and its values equal the zeek-cut-style split.
func TestTSVCorpus(t *testing.T) {
	real, baselines := tsvLogs(t)
	check := func(t *testing.T, p string, opt TSVOptions, wantMal bool) readResult {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		n, lineNos := dataLines(t, p)
		res := readAllTSV(t, bytes.NewReader(data), opt)
		if got := int64(res.records) + res.malCount; got != int64(n) {
			t.Fatalf("%s: records %d + malformed %d != %d data lines", p, res.records, res.malCount, n)
		}
		if !wantMal {
			h := res.headers[0]
			all := cutColumns(t, data, h.Fields...)
			// Lines whose value count differs from #fields (Slips hand-edited
			// a few) must be exactly the malformed ones.
			var cut []cutRow
			var badLines []int64
			for _, r := range all {
				if r.nvals != r.nfields {
					badLines = append(badLines, r.line)
				} else {
					cut = append(cut, r)
				}
			}
			if int64(len(badLines)) != res.malCount {
				t.Fatalf("%s: malformed %+v, independent split finds bad field counts at lines %v", p, res.mal, badLines)
			}
			for i, m := range res.mal {
				if m.Reason != ReasonFieldCount || m.Line != badLines[i] {
					t.Fatalf("%s: malformed %+v, want field count at line %d", p, m, badLines[i])
				}
			}
			if len(cut) != res.records {
				t.Fatalf("%s: zeek-cut-equivalent saw %d rows, reader %d", p, len(cut), res.records)
			}
			for i := range cut {
				if cut[i].line != res.lines[i] || strings.Join(cut[i].cols, "\x00") != strings.Join(res.values[i], "\x00") {
					t.Fatalf("%s line %d: values differ:\n cut  %d %q\n read %q", p, res.lines[i], cut[i].line, cut[i].cols, res.values[i])
				}
			}
			if len(badLines) == 0 {
				for i := range lineNos {
					if res.lines[i] != lineNos[i] {
						t.Fatalf("%s: record %d line %d, want %d", p, i, res.lines[i], lineNos[i])
					}
				}
			}
		}
		return res
	}
	for _, p := range real {
		res := check(t, p, TSVOptions{}, false)
		if filepath.Base(p) == "conn.log" || strings.HasSuffix(p, ".labeled") {
			testConnView(t, p, res)
		}
	}
	for _, p := range baselines {
		// Baselines are checked without type validation (ts is masked as
		// XXXXXXXXXX.XXXXXX) ...
		check(t, p, TSVOptions{NoValidate: true}, false)
		// ... and with it, every masked ts is reported as a bad value in
		// column ts, and nothing else is.
		res := check(t, p, TSVOptions{}, true)
		if len(res.mal) == 0 && res.records == 0 {
			continue
		}
		data, _ := os.ReadFile(p)
		nv := readAllTSV(t, bytes.NewReader(data), TSVOptions{NoValidate: true})
		byLine := map[int64][]string{}
		for i, l := range nv.lines {
			byLine[l] = nv.values[i]
		}
		for _, m := range res.mal {
			v := byLine[m.Line][m.Field]
			if m.Reason != ReasonBadValue || nv.headers[0].Types[m.Field] != "time" || !strings.Contains(v, "XXXXXX") {
				t.Fatalf("%s: unexpected malformed %+v (value %q)", p, m, v)
			}
		}
	}
}

// testConnView checks FillConn on every record of a real conn.log against
// the raw text split by the zeek-cut-equivalent.
func testConnView(t *testing.T, p string, res readResult) {
	data, _ := os.ReadFile(p)
	rd, _ := NewTSVReader(bytes.NewReader(data), TSVOptions{})
	cut := cutColumns(t, data, "ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "orig_pkts", "resp_ip_bytes", "duration")
	var c Conn
	for i := 0; ; i++ {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if !FillConn(rec, &c) {
			t.Fatalf("%s line %d: FillConn failed", p, rec.Line)
		}
		row := cut[i].cols
		// ts: seconds.micro text -> ns, compared by formatting back.
		if got := string(AppendNanos(nil, c.Start)); got != row[0] {
			t.Fatalf("%s line %d: ts %s, want %s", p, rec.Line, got, row[0])
		}
		if c.OrigH.String() != row[1] || c.RespH.String() != row[3] {
			t.Fatalf("%s line %d: addrs %v %v, want %s %s", p, rec.Line, c.OrigH, c.RespH, row[1], row[3])
		}
		if itoa(int64(c.OrigP)) != row[2] || itoa(int64(c.RespP)) != row[4] {
			t.Fatalf("%s line %d: ports", p, rec.Line)
		}
		want := map[string]uint8{"tcp": 6, "udp": 17, "icmp": 1}[row[5]]
		if row[5] == "icmp" && c.OrigH.Is6() {
			want = 58
		}
		if c.Proto != want {
			t.Fatalf("%s line %d: proto %d for %s", p, rec.Line, c.Proto, row[5])
		}
		if !c.HasCounts || itoa(c.OrigPkts) != row[6] || itoa(c.RespIPBytes) != row[7] {
			t.Fatalf("%s line %d: counts %+v", p, rec.Line, c)
		}
		if row[8] != "-" && string(AppendNanos(nil, c.Duration)) != row[8] {
			t.Fatalf("%s line %d: duration %d vs %s", p, rec.Line, c.Duration, row[8])
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

const synthetic = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2024-01-01-00-00-00\n" +
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\torig_pkts\tresp_pkts\torig_ip_bytes\tresp_ip_bytes\ttunnel_parents\tnote\tlocal_orig\n" +
	"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tinterval\tcount\tcount\tcount\tcount\tset[string]\tstring\tbool\n" +
	"1700000000.123456\tCa\t10.0.0.1\t1234\t10.0.0.2\t80\ttcp\t1.500000\t3\t2\t180\t120\t(empty)\thello\\x09world\tT\n" + // line 9
	"1700000001.000001\tCb\t10.0.0.1\t1235\t10.0.0.2\n" + // line 10: field count
	"1700000002.000000\tCc\tfe80::1\t128\tfe80::2\t0\ticmp\t-\tx3\t2\t180\t120\t-\t-\tF\n" + // line 11: bad count in column 8
	"\n" + // line 12: empty, skipped silently
	"1700000003.5\tCd\tfe80::1\t128\tfe80::2\t0\ticmp\t-\t1\t-\t1\t-\ta,b\t(empty)\tF\n" + // line 13: ok
	"1700000004.5\tCe\t10.0.0.999\t1\t10.0.0.2\t0\tudp\t-\t1\t1\t1\t1\t-\t-\tF\n" + // line 14: bad addr
	"1700000005.5\tCf\t10.0.0.1\t1\t10.0.0.2\t0\tudp\t-\t1\t1\t1\t1\t-\t\\x2d\tX\n" + // line 15: bad bool
	"#close\t2024-01-01-00-00-01\n"

func TestTSVMalformedAndTypes(t *testing.T) {
	rd, err := NewTSVReader(strings.NewReader(synthetic), TSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []int64
	var conns []Conn
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, rec.Line)
		var c Conn
		if !FillConn(rec, &c) {
			t.Fatalf("FillConn line %d", rec.Line)
		}
		conns = append(conns, c)
		switch rec.Line {
		case 9:
			ix := rec.Header.Index("note")
			s, st := rec.String(ix, nil)
			if st != OK || string(s) != "hello\tworld" {
				t.Errorf("note = %q %v", s, st)
			}
			if _, st := rec.Elems(rec.Header.Index("tunnel_parents"), nil); st != Empty {
				t.Errorf("tunnel_parents status %v, want empty", st)
			}
			if b, st := rec.Bool(rec.Header.Index("local_orig")); !b || st != OK {
				t.Errorf("local_orig %v %v", b, st)
			}
			if _, st := rec.Field("nope"); st != Absent {
				t.Errorf("absent field status %v", st)
			}
		case 13:
			el, st := rec.Elems(rec.Header.Index("tunnel_parents"), nil)
			if st != OK || len(el) != 2 || string(el[0]) != "a" || string(el[1]) != "b" {
				t.Errorf("elems %q %v", el, st)
			}
			if _, st := rec.String(rec.Header.Index("note"), nil); st != Empty {
				t.Errorf("note status %v, want empty", st)
			}
			if _, st := rec.Count(rec.Header.Index("resp_pkts")); st != Unset {
				t.Errorf("resp_pkts status %v, want unset", st)
			}
		}
	}
	if want := []int64{9, 13}; len(lines) != 2 || lines[0] != want[0] || lines[1] != want[1] {
		t.Fatalf("records at lines %v, want %v", lines, want)
	}
	wantMal := []Malformed{{10, ReasonFieldCount, -1}, {11, ReasonBadValue, 8}, {14, ReasonBadValue, 2}, {15, ReasonBadValue, 14}}
	if got := rd.Malformed(); len(got) != len(wantMal) || rd.MalformedCount() != int64(len(wantMal)) {
		t.Fatalf("malformed %+v, want %+v", got, wantMal)
	} else {
		for i := range got {
			if got[i] != wantMal[i] {
				t.Errorf("malformed[%d] = %+v, want %+v", i, got[i], wantMal[i])
			}
		}
	}
	c := conns[0]
	if c.Start != 1700000000123456000 || c.Duration != 1500000000 || c.Proto != 6 || c.OrigP != 1234 ||
		!c.HasCounts || c.OrigPkts != 3 || c.RespIPBytes != 120 || string(c.UID) != "Ca" || c.CommunityID != nil {
		t.Errorf("conn[0] = %+v", c)
	}
	c = conns[1]
	if c.Proto != 58 || c.HasCounts || c.Duration != 0 || c.Start != 1700000003500000000 {
		t.Errorf("conn[1] = %+v", c)
	}
	if h := rd.Header(); h.Close != "2024-01-01-00-00-01" || h.Path != "conn" || h.Open != "2024-01-01-00-00-00" {
		t.Errorf("header %+v", h)
	}
}

// TestTSVBlocks: two logs concatenated (as `cat a.log b.log`) give two
// header blocks; each record points to its own.
func TestTSVBlocks(t *testing.T) {
	real, _ := tsvLogs(t)
	a, _ := os.ReadFile(real[0])
	b, _ := os.ReadFile(real[1])
	// A second block without #close in between, with a different separator.
	third := strings.Replace(synthetic, "#close\t2024-01-01-00-00-01\n", "", 1)
	third = strings.ReplaceAll(third, "\t", "|")
	third = strings.Replace(third, "#separator \\x09", "#separator \\x7c", 1)
	third = strings.Replace(third, "hello\\x09world", "hello\\x7cworld", 1)
	all := append(append(append([]byte{}, a...), b...), third...)
	ra := readAllTSV(t, bytes.NewReader(a), TSVOptions{})
	rb := readAllTSV(t, bytes.NewReader(b), TSVOptions{})
	res := readAllTSV(t, bytes.NewReader(all), TSVOptions{})
	if len(res.headers) != 3 {
		t.Fatalf("%d header blocks, want 3", len(res.headers))
	}
	if res.records != ra.records+rb.records+2 {
		t.Fatalf("records %d, want %d", res.records, ra.records+rb.records+2)
	}
	if len(res.headers[1].Fields) != len(res.headers[0].Fields)+2 || res.headers[1].Fields[len(res.headers[1].Fields)-1] != "detailedlabel" {
		t.Fatalf("second header fields %v", res.headers[1].Fields)
	}
	if string(res.headers[2].Separator) != "|" || res.malCount != 4 {
		t.Fatalf("third header separator %q, malformed %d", res.headers[2].Separator, res.malCount)
	}
	if res.headers[0].Close == "" || res.headers[2].Close != "" {
		t.Fatalf("close: %q %q", res.headers[0].Close, res.headers[2].Close)
	}
}

func TestTSVGzip(t *testing.T) {
	real, _ := tsvLogs(t)
	data, _ := os.ReadFile(real[1])
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	plain := readAllTSV(t, bytes.NewReader(data), TSVOptions{})
	zipped := readAllTSV(t, bytes.NewReader(gz.Bytes()), TSVOptions{})
	if plain.records == 0 || plain.records != zipped.records || strings.Join(plain.values[len(plain.values)-1], ",") != strings.Join(zipped.values[len(zipped.values)-1], ",") {
		t.Fatalf("gzip read %d records, plain %d", zipped.records, plain.records)
	}
	// A truncated gzip stream is a *ReadError wrapping ErrRead.
	rd, err := NewTSVReader(bytes.NewReader(gz.Bytes()[:gz.Len()/2]), TSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, err = rd.Next()
		if err != nil {
			break
		}
	}
	var re *ReadError
	if !errors.As(err, &re) || !errors.Is(err, ErrRead) || re.Offset <= 0 {
		t.Fatalf("truncated gzip: %v", err)
	}
	if _, err := NewTSVReader(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0}), TSVOptions{}); !errors.Is(err, ErrGzip) {
		t.Fatalf("bad gzip header: %v", err)
	}
}

func TestTSVLongLine(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("#fields\ta\tb\n#types\tstring\tcount\n")
	b.WriteString("x\t1\n")
	b.WriteString(strings.Repeat("y", MaxLineBytes+10) + "\t2\n")
	b.WriteString(strings.Repeat("z", 300<<10) + "\t3\n") // longer than the bufio buffer
	b.WriteString("w\t4")                                 // no final newline
	res := readAllTSV(t, &b, TSVOptions{})
	if res.records != 3 || res.malCount != 1 || res.mal[0] != (Malformed{4, ReasonLineTooLong, -1}) {
		t.Fatalf("records %d malformed %+v", res.records, res.mal)
	}
	if res.lines[1] != 5 || len(res.values[1][0]) != 300<<10 || res.values[2][0] != "w" || res.lines[2] != 6 {
		t.Fatalf("lines %v", res.lines)
	}
}

func TestTSVNoAllocs(t *testing.T) {
	data := genTSV(2000)
	rd, _ := NewTSVReader(bytes.NewReader(data), TSVOptions{})
	var c Conn
	buf := make([]byte, 0, 64)
	rd.Next()
	allocs := testing.AllocsPerRun(1000, func() {
		rec, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		FillConn(rec, &c)
		rec.Time(0)
		rec.Addr(2)
		rec.String(1, buf[:0])
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per record", allocs)
	}
}
