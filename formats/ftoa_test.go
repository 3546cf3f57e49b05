package formats

import (
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// checkFtoa compares appendShortest with strconv.AppendFloat(dst, v, 'g',
// -1, 64) on a dst with spare capacity and on one without (so that the
// write grows it).
func checkFtoa(t testing.TB, v float64) {
	t.Helper()
	if !finite(v) {
		return
	}
	var want, got [40]byte
	w := strconv.AppendFloat(append(want[:0], "ab"...), v, 'g', -1, 64)
	if g := appendShortest(append(got[:0], "ab"...), v); string(g) != string(w) {
		t.Fatalf("appendShortest(%#x) = %q, strconv %q", math.Float64bits(v), g, w)
	}
	full := append(make([]byte, 0, 2), "ab"...)
	if g := appendShortest(full, v); string(g) != string(w) {
		t.Fatalf("appendShortest(%#x) into a full slice = %q, strconv %q", math.Float64bits(v), g, w)
	}
}

// checkFtoaAround checks v, -v and their n neighbours on either side.
func checkFtoaAround(t *testing.T, v float64, n int) {
	t.Helper()
	for _, s := range []float64{v, -v} {
		checkFtoa(t, s)
		up, down := s, s
		for range n {
			up = math.Nextafter(up, math.Inf(1))
			down = math.Nextafter(down, math.Inf(-1))
			checkFtoa(t, up)
			checkFtoa(t, down)
		}
	}
}

// TestFtoaEdges covers every binary exponent (powers of two and random
// significands with each), every power of ten, subnormals, the extremes,
// and the points where strconv switches between %f and %e.
func TestFtoaEdges(t *testing.T) {
	checkFtoa(t, 0)
	checkFtoa(t, math.Copysign(0, -1))
	checkFtoaAround(t, math.SmallestNonzeroFloat64, 100)
	checkFtoaAround(t, math.MaxFloat64, 100)
	checkFtoaAround(t, 0x1p-1022, 100) // smallest normal
	r := rand.New(rand.NewPCG(11, 12))
	for be := uint64(0); be < 0x7ff; be++ {
		for _, m := range []uint64{0, 1, 2, 3, 1<<52 - 1, 1<<52 - 2, 1 << 51, 1<<51 + 1} {
			checkFtoaAround(t, math.Float64frombits(be<<52|m), 3)
		}
		for range 200 {
			checkFtoa(t, math.Float64frombits(be<<52|r.Uint64()>>12))
		}
	}
	for e := -345; e <= 310; e++ {
		v, _ := strconv.ParseFloat("1e"+strconv.Itoa(e), 64)
		checkFtoaAround(t, v, 20)
		for _, m := range []string{"2", "5", "9", "9.999999999999999", "1.5", "1.2345678901234567"} {
			v, _ := strconv.ParseFloat(m+"e"+strconv.Itoa(e), 64)
			checkFtoaAround(t, v, 2)
		}
	}
	for _, v := range []float64{1e-5, 1e-4, 1e-3, 0.1, 1, 1e5, 1e6, 1e7, 1e15, 1e16, 1e17,
		1e20, 1e21, 1e22, 1e23, 9.9999e-5, 99999.9, 999999.9, 999999.99999999, 9999999.5,
		1 << 53, 1<<53 + 2, 4503599627370495.5, 123456.789, 1234567.89} {
		checkFtoaAround(t, v, 1000)
	}
	// Each decimal exponent the %f/%e switch can see, around 10^x and
	// just below it, with 1 to 17 digits.
	for x := -7; x <= 9; x++ {
		for nd := 1; nd <= 17; nd++ {
			s := "9." + "99999999999999999"[:nd-1] + "e" + strconv.Itoa(x)
			v, _ := strconv.ParseFloat(s, 64)
			checkFtoaAround(t, v, 5)
		}
	}
}

// ftoaRandomN is the number of random bit patterns TestFtoaRandomBits
// checks: FLOWMETER_FTOA_N if set (for example 20000000, about 20 s),
// else 2 million (200 thousand with -short).
func ftoaRandomN(t *testing.T) int {
	if s := os.Getenv("FLOWMETER_FTOA_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("FLOWMETER_FTOA_N=%q: %v", s, err)
		}
		return n
	}
	if testing.Short() {
		return 200_000
	}
	return 2_000_000
}

func TestFtoaRandomBits(t *testing.T) {
	n := ftoaRandomN(t)
	r := rand.New(rand.NewPCG(13, 14))
	for range n {
		checkFtoa(t, math.Float64frombits(r.Uint64()))
	}
	t.Logf("%d random bit patterns", n)
}

// TestFtoaFeatureLike covers the values feature columns hold: means and
// ratios of small integers, square roots, microseconds and milliseconds
// from nanoseconds, rates, at every scale the columns see.
func TestFtoaFeatureLike(t *testing.T) {
	for a := 0; a <= 400; a++ {
		for b := 1; b <= 400; b++ {
			checkFtoa(t, float64(a)/float64(b))
			checkFtoa(t, float64(a*1000+b)/float64(b))
		}
	}
	for n := range 200_000 {
		checkFtoa(t, math.Sqrt(float64(n)))
		checkFtoa(t, float64(n)/1e3)
		checkFtoa(t, float64(n)/1e6)
	}
	r := rand.New(rand.NewPCG(15, 16))
	n := ftoaRandomN(t) / 4
	for range n {
		x := r.Int64N(1e12) >> r.IntN(40)
		k := float64(1 + r.IntN(1000))
		checkFtoa(t, float64(x)/k)                                     // mean
		checkFtoa(t, math.Sqrt(float64(x)/k))                          // std
		checkFtoa(t, float64(x)/1e3)                                   // us from ns
		checkFtoa(t, float64(x)/1e6)                                   // ms from ns
		checkFtoa(t, k/(float64(x+1)/1e3))                             // rate per us
		checkFtoa(t, r.Float64()*math.Pow(10, float64(r.IntN(40)-20))) // any scale
	}
}

