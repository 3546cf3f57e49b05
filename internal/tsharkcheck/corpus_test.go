package tsharkcheck

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowmeter/flowmeter/internal/corpus"
)

// repoRoot returns the repository root (the directory holding go.mod).
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := corpus.RepoRoot()
	if err != nil {
		t.Skip(err)
	}
	return root
}

// corpusDir returns the shared corpus directory, or skips the test.
func corpusDir(t testing.TB) string { return corpus.Require(t) }

// tsharkScript returns scripts/tshark-fields.sh, or skips when tshark is
// not installed.
func tsharkScript(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not on PATH (Debian/Ubuntu: apt-get install tshark); skipping the tshark comparison")
	}
	return filepath.Join(repoRoot(t), "scripts", "tshark-fields.sh")
}

// allCaptures lists every capture path of FORMATS.tsv (relative to corpus).
func allCaptures(t testing.TB, corpus string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus, "FORMATS.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		if first {
			continue
		}
		p, _, _ := strings.Cut(sc.Text(), "\t")
		out = append(out, p)
	}
	return out
}

// checkAll compares every capture (paths relative to corpus) with two
// workers and returns the results in input order.
func checkAll(t *testing.T, script, corpus string, paths []string) []CaptureResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Hour)
	defer cancel()
	out := make([]CaptureResult, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = CheckCapture(ctx, script, filepath.Join(corpus, paths[i]))
				out[i].Path = paths[i]
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s: %v", paths[i], err)
		}
	}
	return out
}

func TestCorpusAgainstTshark(t *testing.T) {
	corpus := corpusDir(t)
	script := tsharkScript(t)
	paths := Subset
	if os.Getenv("FLOWMETER_CORPUS_FULL") != "" {
		paths = allCaptures(t, corpus)
	}
	if list := os.Getenv("FLOWMETER_TSHARK_CAPTURES"); list != "" {
		paths = strings.Split(list, ",") // corpus-relative paths, for debugging
	}
	start := time.Now()
	results := checkAll(t, script, corpus, paths)
	sum := NewSummary(2)
	for i := range results {
		sum.Add(&results[i])
	}
	var b strings.Builder
	sum.Report(&b)
	t.Logf("%d captures in %v\n%s", len(paths), time.Since(start).Round(time.Second), b.String())
	if out := os.Getenv("FLOWMETER_TSHARK_REPORT"); out != "" {
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}

	// Every disagreement must be in a documented class.
	for _, c := range sum.SortedClasses() {
		if strings.HasPrefix(c.Name, ClassUnexplained) || c.Name == ClassReaderMissing {
			for _, e := range c.Examples {
				t.Errorf("%s: %s frame %d: %s", c.Name, e.Path, e.Frame, e.Detail)
			}
		}
	}
	for i := range results {
		cr := &results[i]
		if cr.Frames == 0 && cr.TsharkCustomBlocks == 0 {
			if len(paths) == len(Subset) {
				t.Errorf("%s: tshark printed no frame (exit %d): %s", cr.Path, cr.TsharkExit, cr.TsharkErr)
			}
			continue
		}
		// Our reader may return more packets than tshark only where tshark
		// gave up on the file (exit status != 0, e.g. an unknown pcapng block).
		if cr.Ours > cr.Frames && cr.TsharkExit == 0 {
			t.Errorf("%s: our reader returned %d packets, tshark %d", cr.Path, cr.Ours, cr.Frames)
		}
		if cr.TsharkCustomBlocks != cr.OursCustomBlocks {
			t.Errorf("%s: tshark shows %d pcapng custom blocks, our reader counted %d",
				cr.Path, cr.TsharkCustomBlocks, cr.OursCustomBlocks)
		}
	}
}

// TestDocsListClasses checks that docs/TSHARK_AGREEMENT.md explains every
// documented class and tshark-deeper signature.
func TestDocsListClasses(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "TSHARK_AGREEMENT.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Classes {
		if !strings.Contains(string(doc), "`"+c.Name+"`") {
			t.Errorf("docs/TSHARK_AGREEMENT.md does not explain class `%s`", c.Name)
		}
	}
	for _, sig := range DeeperSignatures() {
		if !strings.Contains(string(doc), "`"+DeeperPrefix+sig+"`") {
			t.Errorf("docs/TSHARK_AGREEMENT.md does not explain class `%s%s`", DeeperPrefix, sig)
		}
	}
}
