package enricher

import (
	"context"
	"testing"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/features/engine"
	"github.com/flowmeter/flowmeter/reader"

	"github.com/flowmeter/flowmeter/internal/corpus"
)

// corpusRoot returns the shared corpus directory, or skips the test.
func corpusRoot(t testing.TB) string { return corpus.Require(t) }

// pairRow is one row of the corpus's PAIRS.tsv.
type pairRow = corpus.Pair

// readPairs returns the PAIRS.tsv rows of the given kind.
func readPairs(t testing.TB, dir, kind string) []pairRow { return corpus.Pairs(t, dir, kind) }

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
