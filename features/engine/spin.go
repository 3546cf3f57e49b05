package engine

import (
	"runtime"
	"time"
)

// Hand-offs between the reading goroutine and the tables spin for a while
// before they block. A goroutine that blocks gives up its core, and in a VM
// the wake-up that brings it back (an idle vCPU woken by an interrupt) took
// ~130 us at the median in an execution trace of `flowmeter flows`, against
// waits of ~50-70 us for the next batch: a fifth of the run went to
// goroutines that were ready but not yet running. Spinning made the run
// 7-9% faster (docs/PERFORMANCE.md). The spinner yields (runtime.Gosched)
// on each turn, so the garbage collector and the read-ahead goroutine
// still get the core, and gives up after spinFor, so that a stalled peer
// costs little.
const spinFor = 2 * time.Millisecond

// spinner paces one wait.
type spinner struct {
	n        int
	deadline time.Time
}

// more yields the core once and reports whether to go on spinning: false
// once spinFor has passed since the first call.
func (s *spinner) more() bool {
	if s.n++; s.n&15 == 1 { // the clock every 16 turns: it costs more than a turn
		now := time.Now()
		if s.deadline.IsZero() {
			s.deadline = now.Add(spinFor)
		} else if now.After(s.deadline) {
			return false
		}
	}
	runtime.Gosched()
	return true
}

// spinRecv receives from c, spinning before it blocks.
func spinRecv[T any](c <-chan T) (v T, ok bool) {
	var s spinner
	for {
		select {
		case v, ok = <-c:
			return v, ok
		default:
		}
		if !s.more() {
			v, ok = <-c
			return v, ok
		}
	}
}
