package formats

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"
)

// FuzzAppendJSONString checks AppendJSONString and the in-place getter path
// byte for byte against encoding/json (HTML escaping off).
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range testNotes {
		f.Add(s)
	}
	f.Add("\u2028\xed\xa0\x80\xf4\x90\x80\x80")
	f.Fuzz(func(t *testing.T, s string) {
		want := encodingJSONString(s)
		if got := string(AppendJSONString(nil, s)); got != want {
			t.Fatalf("AppendJSONString(%q) = %s, encoding/json: %s", s, got, want)
		}
		dst := append([]byte("k"), s...)
		dst = escapeJSONTail(dst, 1)
		if got := `"` + string(dst[1:]) + `"`; got != want {
			t.Fatalf("escapeJSONTail(%q) = %s, encoding/json: %s", s, got, want)
		}
	})
}

// FuzzCSVField checks the quoting byte for byte against encoding/csv's
// Writer, and that encoding/csv's Reader reads the field back.
func FuzzCSVField(f *testing.F) {
	for _, s := range testNotes {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		cw.Write([]string{s, "1"})
		cw.Flush()
		got := appendCSVTestRow(nil, s)
		if string(got) != want.String() {
			t.Fatalf("%q: got %q, encoding/csv writes %q", s, got, want.String())
		}
	})
}

// FuzzAppendTime checks AppendTime against time.Format for any int64.
func FuzzAppendTime(f *testing.F) {
	for _, ns := range testTimes {
		f.Add(ns)
	}
	f.Fuzz(func(t *testing.T, ns int64) {
		want := time.Unix(0, ns).UTC().Format(rfc3339Nano9)
		if got := string(AppendTime(nil, ns)); got != want {
			t.Fatalf("AppendTime(%d) = %s, time.Format: %s", ns, got, want)
		}
	})
}
