package features

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactVar is the sample variance by math/big rationals, rounded once.
func exactVar(xs []int64) float64 {
	n := int64(len(xs))
	if n < 2 {
		return 0
	}
	var s, q big.Int
	for _, x := range xs {
		bx := big.NewInt(x)
		s.Add(&s, bx)
		q.Add(&q, new(big.Int).Mul(bx, bx))
	}
	num := new(big.Int).Mul(&q, big.NewInt(n))
	num.Sub(num, new(big.Int).Mul(&s, &s))
	den := new(big.Int).Mul(big.NewInt(n), big.NewInt(n-1))
	f, _ := new(big.Rat).SetFrac(num, den).Float64()
	return f
}

// TestStatVarExact: the integer sums give the variance to within a few ulp
// of the exact rational value, across magnitudes up to gaps of years in ns
// and samples near 2^62.
func TestStatVarExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 2000 {
		n := 1 + r.IntN(300)
		scale := []int64{2, 1500, 1e9, 1e15, 1e17, 1 << 62}[trial%6]
		n = min(n, int(math.MaxInt64/scale)) // keep Sum within int64
		xs := make([]int64, n)
		var s Stat
		for i := range xs {
			xs[i] = r.Int64N(scale)
			if scale == 2 && trial%12 == 0 {
				xs[i] = -xs[i] // negative samples square like positive ones
			}
			s.Add(xs[i])
		}
		want, got := exactVar(xs), s.Var()
		if want != got && math.Abs(want-got) > 4e-16*math.Abs(want) {
			t.Fatalf("trial %d: Var %v, exact %v", trial, got, want)
		}
		if pop := s.PopStd(); len(xs) > 1 {
			wantPop := math.Sqrt(want * float64(len(xs)-1) / float64(len(xs)))
			if math.Abs(pop-wantPop) > 1e-15*wantPop {
				t.Fatalf("trial %d: PopStd %v, want %v", trial, pop, wantPop)
			}
		}
	}
}

// TestStatMergeBitExact: merging parts in any order gives exactly the Stat
// of all samples.
func TestStatMergeBitExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		var whole, a, b Stat
		for range r.IntN(100) {
			x := r.Int64N(1e12)
			whole.Add(x)
			if r.IntN(2) == 0 {
				a.Add(x)
			} else {
				b.Add(x)
			}
		}
		b.Merge(&a)
		if b != whole {
			t.Fatalf("merged %+v, whole %+v", b, whole)
		}
	}
}

func TestU192ToFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 10000 {
		w := [3]uint64{r.Uint64() >> r.UintN(64), r.Uint64() >> r.UintN(64), r.Uint64() >> r.UintN(64)}
		switch r.IntN(3) {
		case 0:
			w[0] = 0
		case 1:
			w[0], w[1] = 0, 0
		}
		v := new(big.Int).SetUint64(w[0])
		v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(w[1]))
		v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(w[2]))
		want, _ := new(big.Float).SetInt(v).Float64()
		if got := u192ToFloat(w[0], w[1], w[2]); got != want {
			t.Fatalf("%x: %v, want %v", w, got, want)
		}
	}
}

func BenchmarkStatAdd(b *testing.B) {
	b.ReportAllocs()
	var s Stat
	for i := range b.N {
		s.Add(int64(i & 0xffff))
	}
	if s.N == 0 {
		b.Fatal()
	}
}