func FuzzFtoa(f *testing.F) {
	for _, v := range []float64{0, math.Copysign(0, -1), 0.5, 1.0 / 3, 123.456, 1e-5, 9.999e-5,
		1e-4, 999999.9, 1e6, 1e21, 5e-324, 0x1p-1022, math.MaxFloat64, 64.44444444444444} {
		f.Add(math.Float64bits(v))
	}
	f.Fuzz(func(t *testing.T, b uint64) {
		checkFtoa(t, math.Float64frombits(b))
	})
}

func TestFtoaNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	vs := []float64{0, 1.0 / 3, 5e-324, math.MaxFloat64, 1e21, 0.000123, 123.25, -4.5e6}
	if n := testing.AllocsPerRun(100, func() {
		for _, v := range vs {
			buf = appendShortest(buf[:0], v)
		}
	}); n != 0 {
		t.Fatalf("appendShortest allocates %v times per run", n)
	}
}

// TestFtoaPow10Tab checks each entry of the generated table against
// 10^k computed exactly.
func TestFtoaPow10Tab(t *testing.T) {
	if len(dboxPow10Tab) != dboxPow10Max-dboxPow10Min+1 {
		t.Fatalf("%d entries for 1e%d..1e%d", len(dboxPow10Tab), dboxPow10Min, dboxPow10Max)
	}
	for k := dboxPow10Min; k <= dboxPow10Max; k++ {
		// 10^k·2^(127-e) for e = floor(k·log2 10) lies in [2^127, 2^128).
		e := (k * 108853) >> 15
		x := new(big.Rat).SetFrac(big.NewInt(1), big.NewInt(1))
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(k, -k))), nil)
		if k >= 0 {
			x.SetInt(p)
		} else {
			x.SetFrac(big.NewInt(1), p)
		}
		s := new(big.Int).Lsh(big.NewInt(1), uint(max(127-e, e-127)))
		if e <= 127 {
			x.Mul(x, new(big.Rat).SetInt(s))
		} else {
			x.Quo(x, new(big.Rat).SetInt(s))
		}
		m := new(big.Int).Quo(x.Num(), x.Denom()) // floor
		if m.BitLen() != 128 {
			t.Fatalf("1e%d: %d bits", k, m.BitLen())
		}
		if !x.IsInt() {
			m.Add(m, big.NewInt(1)) // Dragonbox's ceiling
		}
		g := dboxPow10Tab[k-dboxPow10Min]
		got := new(big.Int).Lsh(new(big.Int).SetUint64(g.hi), 64)
		got.Or(got, new(big.Int).SetUint64(g.lo))
		if got.Cmp(m) != 0 {
			t.Fatalf("1e%d: table %#x, want %#x", k, got, m)
		}
	}
}

// benchFloats mimics the float columns of the native schema: whole numbers
// (minima, maxima, zeros), means and standard deviations of byte counts,
// nanosecond means (%e), microseconds from nanoseconds, and rates per
// microsecond.
var benchFloats = func() []float64 {
	r := rand.New(rand.NewPCG(17, 18))
	vs := make([]float64, 4096)
	for i := range vs {
		n := float64(1 + r.IntN(50))
		switch d := r.IntN(20); {
		case d < 5:
			vs[i] = float64(r.IntN(1500))
		case d < 10:
			vs[i] = float64(r.IntN(50*1500)) / n
		case d < 13:
			vs[i] = math.Sqrt(float64(r.IntN(1e6)) / n)
		case d < 16:
			vs[i] = float64(r.Int64N(1e9)) / n
		case d < 18:
			vs[i] = float64(r.Int64N(1e9)) / 1e3
		default:
			vs[i] = n / (float64(1+r.Int64N(1e9)) / 1e3)
		}
	}
	return vs
}()

// benchFractions are the benchFloats that are not whole numbers: those
// that appendFloat gives to appendShortest.
var benchFractions = func() []float64 {
	var vs []float64
	for _, v := range benchFloats {
		if float64(int64(v)) != v {
			vs = append(vs, v)
		}
	}
	return vs
}()

func benchFloat(b *testing.B, vs []float64, f func([]byte, float64) []byte) {
	buf := make([]byte, 0, 1<<17)
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for _, v := range vs {
			buf = f(buf, v)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(vs)), "ns/float")
}

// BenchmarkAppendFloat formats the realistic mix with appendFloat, and
// BenchmarkAppendFloatStrconv with its reference (the integer path, then
// strconv).
func BenchmarkAppendFloat(b *testing.B)        { benchFloat(b, benchFloats, appendFloat) }
func BenchmarkAppendFloatStrconv(b *testing.B) { benchFloat(b, benchFloats, refAppendFloat) }

// BenchmarkFtoa and BenchmarkFtoaStrconv time the shortest formatting
// alone, on the values that reach it.
func BenchmarkFtoa(b *testing.B) { benchFloat(b, benchFractions, appendShortest) }
func BenchmarkFtoaStrconv(b *testing.B) {
	benchFloat(b, benchFractions, func(dst []byte, v float64) []byte {
		return strconv.AppendFloat(dst, v, 'g', -1, 64)
	})
}
