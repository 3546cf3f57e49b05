package gencap

import (
	"bytes"
	"testing"
)

// FuzzReadTruth: ReadTruth never panics, and what it accepts round-trips
// through AppendTruthRow to an equal parse.
func FuzzReadTruth(f *testing.F) {
	o := generate(f, Options{Packets: 300, Concurrent: 8, Seed: 1})
	f.Add(o.truth.Bytes())
	f.Add([]byte(TruthHeader))
	f.Add([]byte(TruthHeader + "1\t4\t6\t10.0.0.1\t1\t10.0.0.2\t2\t0\t1\t2\t1\t1\t40\t40\t0\t0\t60\t60\tfin\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadTruth(bytes.NewReader(data))
		if err != nil {
			return
		}
		b := []byte(TruthHeader)
		for i := range rows {
			b = AppendTruthRow(b, &rows[i])
		}
		again, err := ReadTruth(bytes.NewReader(b))
		if err != nil || len(again) != len(rows) {
			t.Fatalf("re-parse: %v", err)
		}
		for i := range rows {
			if again[i] != rows[i] {
				t.Fatalf("row %d: %+v != %+v", i, again[i], rows[i])
			}
		}
	})
}
