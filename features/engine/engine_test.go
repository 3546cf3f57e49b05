package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/formats"
	"github.com/flowmeter/flowmeter/internal/gencap"
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

// TestShardedCarriers: with tunnel carrier flows, a tunnel's own flow and
// the flows inside it still come out whole when the table is sharded.
func TestShardedCarriers(t *testing.T) {
	path := "../../../shared/corpus/zeek/testing/btest/Traces/tunnels/vxlan-encapsulated-http.pcap"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("corpus not available (%v): ../shared/corpus is read-only shared data beside the repo", err)
	}
	run := func(workers int) []flowSum {
		src, err := reader.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		o := features.DefaultOptions()
		o.TunnelCarriers = true
		var got []flowSum
		if _, err := Run(context.Background(), src, Config{Flow: o, Workers: workers}, func(f *features.Flow) {
			got = append(got, flowSum{id: f.ID, fwdPkts: f.Fwd.IPBytes.N, bwdPkts: f.Bwd.IPBytes.N, fwdBytes: f.Fwd.IPBytes.Sum, bwdBytes: f.Bwd.IPBytes.Sum})
		}, nil); err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(a, b flowSum) int { return int(int64(a.id>>1) - int64(b.id>>1)) })
		return got
	}
	one := run(1)
	// Zeek's conn.log for this trace (core.tunnels.analyzer-confirmation):
	// the VXLAN carrier 10.1.200.131:50000 > 10.1.1.172:4789 has 12 packets,
	// 10539 IP bytes; the inner HTTP connection 7+5 packets, 459+9480 bytes.
	var carrier, inner bool
	for _, f := range one {
		carrier = carrier || (f.fwdPkts == 12 && f.fwdBytes == 10539 && f.bwdPkts == 0)
		inner = inner || (f.fwdPkts == 7 && f.bwdPkts == 5 && f.fwdBytes == 459 && f.bwdBytes == 9480)
	}
	if len(one) != 2 || !carrier || !inner {
		t.Fatalf("flows %+v, want Zeek's carrier and inner connection", one)
	}
	if two := run(2); !slices.Equal(one, two) {
		t.Fatalf("2 workers: %+v, 1 worker: %+v", two, one)
	}
}

// truncating wraps a source and cuts its file short after n packets, as
// another process shortening a capture that is being read would.
type truncating struct {
	reader.Source
	path string
	n    int
}

func (s *truncating) Next() (reader.Packet, error) {
	if s.n--; s.n == 0 {
		if err := os.Truncate(s.path, 4096); err != nil {
			return reader.Packet{}, err
		}
	}
	return s.Source.Next()
}

// TestFileShrinksWhileMapped: a capture truncated by another process while
// it is memory-mapped ends the run with ErrFault, with every flow so far
// written, instead of killing the process with SIGBUS.
func TestFileShrinksWhileMapped(t *testing.T) {
	b, err := os.ReadFile("../../testdata/sample.pcap")
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 2} {
		path := filepath.Join(t.TempDir(), "shrinks.pcap")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := reader.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var flows int
		st, err := Run(context.Background(), &truncating{Source: r, path: path, n: 200}, Config{Flow: features.DefaultOptions(), Workers: workers}, func(*features.Flow) { flows++ }, nil)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if st.ReadError == nil {
			// The sample is too small for the reader's read-ahead goroutine
			// (16 MiB), so the first access past the cut must fault.
			t.Fatalf("%d workers: no error after the file shrank (%d packets)", workers, st.Packets)
		}
		if !errors.Is(st.ReadError, ErrFault) && !errors.Is(st.ReadError, reader.ErrTruncated) {
			t.Fatalf("%d workers: ReadError %v", workers, st.ReadError)
		}
		if flows == 0 || st.Packets < 199 {
			t.Fatalf("%d workers: %d flows from %d packets", workers, flows, st.Packets)
		}
		t.Logf("%d workers: %v after %d packets, %d flows", workers, st.ReadError, st.Packets, flows)
	}
}

// repeatSource yields the same UDP frame n times, 1 µs apart.
type repeatSource struct {
	frame []byte
	n, i  int
}

func (s *repeatSource) Next() (reader.Packet, error) {
	if s.i == s.n {
		return reader.Packet{}, io.EOF
	}
	s.i++
	return reader.Packet{Data: s.frame, Timestamp: 1e18 + int64(s.i)*1000, CaptureLength: uint32(len(s.frame)),
		Length: uint32(len(s.frame)), LinkType: reader.LinkEthernet}, nil
}

func (s *repeatSource) Close() error { return nil }

