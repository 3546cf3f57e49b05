package features

import (
	"math"
	"math/bits"
)

// Stat summarises a stream of integer samples (nanoseconds, bytes) in
// constant space: count, exact sum, minimum, maximum, and the exact sum of
// squares as a 128-bit integer, from which Var, Std and PopStd compute the
// variance at read time (one rounding of an exact integer numerator, no
// division per sample). Two Stats of disjoint samples Merge into exactly the
// Stat of their union, in any order and any grouping: every field is an
// exact integer sum, minimum or maximum.
//
// The sum of squares is exact while the sum of the samples' absolute values
// stays below 2^64, which holds whenever Sum does not overflow for
// non-negative samples (sizes, gaps within one capture, durations). The zero
// value is an empty Stat; no method allocates.
type Stat struct {
	N        int64
	Sum      int64
	Min, Max int64
	sqLo     uint64 // sum of squares, low word
	sqHi     uint64 // sum of squares, high word
}

// Add records one sample. It allocates nothing.
func (s *Stat) Add(x int64) {
	if s.N == 0 {
		s.Min, s.Max = x, x
	} else {
		s.Min = min(s.Min, x)
		s.Max = max(s.Max, x)
	}
	s.N++
	s.Sum += x
	u := uint64(x)
	if x < 0 {
		u = -u
	}
	hi, lo := bits.Mul64(u, u)
	var c uint64
	s.sqLo, c = bits.Add64(s.sqLo, lo, 0)
	s.sqHi += hi + c
}

// Merge folds o into s as if every sample of o had been added to s. The
// result is bit-identical to adding the samples one by one.
func (s *Stat) Merge(o *Stat) {
	if o.N == 0 {
		return
	}
	if s.N == 0 {
		*s = *o
		return
	}
	s.N += o.N
	s.Sum += o.Sum
	s.Min = min(s.Min, o.Min)
	s.Max = max(s.Max, o.Max)
	var c uint64
	s.sqLo, c = bits.Add64(s.sqLo, o.sqLo, 0)
	s.sqHi += o.sqHi + c
}

// m2N is N times the sum of squared deviations from the mean, N*Σx² - (Σx)²,
// computed exactly in 192-bit integers and rounded once to float64.
// Cauchy-Schwarz makes it non-negative.
func (s *Stat) m2N() float64 {
	n := uint64(s.N)
	// N * (sqHi:sqLo) -> (w2:w1:w0)
	a1, w0 := bits.Mul64(n, s.sqLo)
	b1, b0 := bits.Mul64(n, s.sqHi)
	w1, c := bits.Add64(b0, a1, 0)
	w2 := b1 + c
	// (Σx)², Σx as a signed 64-bit value.
	u := uint64(s.Sum)
	if s.Sum < 0 {
		u = -u
	}
	s1, s0 := bits.Mul64(u, u)
	var br uint64
	w0, br = bits.Sub64(w0, s0, 0)
	w1, br = bits.Sub64(w1, s1, br)
	w2 -= br
	if int64(w2) < 0 { // cannot happen with exact sums; guard against overflowed inputs
		return 0
	}
	return u192ToFloat(w2, w1, w0)
}

// u192ToFloat converts w2:w1:w0 to the nearest float64 (the bits below the
// top 64 fold into a sticky bit, so the one conversion rounds correctly).
func u192ToFloat(w2, w1, w0 uint64) float64 {
	switch {
	case w2 != 0:
		sh := uint(bits.LeadingZeros64(w2))
		top := w2<<sh | w1>>(64-sh) // a shift by 64 gives 0
		if w1<<sh != 0 || w0 != 0 {
			top |= 1
		}
		return math.Ldexp(float64(top), 128-int(sh))
	case w1 != 0:
		sh := uint(bits.LeadingZeros64(w1))
		top := w1<<sh | w0>>(64-sh)
		if w0<<sh != 0 {
			top |= 1
		}
		return math.Ldexp(float64(top), 64-int(sh))
	}
	return float64(w0)
}

// Mean is Sum/N, or 0 for an empty Stat.
func (s *Stat) Mean() float64 {
	if s.N == 0 {
		return 0
	}
	return float64(s.Sum) / float64(s.N)
}

// Var is the sample variance (divisor N-1), 0 below two samples.
func (s *Stat) Var() float64 {
	if s.N < 2 {
		return 0
	}
	return s.m2N() / float64(s.N) / float64(s.N-1)
}

// Std is the sample standard deviation (divisor N-1), 0 below two samples.
func (s *Stat) Std() float64 { return math.Sqrt(s.Var()) }

// PopStd is the population standard deviation (divisor N), 0 when empty.
func (s *Stat) PopStd() float64 {
	if s.N == 0 {
		return 0
	}
	return math.Sqrt(s.m2N() / float64(s.N) / float64(s.N))
}

// MinOr0 and MaxOr0 return 0 for an empty Stat instead of a stale value.
func (s *Stat) MinOr0() int64 {
	if s.N == 0 {
		return 0
	}
	return s.Min
}

func (s *Stat) MaxOr0() int64 {
	if s.N == 0 {
		return 0
	}
	return s.Max
}
