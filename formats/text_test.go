package formats

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowmeter/flowmeter/features"
)

const rfc3339Nano9 = "2006-01-02T15:04:05.000000000Z07:00"

// expectedText is what a value of col should read back as, per
// time.Format, strconv and netip (independent of the appenders), with
// ok=false for an empty CSV field / JSON null.
func expectedText(col *features.Column, f *features.Flow) (string, bool) {
	switch col.Kind {
	case features.KindInt:
		return strconv.FormatInt(col.Int(f), 10), true
	case features.KindFloat:
		v := col.Float(f)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", false
		}
		return strconv.FormatFloat(v, 'g', -1, 64), true
	case features.KindTime:
		return time.Unix(0, col.Int(f)).UTC().Format(rfc3339Nano9), true
	case features.KindAddr:
		a := col.Addr(f)
		if !a.IsValid() {
			return "", false
		}
		return a.String(), true
	case features.KindString:
		return string(col.String(nil, f)), true
	}
	panic("bad kind")
}

func TestCSVRoundTrip(t *testing.T) {
	s := testSchema()
	flows := testFlows(40)
	var out bytes.Buffer
	w := NewCSVWriter(&out, s)
	if err := w.Write(flows[:17]); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(flows[17:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(flows); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %v, want ErrClosed", err)
	}

	r := csv.NewReader(bytes.NewReader(out.Bytes()))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("encoding/csv cannot read our output: %v\n%s", err, out.Bytes())
	}
	if len(recs) != len(flows)+1 {
		t.Fatalf("got %d records, want %d", len(recs), len(flows)+1)
	}
	for i, c := range s.Columns {
		if recs[0][i] != c.Name {
			t.Errorf("header[%d] = %q, want %q", i, recs[0][i], c.Name)
		}
	}
	for fi, f := range flows {
		rec := recs[fi+1]
		for ci := range s.Columns {
			col := &s.Columns[ci]
			want, ok := expectedText(col, f)
			if !ok {
				want = ""
			}
			got := rec[ci]
			if col.Kind == features.KindString {
				// encoding/csv folds \r\n inside quotes to \n; our notes have none.
				if got != want {
					t.Errorf("flow %d %s = %q, want %q", fi, col.Name, got, want)
				}
				continue
			}
			if got != want {
				t.Errorf("flow %d %s = %q, want %q", fi, col.Name, got, want)
			}
			// Parse back with independent parsers.
			switch col.Kind {
			case features.KindFloat:
				if ok {
					v, err := strconv.ParseFloat(got, 64)
					if err != nil || math.Float64bits(v) != math.Float64bits(col.Float(f)) {
						t.Errorf("flow %d %s: %q parses to %v (%v), want exactly %v", fi, col.Name, got, v, err, col.Float(f))
					}
				}
			case features.KindTime:
				tm, err := time.Parse(time.RFC3339Nano, got)
				if err != nil || tm.UnixNano() != col.Int(f) {
					t.Errorf("flow %d %s: %q parses to %v (%v), want %d ns", fi, col.Name, got, tm, err, col.Int(f))
				}
			case features.KindAddr:
				if ok {
					a, err := netip.ParseAddr(got)
					if err != nil || a != col.Addr(f) {
						t.Errorf("flow %d %s: %q parses to %v (%v)", fi, col.Name, got, a, err)
					}
				}
			}
		}
	}
}

// TestCSVMatchesEncodingCSV checks the quoting byte for byte against
// encoding/csv's Writer for every test string.
func TestCSVMatchesEncodingCSV(t *testing.T) {
	for _, note := range append(testNotes, " ", "\t", "a\r\nb", "\u00a0nbsp", "x") {
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		cw.Write([]string{note, "1"})
		cw.Flush()
		got := appendCSVTestRow(nil, note)
		if string(got) != want.String() {
			t.Errorf("%q: got %q, encoding/csv writes %q", note, got, want.String())
		}
	}
}

func appendCSVTestRow(dst []byte, note string) []byte {
	p := len(dst)
	dst = append(dst, note...)
	dst = quoteCSVTail(dst, p)
	return append(dst, ",1\n"...)
}

