package formats

import (
	"io"
	"testing"

	"github.com/flowmeter/flowmeter/features"
)

func benchWriter(b *testing.B, mk func(io.Writer, *features.Schema) (FlowWriter, error)) {
	s := benchSchema(100)
	flows := testFlows(256)
	for i, f := range flows {
		f.Fwd.IPBytes.Add(int64(100 + i))
		f.Start = 1704067200123456789 + int64(i)*1e6
	}
	w, err := mk(io.Discard, s)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for n < b.N {
		k := min(len(flows), b.N-n)
		if err := w.Write(flows[:k]); err != nil {
			b.Fatal(err)
		}
		n += k
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "flows/s")
}

// Each op is one flow of 100 float columns.
func BenchmarkCSVWriter(b *testing.B) {
	benchWriter(b, func(w io.Writer, s *features.Schema) (FlowWriter, error) { return NewCSVWriter(w, s), nil })
}

func BenchmarkJSONLWriter(b *testing.B) {
	benchWriter(b, func(w io.Writer, s *features.Schema) (FlowWriter, error) { return NewJSONLWriter(w, s), nil })
}

func BenchmarkParquetWriter(b *testing.B) {
	benchWriter(b, func(w io.Writer, s *features.Schema) (FlowWriter, error) {
		return NewParquetWriter(w, s, ParquetOptions{})
	})
}

func BenchmarkAppendTime(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = AppendTime(buf[:0], 1704067200123456789+int64(i))
	}
}
