package enricher

import (
	"math"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/features/communityid"
)

// wslot is one flow in the Window ring.
type wslot struct {
	f     features.Flow
	next  int64            // sequence number of the next older flow with the same ID, -1
	snext int64            // the same for Zeek's SCTP variant of the ID
	zid   communityid.Hash // Zeek's SCTP ID (SCTP flows only)
	used  bool             // merged into at least one record
}

// Window is the flow buffer of the streaming join: the flows that ended
// within a stretch of capture time, in arrival order, chained by Community ID
// (newest first) like Index. Flows are numbered by arrival; the live ones
// are the numbers [lo, hi), stored in a ring that doubles when full (the
// only allocation, besides the maps' growth). Flows leave from the oldest
// end (Evict). A Window is not safe for concurrent use.
type Window struct {
	opts    Options
	h       communityid.Hasher
	ring    []wslot
	mask    int64
	lo, hi  int64
	ids     map[communityid.Hash]int64 // newest live flow per ID
	sctp    map[communityid.Hash]int64 // newest live SCTP flow per Zeek variant
	scratch []int64

	// written remembers, per Community ID, the latest end (plus tolerance)
	// of the records already written, to detect flows that arrive too late
	// for them (Summary.LateFlows). Pruned with the window.
	written   map[communityid.Hash]int64
	prunedLen int

	// Added counts flows added; Peak is the most flows held at once.
	Added, Peak int64
	// LateFlows counts flows that started before the end (plus tolerance)
	// of an already written record with their ID: the two-pass join would
	// have merged them into that record.
	LateFlows int64
}

// NewWindow returns an empty Window for the join options opts.
func NewWindow(opts Options) *Window {
	const n = 1024
	return &Window{
		opts:    opts,
		h:       communityid.New(opts.Seed),
		ring:    make([]wslot, n),
		mask:    n - 1,
		ids:     make(map[communityid.Hash]int64, n),
		sctp:    map[communityid.Hash]int64{},
		written: map[communityid.Hash]int64{},
	}
}

// Len is the number of flows held.
func (w *Window) Len() int { return int(w.hi - w.lo) }

func (w *Window) slot(seq int64) *wslot { return &w.ring[seq&w.mask] }

func (w *Window) grow() {
	n := int64(len(w.ring)) * 2
	r := make([]wslot, n)
	for s := w.lo; s < w.hi; s++ {
		r[s&(n-1)] = w.ring[s&w.mask]
	}
	w.ring, w.mask = r, n-1
}

// Add copies f into the window (f may be reused afterwards). It allocates
// only when the ring or a map grows.
func (w *Window) Add(f *features.Flow) {
	if e, ok := w.written[f.CommunityID]; ok && f.Start <= e {
		w.LateFlows++
	}
	if w.hi-w.lo == int64(len(w.ring)) {
		w.grow()
	}
	seq := w.hi
	w.hi++
	s := w.slot(seq)
	s.f = *f
	s.used = false
	s.next, s.snext = -1, -1
	if p, ok := w.ids[f.CommunityID]; ok {
		s.next = p
	}
	w.ids[f.CommunityID] = seq
	if f.Proto == communityid.ProtoSCTP {
		s.zid = zeekSCTPID(w.h, f)
		if p, ok := w.sctp[s.zid]; ok {
			s.snext = p
		}
		w.sctp[s.zid] = seq
	}
	w.Added++
	w.Peak = max(w.Peak, w.hi-w.lo)
}

// Evict removes, oldest first, the flows whose End is before horizon (ns),
// calling gone for each (with whether a record merged it) before it is
// dropped. It stops at the first flow that ends at or after the horizon:
// flows arrive in the order they end plus at most the flow table's idle
// timeout, so a few flows may stay a little longer than needed. gone's
// error stops the eviction and is returned.
func (w *Window) Evict(horizon int64, gone func(f *features.Flow, used bool) error) error {
	for w.lo < w.hi {
		s := w.slot(w.lo)
		if s.f.End >= horizon {
			break
		}
		if err := gone(&s.f, s.used); err != nil {
			return err
		}
		if p, ok := w.ids[s.f.CommunityID]; ok && p == w.lo {
			delete(w.ids, s.f.CommunityID)
		}
		if s.f.Proto == communityid.ProtoSCTP {
			if p, ok := w.sctp[s.zid]; ok && p == w.lo {
				delete(w.sctp, s.zid)
			}
		}
		w.lo++
	}
	if len(w.written) > 2*w.prunedLen+1024 {
		for id, e := range w.written {
			if e < horizon {
				delete(w.written, id)
			}
		}
		w.prunedLen = len(w.written)
	}
	return nil
}

// Join finds the flows of q in the window and merges them into res, as
// Index.Join does, and remembers the record for LateFlows. It does not
// allocate once the scratch list is large enough (the memo of written
// records may grow its map).
func (w *Window) Join(q *Query, res *Result) {
	w.scratch = joinStore(w, w.h, &w.opts, q, res, w.scratch)
	if res.Source != IDNone && q.HasTime {
		e := satAdd(max(q.End, q.Start), w.opts.Tolerance)
		if p, ok := w.written[res.ID]; !ok || p < e {
			w.written[res.ID] = e
		}
	}
}

func (w *Window) first(id communityid.Hash) (int64, bool) {
	s, ok := w.ids[id]
	return s, ok && s >= w.lo
}

func (w *Window) firstSCTP(id communityid.Hash) (int64, bool) {
	s, ok := w.sctp[id]
	return s, ok && s >= w.lo
}

func (w *Window) next(i int64, sctp bool) int64 {
	s := w.slot(i)
	n := s.next
	if sctp {
		n = s.snext
	}
	if n < w.lo {
		return -1
	}
	return n
}

func (w *Window) flowAt(i int64) *features.Flow { return &w.slot(i).f }
func (w *Window) markUsed(i int64)              { w.slot(i).used = true }

// satAdd adds without overflowing past the int64 limits.
func satAdd(a, b int64) int64 {
	c := a + b
	switch {
	case b > 0 && c < a:
		return math.MaxInt64
	case b < 0 && c > a:
		return math.MinInt64
	}
	return c
}