// TestRunNoAllocsPerPacket: the read loop allocates nothing per packet
// (a packet escaping to the heap once cost 10% of the run): a run of
// 100 000 packets allocates as much as one of 1 000.
func TestRunNoAllocsPerPacket(t *testing.T) {
	frame := make([]byte, 60)
	copy(frame[12:], []byte{0x08, 0x00, 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, 0, 53, 0, 8, 0, 0})
	mallocs := func(n int) uint64 {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		if _, err := Run(context.Background(), &repeatSource{frame: frame, n: n}, Config{Flow: features.DefaultOptions(), Workers: 1}, func(*features.Flow) {}, nil); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&m1)
		return m1.Mallocs - m0.Mallocs
	}
	small, large := mallocs(1000), mallocs(100000)
	if large > small+50 {
		t.Fatalf("100k packets: %d allocations, 1k packets: %d", large, small)
	}
}

// TestRunModesAgree: the three ways Run drives one table (unbatched, batched
// on the calling goroutine with GOMAXPROCS 1, batched beside a reading
// goroutine) emit the same records in the same order, bit for bit, on the
// sample capture and a generated one with 500 concurrent flows.
func TestRunModesAgree(t *testing.T) {
	gen := writeGencap(t, gencap.Options{Packets: 50000, Concurrent: 500, Seed: 5})
	run := func(path string, procs int, unbatched bool) ([]features.Flow, Stats) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		src, err := reader.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		var got []features.Flow
		cfg := Config{Flow: features.DefaultOptions(), Workers: 1, Unbatched: unbatched}
		st, err := Run(context.Background(), src, cfg, func(f *features.Flow) { got = append(got, *f) }, nil)
		if err != nil {
			t.Fatal(err)
		}
		return got, st
	}
	for _, path := range []string{"../../testdata/sample.pcap", gen} {
		want, wst := run(path, 2, true)
		if len(want) == 0 {
			t.Fatalf("%s: no flows", path)
		}
		for _, procs := range []int{1, 2} {
			got, st := run(path, procs, false)
			if !slices.Equal(got, want) || st.Table != wst.Table || st.Packets != wst.Packets {
				t.Errorf("%s, GOMAXPROCS %d: batched run emitted %d flows (%+v), unbatched %d (%+v)", path, procs, len(got), st.Table, len(want), wst.Table)
			}
		}
	}
}

// TestRunTextEqualsRun: RunText writes the same CSV as Run with a Batcher
// and the CSV writer: byte for byte with one table (whichever goroutine
// encodes a batch), line for line with shards.
func TestRunTextEqualsRun(t *testing.T) {
	path := writeGencap(t, gencap.Options{Packets: 60000, Concurrent: 800, Seed: 7})
	schema, err := features.SchemaFor(features.SchemaNative, 10)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Flow: features.DefaultOptions(), Workers: 1}
	open := func() reader.Source {
		src, err := reader.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { src.Close() })
		return src
	}
	var want bytes.Buffer
	w := formats.NewCSVWriter(&want, schema)
	b := NewBatcher(100, w.Write)
	if _, err := Run(context.Background(), open(), cfg, b.Emit, nil); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(b.Close(), w.Close()); err != nil {
		t.Fatal(err)
	}
	text := func(procs, workers int) string {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		var got bytes.Buffer
		tw := formats.NewCSVWriter(&got, schema).(formats.TextWriter)
		c := cfg
		c.Workers = workers
		st, err := RunText(context.Background(), open(), c, Text{Encode: tw.AppendRecords, Write: tw.WriteRecords}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		if st.Table.Flows == 0 {
			t.Fatal("no flows")
		}
		return got.String()
	}
	for _, procs := range []int{1, 2} {
		if got := text(procs, 1); got != want.String() {
			t.Errorf("GOMAXPROCS %d, one table: RunText wrote %d bytes that differ from Run's %d", procs, len(got), want.Len())
		}
	}
	sorted := func(s string) []string {
		l := strings.Split(s, "\n")
		slices.Sort(l)
		return l
	}
	if got := text(2, 3); !slices.Equal(sorted(got), sorted(want.String())) {
		t.Errorf("three shards: RunText's lines differ from Run's")
	}
}

// TestRunTextWriteError: the first write error stops reading and is
// returned.
func TestRunTextWriteError(t *testing.T) {
	boom := errors.New("disk full")
	var gen bytes.Buffer
	if _, err := gencap.Generate(&gen, gencap.Options{Packets: 200000, Concurrent: 100, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	src, err := reader.NewReader(&gen)
	if err != nil {
		t.Fatal(err)
	}
	writes := 0
	st, err := RunText(context.Background(), src, Config{Flow: features.DefaultOptions()}, Text{
		Encode: func(dst []byte, fs []features.Flow) []byte { return append(dst, 'x') },
		Write:  func([]byte) error { writes++; return boom },
	}, nil)
	if !errors.Is(err, boom) {
		t.Fatalf("RunText = %v, want %v", err, boom)
	}
	if writes != 1 {
		t.Errorf("Write called %d times, want 1", writes)
	}
	if st.Packets >= 200000 {
		t.Errorf("read all %d packets after the write error", st.Packets)
	}
}

// writeGencap writes a generated capture into the test's temporary
// directory and returns its path.
func writeGencap(t *testing.T, o gencap.Options) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := gencap.Generate(&buf, o); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "gen.pcap")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
