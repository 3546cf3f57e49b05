package enricher

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/internal/gencap"
)

// benchData is a generated capture and its conn.log: the capture's flows
// plus synthetic records of flows NOT in it (as fm-gencap -conn-records
// makes them), so most lookups miss, as with a sensor log against a
// partial capture. FLOWMETER_ENRICH_BENCH_DIR=DIR uses DIR/synth.pcap and
// DIR/conn.log instead (e.g. from fm-gencap -packets 1000000 -zeek
// -conn-records 1000000).
type benchData struct {
	ix   *Index
	conn []byte
	err  error
}

var (
	benchOnce sync.Once
	bench     benchData
)

func loadBench(b *testing.B) *benchData {
	benchOnce.Do(func() {
		dir := os.Getenv("FLOWMETER_ENRICH_BENCH_DIR")
		if dir == "" {
			dir, bench.err = os.MkdirTemp("", "enrich-bench")
			if bench.err != nil {
				return
			}
			pf, err := os.Create(filepath.Join(dir, "synth.pcap"))
			if err != nil {
				bench.err = err
				return
			}
			var conn bytes.Buffer
			_, bench.err = gencap.Generate(pf, gencap.Options{Packets: 200000, Seed: 1, Conn: &conn, ConnRecords: 300000})
			pf.Close()
			os.WriteFile(filepath.Join(dir, "conn.log"), conn.Bytes(), 0o644)
		}
		bench.conn, bench.err = os.ReadFile(filepath.Join(dir, "conn.log"))
		if bench.err != nil {
			return
		}
		bench.ix = indexCapture(b, filepath.Join(dir, "synth.pcap"), features.DefaultOptions(), DefaultOptions())
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return &bench
}

// discardSink counts and drops.
type discardSink struct{ n int }

func (d *discardSink) Write(*Record, *Result) error   { d.n++; return nil }
func (d *discardSink) WriteFlow(*features.Flow) error { return nil }
func (d *discardSink) Close() error                   { return nil }

func benchJoin(b *testing.B, mk func(w io.Writer) Sink) {
	d := loadBench(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(d.conn)))
	var recs int64
	var matched int64
	start := time.Now()
	for b.Loop() {
		src, err := OpenZeek(bytes.NewReader(d.conn))
		if err != nil {
			b.Fatal(err)
		}
		s, err := JoinLog(context.Background(), src, d.ix, mk(io.Discard), false, nil)
		if err != nil {
			b.Fatal(err)
		}
		recs += s.Records
		matched = s.Matched
	}
	el := time.Since(start).Seconds()
	b.ReportMetric(float64(recs)/el, "records/s")
	b.ReportMetric(float64(matched), "matched")
	b.ReportMetric(float64(d.ix.Len()), "flows")
}

// BenchmarkJoin: read and parse the conn.log, join every record (no output).
func BenchmarkJoin(b *testing.B) {
	benchJoin(b, func(io.Writer) Sink { return &discardSink{} })
}

// BenchmarkJoinJSONL: the same, writing enriched JSON lines (native schema).
func BenchmarkJoinJSONL(b *testing.B) {
	s, _ := features.SchemaFor("native", 10)
	benchJoin(b, func(w io.Writer) Sink { return NewJSONLWriter(w, s, JSONLOptions{}) })
}

// BenchmarkJoinZeek: the same, writing Zeek TSV with appended columns.
func BenchmarkJoinZeek(b *testing.B) {
	s, _ := features.SchemaFor("native", 10)
	benchJoin(b, func(w io.Writer) Sink { return NewZeekWriter(w, s, nil) })
}