func TestJSONLRoundTrip(t *testing.T) {
	s := testSchema()
	flows := testFlows(40)
	var out bytes.Buffer
	w := NewJSONLWriter(&out, s)
	for i := 0; i < len(flows); i += 7 {
		if err := w.Write(flows[i:min(i+7, len(flows))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		line := sc.Bytes()
		if n >= len(flows) {
			t.Fatalf("extra line %q", line)
		}
		f := flows[n]
		if !json.Valid(line) {
			t.Fatalf("line %d is not valid JSON: %s", n, line)
		}
		// Keys in schema order, via the token stream.
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		if tok, _ := dec.Token(); tok != json.Delim('{') {
			t.Fatalf("line %d does not start an object", n)
		}
		for ci := range s.Columns {
			col := &s.Columns[ci]
			k, err := dec.Token()
			if err != nil || k != col.Name {
				t.Fatalf("line %d key %d = %v (%v), want %q", n, ci, k, err, col.Name)
			}
			v, err := dec.Token()
			if err != nil {
				t.Fatalf("line %d %s: %v", n, col.Name, err)
			}
			want, ok := expectedText(col, f)
			switch col.Kind {
			case features.KindInt:
				num, isNum := v.(json.Number)
				if !isNum || string(num) != want {
					t.Errorf("line %d %s = %#v, want number %s", n, col.Name, v, want)
				}
			case features.KindFloat:
				if !ok {
					if v != nil {
						t.Errorf("line %d %s = %#v, want null", n, col.Name, v)
					}
					continue
				}
				num, isNum := v.(json.Number)
				x, err := num.Float64()
				if !isNum || err != nil || math.Float64bits(x) != math.Float64bits(col.Float(f)) {
					t.Errorf("line %d %s = %#v, want number %s", n, col.Name, v, want)
				}
			case features.KindAddr:
				if !ok {
					if v != nil {
						t.Errorf("line %d %s = %#v, want null", n, col.Name, v)
					}
					continue
				}
				if v != want {
					t.Errorf("line %d %s = %#v, want %q", n, col.Name, v, want)
				}
			case features.KindTime:
				str, _ := v.(string)
				tm, err := time.Parse(time.RFC3339Nano, str)
				if str != want || err != nil || tm.UnixNano() != col.Int(f) {
					t.Errorf("line %d %s = %#v, want %q", n, col.Name, v, want)
				}
			case features.KindString:
				// encoding/json decodes invalid UTF-8 as U+FFFD per byte, like our \ufffd.
				if v != string(jsonStd(t, want)) {
					t.Errorf("line %d %s = %#v, want %q", n, col.Name, v, want)
				}
			}
		}
		if tok, _ := dec.Token(); tok != json.Delim('}') {
			t.Fatalf("line %d has extra members", n)
		}
		n++
	}
	if n != len(flows) {
		t.Fatalf("got %d lines, want %d", n, len(flows))
	}
}

// jsonStd returns s as encoding/json round-trips it (invalid UTF-8 becomes
// U+FFFD).
func jsonStd(t testing.TB, s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// encodingJSONString is encoding/json's encoding of s without HTML escaping.
func encodingJSONString(s string) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	e.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range append(testNotes, "<a&b>", "\x00\x7f", "\u2028", "\xe2\x80", "é\xc3") {
		want := encodingJSONString(s)
		if got := string(AppendJSONString(nil, s)); got != want {
			t.Errorf("AppendJSONString(%q) = %s, encoding/json: %s", s, got, want)
		}
		// The in-place path used for getter output must agree.
		dst := append([]byte(`xx"`), s...)
		dst = escapeJSONTail(dst, 3)
		if got := string(dst[3:]); `"`+got+`"` != want {
			t.Errorf("escapeJSONTail(%q) = %s, encoding/json: %s", s, got, want)
		}
	}
}

func TestAppendJSONFields(t *testing.T) {
	s := testSchema()
	for _, f := range testFlows(12) {
		b := AppendJSONFields([]byte("{"), s, f)
		b = append(b, `,"extra":1}`...)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if len(m) != len(s.Columns)+1 {
			t.Fatalf("got %d members, want %d", len(m), len(s.Columns)+1)
		}
	}
	// A column without a getter is null, not a panic.
	bad := &features.Schema{Columns: []features.Column{{Name: "x", Kind: features.KindFloat}, {Name: "y", Kind: 99}}}
	if got := string(AppendJSONFields(nil, bad, &features.Flow{})); got != `"x":null,"y":null` {
		t.Errorf("got %s", got)
	}
}

func TestAppendTime(t *testing.T) {
	cases := append([]int64{}, testTimes...)
	for ns := int64(-3e9); ns < 3e9; ns += 999999937 {
		cases = append(cases, ns)
	}
	for y := int64(1678); y < 2262; y += 7 {
		cases = append(cases, time.Date(int(y), time.March, 1, 0, 0, 0, 0, time.UTC).UnixNano()-1)
		cases = append(cases, time.Date(int(y), time.December, 31, 23, 59, 59, 999999999, time.UTC).UnixNano())
	}
	for _, ns := range cases {
		want := time.Unix(0, ns).UTC().Format(rfc3339Nano9)
		if got := string(AppendTime(nil, ns)); got != want {
			t.Errorf("AppendTime(%d) = %s, time.Format: %s", ns, got, want)
		}
	}
}

func TestNilFlowAndBadSchema(t *testing.T) {
	s := testSchema()
	for _, mk := range []func(io.Writer, *features.Schema) FlowWriter{NewCSVWriter, NewJSONLWriter} {
		w := mk(io.Discard, s)
		if err := w.Write([]*features.Flow{{}, nil}); !errors.Is(err, ErrNilFlow) {
			t.Errorf("nil flow: %v", err)
		}
		w = mk(io.Discard, &features.Schema{})
		if err := w.Write(testFlows(1)); !errors.Is(err, ErrBadSchema) {
			t.Errorf("empty schema: %v", err)
		}
	}
	bad := []*features.Schema{
		nil,
		{},
		{Columns: []features.Column{{Name: "a", Kind: features.KindInt}}},
		{Columns: []features.Column{{Name: "", Kind: features.KindInt, Int: func(*features.Flow) int64 { return 0 }}}},
		{Columns: []features.Column{{Name: "a", Kind: 42, Int: func(*features.Flow) int64 { return 0 }}}},
	}
	for i, b := range bad {
		if err := ValidateSchema(b); !errors.Is(err, ErrBadSchema) {
			t.Errorf("bad schema %d: %v", i, err)
		}
		for _, format := range Formats {
			if _, err := NewFlowWriter(format, io.Discard, b); !errors.Is(err, ErrBadSchema) {
				t.Errorf("%s bad schema %d: %v", format, i, err)
			}
		}
	}
	// Repeated names: a CSV header may repeat them (CIC-IDS2017 does);
	// JSON keys and Parquet columns may not.
	dup := &features.Schema{Columns: []features.Column{
		{Name: "a", Kind: features.KindInt, Int: func(*features.Flow) int64 { return 1 }},
		{Name: "a", Kind: features.KindInt, Int: func(*features.Flow) int64 { return 2 }},
	}}
	var out bytes.Buffer
	w, err := NewFlowWriter("csv", &out, dup)
	if err != nil {
		t.Fatalf("csv with repeated names: %v", err)
	}
	w.Write(testFlows(1))
	if err := w.Close(); err != nil || out.String() != "a,a\n1,2\n" {
		t.Errorf("csv with repeated names: %q %v", out.String(), err)
	}
	for _, format := range []string{"jsonl", "parquet"} {
		if _, err := NewFlowWriter(format, io.Discard, dup); !errors.Is(err, ErrBadSchema) {
			t.Errorf("%s with repeated names: %v", format, err)
		}
	}
	if err := NewJSONLWriter(io.Discard, dup).Write(testFlows(1)); !errors.Is(err, ErrBadSchema) {
		t.Errorf("NewJSONLWriter with repeated names: %v", err)
	}
	if _, err := NewFlowWriter("xml", io.Discard, s); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("xml: %v", err)
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errors.New("disk full")
	}
	w.n--
	return len(p), nil
}

func TestWriteErrorIsSticky(t *testing.T) {
	s := testSchema()
	for _, format := range Formats {
		w, err := NewFlowWriter(format, &failWriter{}, s)
		if err != nil {
			t.Fatal(err)
		}
		flows := testFlows(20)
		var got error
		for i := 0; i < 5000 && got == nil; i++ {
			if got = w.Write(flows); got == nil {
				got = w.Flush()
			}
		}
		if got == nil {
			got = w.Close()
		}
		if got == nil || got.Error() != "disk full" && !strings.Contains(got.Error(), "disk full") {
			t.Errorf("%s: error %v, want disk full", format, got)
		}
		if err := w.Close(); err == nil {
			t.Errorf("%s: Close after error returned nil", format)
		}
	}
}

func TestEmptyOutput(t *testing.T) {
	s := testSchema()
	var b bytes.Buffer
	w := NewCSVWriter(&b, s)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(recs) != 1 || len(recs[0]) != len(s.Columns) {
		t.Fatalf("empty CSV: %q %v", recs, err)
	}
	b.Reset()
	w = NewJSONLWriter(&b, s)
	if err := w.Close(); err != nil || b.Len() != 0 {
		t.Fatalf("empty JSONL: %q %v", b.Bytes(), err)
	}
}

func TestTextWritersAllocateNothingPerFlow(t *testing.T) {
	s := testSchema()
	flows := testFlows(100)
	for _, mk := range []func(io.Writer, *features.Schema) FlowWriter{NewCSVWriter, NewJSONLWriter} {
		w := mk(io.Discard, s)
		for i := 0; i < 3; i++ { // reach steady state
			if err := w.Write(flows); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(50, func() {
			if err := w.Write(flows); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%T: %v allocations per batch of %d flows, want 0", w, allocs, len(flows))
		}
	}
	var buf []byte
	f := flows[9] // escapes needed
	for i := 0; i < 3; i++ {
		buf = AppendJSONFields(buf[:0], s, f)
	}
	if a := testing.AllocsPerRun(100, func() { buf = AppendJSONFields(buf[:0], s, f) }); a != 0 {
		t.Errorf("AppendJSONFields: %v allocations, want 0", a)
	}
	if a := testing.AllocsPerRun(100, func() { buf = AppendCSVRecord(buf[:0], s, f) }); a != 0 {
		t.Errorf("AppendCSVRecord: %v allocations, want 0", a)
	}
}
