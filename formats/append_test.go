package formats

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// intEdges are int64 values around every digit-count and chunk boundary.
func intEdges() []int64 {
	vs := []int64{0, 1, -1, 9, 10, 99, 100, 1e8 - 1, 1e8, 1e16 - 1, 1e16,
		math.MaxInt64, math.MaxInt64 - 1, math.MinInt64, math.MinInt64 + 1}
	for p := int64(1); ; p *= 10 {
		vs = append(vs, p-1, p, p+1, -p+1, -p, -p-1)
		if p > math.MaxInt64/10 {
			break
		}
	}
	for s := 0; s < 63; s++ {
		p := int64(1) << s
		vs = append(vs, p-1, p, p+1, -p)
	}
	return vs
}

// checkAppendInt compares appendInt with strconv.AppendInt on an empty dst,
// on a dst with no spare capacity (so that every write grows it) and on
// one whose spare capacity runs out part way through the digits.
func checkAppendInt(t *testing.T, v int64) {
	t.Helper()
	want := strconv.AppendInt([]byte("ab"), v, 10)
	if got := appendInt([]byte("ab"), v); string(got) != string(want) {
		t.Fatalf("appendInt(%d) = %q, strconv %q", v, got, want)
	}
	full := append(make([]byte, 0, 2), "ab"...)
	if got := appendInt(full, v); string(got) != string(want) {
		t.Fatalf("appendInt(%d) into a full slice = %q, strconv %q", v, got, want)
	}
	short := append(make([]byte, 0, 7), "ab"...)
	if got := appendInt(short, v); string(got) != string(want) {
		t.Fatalf("appendInt(%d) into a short slice = %q, strconv %q", v, got, want)
	}
}

func TestAppendIntMatchesStrconv(t *testing.T) {
	for v := int64(-1000); v <= 100000; v++ {
		checkAppendInt(t, v)
	}
	for _, v := range intEdges() {
		checkAppendInt(t, v)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1_000_000 {
		v := int64(r.Uint64()) >> r.IntN(64) // every magnitude, both signs
		checkAppendInt(t, v)
	}
}

func TestAppendUintMatchesStrconv(t *testing.T) {
	check := func(u uint64) {
		t.Helper()
		want := strconv.AppendUint([]byte("x"), u, 10)
		if got := appendUint([]byte("x"), u); string(got) != string(want) {
			t.Fatalf("appendUint(%d) = %q, strconv %q", u, got, want)
		}
	}
	for _, v := range intEdges() {
		check(uint64(v))
	}
	check(math.MaxUint64)
	check(1e19)
	check(1e19 - 1)
	r := rand.New(rand.NewPCG(3, 4))
	for range 200_000 {
		check(r.Uint64() >> r.IntN(64))
	}
}

// refAppendFloat is appendFloat as it was before the fast paths for short
// fractions and small integers: the reference output.
func refAppendFloat(dst []byte, v float64) []byte {
	if i := int64(v); float64(i) == v && i > -1<<53 && i < 1<<53 && (i != 0 || !math.Signbit(v)) {
		return strconv.AppendInt(dst, i, 10)
	}
	return strconv.AppendFloat(dst, v, 'g', -1, 64)
}

func checkAppendFloat(t *testing.T, v float64) {
	t.Helper()
	if !finite(v) {
		return
	}
	want := refAppendFloat([]byte("ab"), v)
	if got := appendFloat([]byte("ab"), v); string(got) != string(want) {
		t.Fatalf("appendFloat(%v) = %q, want %q", v, got, want)
	}
	full := append(make([]byte, 0, 2), "ab"...)
	if got := appendFloat(full, v); string(got) != string(want) {
		t.Fatalf("appendFloat(%v) into a full slice = %q, want %q", v, got, want)
	}
}

// TestAppendFloatMatchesStrconv covers the values features produce (means
// and rates of integers, microseconds from nanoseconds, square roots), the
// edges of the short fractions (1e-3, 1e6, 8 fraction digits), and random
// bit patterns.
func TestAppendFloatMatchesStrconv(t *testing.T) {
	for _, v := range []float64{0, math.Copysign(0, -1), 0.5, -0.5, 0.1, 0.2, 0.3, 0.1 + 0.2,
		1e-3, 1e-4, 9.99e-4, 0.00099999999, 1e6, 999999.5, 999999.99999999, 1e6 - 1e-8,
		123456.12345678, 123456.123456789, 0.12345678, 0.123456789, 5e-324, math.MaxFloat64,
		1 << 53, 1<<53 + 2, -(1 << 53), 1e21, 1e22, 4503599627370495.5, 2251799813685247.75,
		math.Inf(1), math.NaN()} {
		checkAppendFloat(t, v)
		checkAppendFloat(t, -v)
		for _, d := range []float64{math.Inf(1), math.Inf(-1)} {
			w := v
			for range 4 {
				w = math.Nextafter(w, d)
				checkAppendFloat(t, w)
			}
		}
	}
	// Short decimals m/10^k, and their neighbours one ulp away.
	r := rand.New(rand.NewPCG(5, 6))
	for k := 1; k <= 12; k++ {
		p := math.Pow(10, float64(k))
		for range 20_000 {
			m := r.Int64N(int64(1e6 * p))
			v := float64(m) / p
			checkAppendFloat(t, v)
			checkAppendFloat(t, math.Nextafter(v, 0))
			checkAppendFloat(t, math.Nextafter(v, 2e6))
		}
	}
	for n := int64(1); n <= 300; n++ {
		for s := int64(0); s <= 3000; s += 7 {
			checkAppendFloat(t, float64(s)/float64(n))                  // means
			checkAppendFloat(t, float64(s*1000+n)/1e3)                  // us from ns
			checkAppendFloat(t, float64(n)/(float64(s*12345+1)/1e3))    // rates
			checkAppendFloat(t, math.Sqrt(float64(s*s+n)/float64(n+1))) // std
		}
	}
	for range 1_000_000 {
		checkAppendFloat(t, math.Float64frombits(r.Uint64()))
		checkAppendFloat(t, r.Float64()*math.Pow(10, float64(r.IntN(16)-6)))
	}
}

func FuzzAppendFloat(f *testing.F) {
	for _, v := range []float64{0, 0.5, 1.25, 123.456, 1e-3, 999999.9, 1.0 / 3, 1e300} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		checkAppendFloat(t, v)
	})
}

func FuzzAppendInt(f *testing.F) {
	for _, v := range intEdges() {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v int64) {
		checkAppendInt(t, v)
	})
}

// benchInts mimics the integer columns of the native schema: half are one
// digit, a few have 9 to 19 (nanoseconds, flow IDs).
var benchInts = func() []int64 {
	r := rand.New(rand.NewPCG(7, 8))
	vs := make([]int64, 4096)
	for i := range vs {
		switch d := r.IntN(20); {
		case d < 10:
			vs[i] = r.Int64N(10)
		case d < 13:
			vs[i] = r.Int64N(100)
		case d < 18:
			vs[i] = r.Int64N(1e6)
		case d < 19:
			vs[i] = r.Int64N(1e10)
		default:
			vs[i] = r.Int64() >> 1
		}
	}
	return vs
}()

func BenchmarkAppendInt(b *testing.B) {
	buf := make([]byte, 0, 1<<16)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = buf[:0]
		for _, v := range benchInts {
			buf = appendInt(buf, v)
		}
	}
}

func BenchmarkAppendIntStrconv(b *testing.B) {
	buf := make([]byte, 0, 1<<16)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = buf[:0]
		for _, v := range benchInts {
			buf = strconv.AppendInt(buf, v, 10)
		}
	}
}
