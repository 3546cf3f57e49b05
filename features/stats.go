package features

import "math"

// Stat summarises a stream of integer samples (nanoseconds, bytes) in
// constant space: count, exact sum, minimum, maximum, and Welford's running
// mean and sum of squared deviations for the variance. Two Stats of disjoint
// samples Merge into exactly the Stat of the union's count, sum, minimum and
// maximum, and into its variance by Chan et al.'s pairwise update (not by
// averaging averages). The zero value is an empty Stat; Add allocates nothing.
type Stat struct {
	N        int64
	Sum      int64
	Min, Max int64
	mean, m2 float64
}

// Add records one sample.
func (s *Stat) Add(x int64) {
	s.N++
	s.Sum += x
	if s.N == 1 {
		s.Min, s.Max = x, x
		s.mean = float64(x)
		s.m2 = 0
		return
	}
	if x < s.Min {
		s.Min = x
	}
	if x > s.Max {
		s.Max = x
	}
	fx := float64(x)
	d := fx - s.mean
	s.mean += d / float64(s.N)
	s.m2 += d * (fx - s.mean)
}

// Merge folds o into s as if every sample of o had been added to s.
func (s *Stat) Merge(o *Stat) {
	if o.N == 0 {
		return
	}
	if s.N == 0 {
		*s = *o
		return
	}
	n := s.N + o.N
	d := o.mean - s.mean
	s.m2 += o.m2 + d*d*float64(s.N)*float64(o.N)/float64(n)
	s.mean += d * float64(o.N) / float64(n)
	s.N = n
	s.Sum += o.Sum
	s.Min = min(s.Min, o.Min)
	s.Max = max(s.Max, o.Max)
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
	return max(s.m2, 0) / float64(s.N-1)
}

// Std is the sample standard deviation (divisor N-1), 0 below two samples.
func (s *Stat) Std() float64 { return math.Sqrt(s.Var()) }

// PopStd is the population standard deviation (divisor N), 0 when empty.
func (s *Stat) PopStd() float64 {
	if s.N == 0 {
		return 0
	}
	return math.Sqrt(max(s.m2, 0) / float64(s.N))
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
