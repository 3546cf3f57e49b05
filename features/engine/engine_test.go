package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/reader"
)

type flowSum struct {
	id                  uint64
	fwdPkts, bwdPkts    int64
	fwdBytes, bwdBytes  int64
	start, end          int64
	reason              features.EndReason
	iatMean, fwdSizeStd float64
}

func runFile(t *testing.T, path string, workers int) ([]flowSum, Stats) {
	t.Helper()
	src, err := reader.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var got []flowSum
	cfg := Config{Flow: features.DefaultOptions(), Workers: workers}
	st, err := Run(context.Background(), src, cfg, func(f *features.Flow) {
		got = append(got, flowSum{f.ID, f.Fwd.IPBytes.N, f.Bwd.IPBytes.N, f.Fwd.IPBytes.Sum, f.Bwd.IPBytes.Sum,
			f.Start, f.End, f.Reason, f.IAT.Mean(), f.Fwd.IPBytes.Std()})
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b flowSum) int {
		if a.id < b.id {
			return -1
		}
		if a.id > b.id {
			return 1
		}
		return 0
	})
	return got, st
}

// TestShardedEqualsSingle: sharding the table over workers changes the
// order of the records, never their content.
func TestShardedEqualsSingle(t *testing.T) {
	path := "../../testdata/sample.pcap"
	one, st1 := runFile(t, path, 1)
	if len(one) == 0 || st1.Packets == 0 {
		t.Fatal("no flows from the sample capture")
	}
	for _, w := range []int{2, 3, 7} {
		many, stN := runFile(t, path, w)
		if !slices.Equal(one, many) {
			t.Errorf("%d workers: %d flows differ from the single-worker run (%d flows)", w, len(many), len(one))
		}
		if stN.Packets != st1.Packets || stN.Table.Flows != st1.Table.Flows || stN.Decoded != st1.Decoded {
			t.Errorf("%d workers: stats %+v vs %+v", w, stN.Table, st1.Table)
		}
	}
}

// TestTruncatedCaptureFlushes: a capture cut mid-record still yields every
// flow of the complete packets, and the cut is reported.
func TestTruncatedCaptureFlushes(t *testing.T) {
	b, err := os.ReadFile("../../testdata/sample.pcap")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(cut, b[:len(b)*2/3+7], 0o644); err != nil {
		t.Fatal(err)
	}
	flows, st := runFile(t, cut, 1)
	if !errors.Is(st.ReadError, reader.ErrTruncated) {
		t.Fatalf("ReadError = %v, want ErrTruncated", st.ReadError)
	}
	var pkts int64
	for _, f := range flows {
		pkts += f.fwdPkts + f.bwdPkts
	}
	if pkts != st.Decoded || st.Packets == 0 {
		t.Fatalf("flows hold %d packets, %d decoded", pkts, st.Decoded)
	}
}
