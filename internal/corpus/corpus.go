// Package corpus locates the shared, read-only real-world test corpus
// (../shared/corpus beside the repository root; see its README.md) and reads
// its PAIRS.tsv index, for the tests that compare flowmeter with peers.
// Tests skip with a clear message where the corpus is absent.
package corpus

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// RepoRoot returns the directory holding go.mod, searching upward from the
// working directory (a test runs in its package's directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			// A nested module (formats/parquetcheck) has its own go.mod:
			// the repository root is the outermost one with a .git beside it
			// or, failing that, the first found.
			if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
				return dir, nil
			}
			if root, err := outerRoot(filepath.Dir(dir)); err == nil {
				return root, nil
			}
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("corpus: repository root (go.mod) not found")
		}
		dir = parent
	}
}

func outerRoot(dir string) (string, error) {
	for {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("corpus: no outer repository")
		}
		dir = parent
	}
}

// Dir returns the corpus directory, or an error saying where it was looked
// for.
func Dir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	c := filepath.Join(root, "..", "shared", "corpus")
	if _, err := os.Stat(filepath.Join(c, "PAIRS.tsv")); err != nil {
		return "", err
	}
	return c, nil
}

// Require returns the corpus directory or skips the test with a message.
func Require(t testing.TB) string {
	t.Helper()
	c, err := Dir()
	if err != nil {
		t.Skipf("shared corpus not available (../shared/corpus beside the repository root): %v", err)
	}
	return c
}

// Pair is one row of PAIRS.tsv: a capture, a peer's output for it, the kind
// of that output, the peer's version and notes (flags, seeds).
type Pair struct {
	Pcap, Baseline, Kind, Peer, Notes string
}

// Pairs returns the PAIRS.tsv rows of the given kind, paths relative to dir.
func Pairs(t testing.TB, dir, kind string) []Pair {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "PAIRS.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Pair
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 5 || c[2] != kind {
			continue
		}
		out = append(out, Pair{c[0], c[1], c[2], c[3], c[4]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
