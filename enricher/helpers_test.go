package enricher

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/features/engine"
	"github.com/flowmeter/flowmeter/reader"
)

// corpusRoot finds ../shared/corpus from the repository root (the
// directory holding go.mod), or skips.
func corpusRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root (go.mod) not found; corpus unavailable")
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpus")
	if _, err := os.Stat(filepath.Join(c, "PAIRS.tsv")); err != nil {
		t.Skipf("corpus not found at %s (../shared/corpus from the repo root): %v", c, err)
	}
	return c
}

type pairRow struct {
	Pcap, Baseline, Kind, Peer, Notes string
}

// readPairs returns the PAIRS.tsv rows of the given kind.
func readPairs(t testing.TB, corpus, kind string) []pairRow {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus, "PAIRS.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []pairRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v := strings.Split(sc.Text(), "\t")
		if len(v) < 5 || v[2] != kind {
			continue
		}
		rows = append(rows, pairRow{v[0], v[1], v[2], v[3], v[4]})
	}
	return rows
}

// zeekLikeOptions approximate Zeek's connection boundaries: 60 s idle
// (Zeek's UDP/ICMP inactivity timeout; TCP's is 5 min but TCP teardown ends
// most connections), no active-timeout cut.
func zeekLikeOptions(seed uint16) features.Options {
	o := features.DefaultOptions()
	o.IdleTimeout = 60e9
	o.ActiveTimeout = 0
	o.CommunityIDSeed = seed
	o.TunnelCarriers = true // as enrich does by default
	return o
}

// indexCapture runs the flow engine over one capture into a new Index.
func indexCapture(t testing.TB, path string, fo features.Options, eo Options) *Index {
	t.Helper()
	src, err := reader.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer src.Close()
	ix := NewIndex(eo, 0)
	if _, err := engine.Run(context.Background(), src, engine.Config{Flow: fo}, ix.Add, nil); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ix
}
