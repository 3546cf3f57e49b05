package zeek

import (
	"math/big"
	"strings"
	"testing"
	"time"
)

// nanosRef is an independent reference: math/big's exact rational parser,
// rounded half away from zero to integer nanoseconds.
func nanosRef(s string) (int64, bool) {
	if strings.ContainsAny(s, "_xXpPiInN") || s == "" {
		return 0, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, false
	}
	r.Mul(r, big.NewRat(1e9, 1))
	neg := r.Sign() < 0
	r.Abs(r)
	r.Add(r, big.NewRat(1, 2))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	if !q.IsInt64() {
		return 0, false
	}
	if neg {
		return -q.Int64(), true
	}
	return q.Int64(), true
}

var nanosCases = []string{"1601998366.785668", "0", "0.000000", "22.335172", "0.09628199999999865",
	"1.5e-06", "1e3", "-0.5", "3600.000000", "0.0000000005", "0.0000000004999", "9223372036.854775807",
	"9223372036.854775808", "9223372037", "1e10", "1E-9", ".5", "5.", "1601998366.7856681234",
	"00001.1", "+2.5", "1e-400", "0e5000"}

func TestParseNanos(t *testing.T) {
	for _, s := range nanosCases {
		got, ok := ParseNanos([]byte(s))
		want, wok := nanosRef(s)
		if ok != wok || got != want {
			t.Errorf("ParseNanos(%q) = %d,%v; big.Rat gives %d,%v", s, got, ok, want, wok)
		}
	}
	for _, s := range []string{"", "-", ".", "1.2.3", "abc", "1e", "1e+", "12:00", " 1", "1 ", "0x10", "inf", "NaN"} {
		if v, ok := ParseNanos([]byte(s)); ok {
			t.Errorf("ParseNanos(%q) = %d, want failure", s, v)
		}
	}
}

func FuzzParseNanos(f *testing.F) {
	for _, s := range nanosCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseNanos([]byte(s))
		if len(s) > 200 || strings.HasPrefix(strings.TrimLeft(s, "+-"), ".e") {
			return
		}
		want, wok := nanosRef(s)
		// big.Rat accepts forms Zeek never writes (fractions "1/2"); only
		// compare when both accept.
		if ok && wok && got != want {
			t.Fatalf("ParseNanos(%q) = %d; big.Rat gives %d", s, got, want)
		}
		if ok && !wok {
			t.Fatalf("ParseNanos(%q) accepted (%d), big.Rat rejects", s, got)
		}
	})
}

// TestParseTimestamp checks against time.Parse (an independent parser).
func TestParseTimestamp(t *testing.T) {
	cases := []struct{ in, layout string }{
		{"2021-06-06T15:59:46.457984+0200", "2006-01-02T15:04:05.999999999-0700"},
		{"2021-06-06T15:59:46.457984-0530", "2006-01-02T15:04:05.999999999-0700"},
		{"2020-10-06T17:32:46.785668Z", time.RFC3339Nano},
		{"2020-10-06T17:32:46Z", time.RFC3339Nano},
		{"2020-10-06T17:32:46.123456789+02:00", time.RFC3339Nano},
		{"2024-02-29T23:59:59.999999999-11:30", time.RFC3339Nano},
		{"1969-12-31T23:59:59.5Z", time.RFC3339Nano},
		{"1900-03-01T00:00:00Z", time.RFC3339Nano},
		{"2100-02-28T12:00:00+01", "2006-01-02T15:04:05Z07"},
	}
	for _, c := range cases {
		want, err := time.Parse(c.layout, c.in)
		if err != nil {
			t.Fatalf("time.Parse(%q): %v", c.in, err)
		}
		got, ok := ParseTimestamp([]byte(c.in))
		if !ok || got != want.UnixNano() {
			t.Errorf("ParseTimestamp(%q) = %d,%v; time.Parse gives %d", c.in, got, ok, want.UnixNano())
		}
	}
	for _, s := range []string{"2021-02-29T00:00:00Z", "2021-13-01T00:00:00Z", "2021-06-06 15:59", "2021-06-06T15:59:46+2", "2021-06-06T15:59:46.Z", "x021-06-06T15:59:46Z"} {
		if _, ok := ParseTimestamp([]byte(s)); ok {
			t.Errorf("ParseTimestamp(%q) accepted", s)
		}
	}
}

func TestParseScalars(t *testing.T) {
	if v, ok := ParseCount([]byte("18446744073709551615")); !ok || v != 1<<64-1 {
		t.Error("max count")
	}
	if _, ok := ParseCount([]byte("18446744073709551616")); ok {
		t.Error("count overflow accepted")
	}
	if v, ok := ParseInt([]byte("-9223372036854775808")); !ok || v != -1<<63 {
		t.Error("min int")
	}
	if v, ok := ParsePort([]byte("443/tcp")); !ok || v != 443 {
		t.Error("port/proto")
	}
	if _, ok := ParsePort([]byte("65536")); ok {
		t.Error("port overflow accepted")
	}
	if s := string(AppendUnescaped(nil, []byte(`a\x09b\x5cc\xzz\`))); s != "a\tb\\c\\xzz\\" {
		t.Errorf("unescape %q", s)
	}
	for _, c := range []struct {
		ns   int64
		want string
	}{{1601998366785668000, "1601998366.785668"}, {0, "0.000000"}, {-1500000000, "-1.500000"}, {999, "0.000001"}, {-400, "0.000000"}} {
		if got := string(AppendNanos(nil, c.ns)); got != c.want {
			t.Errorf("AppendNanos(%d) = %s, want %s", c.ns, got, c.want)
		}
	}
	if ParseType("set[string]") != (Type{KindSet, KindString}) || ParseType("vector[interval]") != (Type{KindVector, KindInterval}) || ParseType("zzz").Kind != KindUnknown {
		t.Error("ParseType")
	}
}
