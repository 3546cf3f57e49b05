package formats

import (
	"math"
	"net/netip"

	"github.com/flowmeter/flowmeter/features"
)

// testNotes holds the KindString test values, indexed by Flow.ID, so that a
// getter can return awkward text without allocating.
var testNotes = []string{
	"plain",
	"",
	"comma,inside",
	`quote "here"`,
	"new\nline",
	"lone\rcr",
	" leading space",
	"unicode: żółć 日本語 🎉",
	`\.`,
	"tab\there, ctrl \x01\x1f, back\\slash",
	"bad utf8 \xff\xfe end",
	"seps \u2028 \u2029",
	`"`,
	",",
}

// testSchema has columns of every Kind, each reading a field of a
// hand-filled features.Flow.
func testSchema() *features.Schema {
	return &features.Schema{Name: "test", Columns: []features.Column{
		{Name: "id", Kind: features.KindInt, Int: func(f *features.Flow) int64 { return int64(f.ID) }},
		{Name: "start", Kind: features.KindTime, Int: func(f *features.Flow) int64 { return f.Start }},
		{Name: "src", Kind: features.KindAddr, Addr: func(f *features.Flow) netip.Addr { return f.Src }},
		{Name: "dst", Kind: features.KindAddr, Addr: func(f *features.Flow) netip.Addr { return f.Dst }},
		{Name: "proto", Kind: features.KindInt, Int: func(f *features.Flow) int64 { return int64(f.Proto) }},
		{Name: "fwd_bytes", Kind: features.KindInt, Int: func(f *features.Flow) int64 { return f.Fwd.IPBytes.Sum }},
		{Name: "fwd_mean", Kind: features.KindFloat, Float: func(f *features.Flow) float64 { return f.Fwd.IPBytes.Mean() }},
		{Name: "ratio", Kind: features.KindFloat, Float: func(f *features.Flow) float64 {
			return float64(f.Fwd.IPBytes.Sum) / float64(f.Bwd.IPBytes.Sum) // NaN for 0/0, +Inf for x/0
		}},
		{Name: "note, \"odd\" name", Kind: features.KindString, String: func(dst []byte, f *features.Flow) []byte {
			return append(dst, testNotes[int(f.ID)%len(testNotes)]...)
		}},
		{Name: "reason", Kind: features.KindString, String: func(dst []byte, f *features.Flow) []byte {
			return append(dst, f.Reason.String()...)
		}},
		{Name: "end", Kind: features.KindTime, Int: func(f *features.Flow) int64 { return f.End }},
		{Name: "tiny", Kind: features.KindFloat, Float: func(f *features.Flow) float64 {
			return float64(f.Fwd.IPBytes.Min) * 1e-300
		}},
	}}
}

var testTimes = []int64{
	1704067200123456789, // 2024-01-01T00:00:00.123456789Z
	0,
	-1,
	951782400000000000, // 2000-02-29
	math.MaxInt64,
	math.MinInt64,
	1735689599999999999, // 2024-12-31T23:59:59.999999999Z
	-62135596800000000 + 1,
}

var testAddrs = []netip.Addr{
	netip.MustParseAddr("192.0.2.1"),
	netip.MustParseAddr("2001:db8::1"),
	{}, // invalid: empty / null
	netip.MustParseAddr("::ffff:10.0.0.1"),
	netip.MustParseAddr("fe80::1%eth0"),
	netip.MustParseAddr("0.0.0.0"),
}

// testFlows fills n flows by hand; together they cover NaN, +Inf, every
// test note, invalid addresses, extreme times and negative numbers.
func testFlows(n int) []*features.Flow {
	fs := make([]*features.Flow, n)
	for i := range fs {
		f := &features.Flow{}
		f.ID = uint64(i)
		f.Start = testTimes[i%len(testTimes)]
		f.End = f.Start/2 + int64(i)
		f.Src = testAddrs[i%len(testAddrs)]
		f.Dst = testAddrs[(i+2)%len(testAddrs)]
		f.Proto = uint8(6 + 11*(i%2))
		switch i % 4 {
		case 0: // no packets: mean 0, ratio NaN
		case 1: // forward only: ratio +Inf
			f.Fwd.IPBytes.Add(60)
			f.Fwd.IPBytes.Add(1500)
		default:
			f.Fwd.IPBytes.Add(int64(40 + i))
			f.Fwd.IPBytes.Add(int64(41 + 3*i))
			f.Fwd.IPBytes.Add(-7) // negative sample: negative sums are still valid ints
			f.Bwd.IPBytes.Add(int64(1 + i))
		}
		f.Reason = features.EndReason(i % 8)
		fs[i] = f
	}
	return fs
}

// benchSchema has ncol float columns, each a different function of the flow.
func benchSchema(ncol int) *features.Schema {
	s := &features.Schema{Name: "bench"}
	for i := 0; i < ncol; i++ {
		k := float64(i) + 0.5
		s.Columns = append(s.Columns, features.Column{
			Name: "f" + string(rune('a'+i%26)) + string(rune('a'+i/26)),
			Kind: features.KindFloat,
			Float: func(f *features.Flow) float64 {
				return f.Fwd.IPBytes.Mean()*k + float64(f.Start%1000)/3
			},
		})
	}
	return s
}
