package reader

import (
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
)

// Read-ahead goroutine of a memory-mapped file (see Open and "Reader design"
// in docs/PERFORMANCE.md). Once a Reader has consumed aheadStartAfter bytes
// of a mapping of at least aheadMinSize bytes, and when GOMAXPROCS >= 2, a
// goroutine keeps the aheadDist bytes ahead of the read position mapped
// (MADV_POPULATE_READ, aheadStep bytes per call) and loaded into the shared
// last-level cache (one load per cache line). The page-table work and the
// DRAM latency then fall on another core; the Reader's own sweep
// (prefetchDist) finds the lines in cache and the pages mapped. The
// goroutine never goes back behind the read position, and releases what it
// mapped behind the Reader's last release (see readAhead.freed), so the
// resident set stays bounded by dropWindow + dropAlign + aheadDist +
// aheadStep.
//
// With Options.MapOnlyReadAhead the goroutine maps aheadDistMapOnly ahead
// without loading, and makes the Reader's releases too (readAhead.release);
// the Reader takes a release back when the goroutine is a window behind, so
// the bound grows by one window (dropWindowMapOnly) and no more, whatever
// the scheduler does.
const (
	aheadMinSize     = 16 << 20
	aheadStartAfter  = 256 << 10
	aheadDist        = 4 << 20
	aheadDistMapOnly = 1 << 20 // nothing loaded: mapping keeps ahead easily
	aheadStep        = 1 << 20
)

// pageMask masks the offset within a page of the mapping.
var pageMask = os.Getpagesize() - 1

// readAhead is the state shared between a Reader and its read-ahead
// goroutine. The Reader stores pos (every prefetchChunk or so) and freed;
// the goroutine stores wakeAt and sleeps on wake until pos reaches it.
type readAhead struct {
	mm     []byte
	pos    atomic.Int64 // the Reader's read position in mm
	freed  atomic.Int64 // the Reader releases (or has released) the pages of mm before this offset; stored before each release
	wakeAt atomic.Int64 // the goroutine is waiting for pos to reach this
	stop   atomic.Bool
	wake   chan struct{} // capacity 1
	done   chan struct{} // closed when the goroutine has returned
	sink   byte          // keeps the loads

	// mapOnly: the goroutine maps pages ahead (no loads) and also does
	// the Reader's releases, of mm before freed (Options.MapOnlyReadAhead).
	mapOnly bool
	dist    int          // aheadDist, or aheadDistMapOnly
	dropped atomic.Int64 // mm before dropped has been released (mapOnly; stored by the goroutine)
	exited  atomic.Bool  // the goroutine no longer releases: the Reader does (set before its last release)
}

// useReadAhead says whether a Reader of the mapping mm, releasing pages
// every window bytes, gets a read-ahead goroutine: a single file (or a
// MultiSource of at most 16), large enough, and a second P to run it.
func useReadAhead(mm []byte, window int) bool {
	return readAheadSupported && window == dropWindow && len(mm) >= aheadMinSize && runtime.GOMAXPROCS(0) >= 2
}

// startReadAhead starts the goroutine for mm, read from position pos.
// In mapOnly mode it takes over the releases from dropped (the Reader's
// last release).
func startReadAhead(mm []byte, pos int, mapOnly bool, dropped int) *readAhead {
	a := &readAhead{mm: mm, wake: make(chan struct{}, 1), done: make(chan struct{}), mapOnly: mapOnly, dist: aheadDist}
	if mapOnly {
		a.dist = aheadDistMapOnly
	}
	a.dropped.Store(int64(dropped))
	a.pos.Store(int64(pos))
	go a.run()
	return a
}

// advance tells the goroutine that the Reader is at pos, waking it when it
// waits for that. It does not allocate or block.
func (a *readAhead) advance(pos int) {
	a.pos.Store(int64(pos))
	if int64(pos) >= a.wakeAt.Load() {
		select {
		case a.wake <- struct{}{}:
		default:
		}
	}
}

// close stops the goroutine and waits for it: after close it no longer
// touches the mapping, which may then be unmapped.
func (a *readAhead) close() {
	a.stop.Store(true)
	select {
	case a.wake <- struct{}{}:
	default:
	}
	<-a.done
}

// release does the Reader's releases in mapOnly mode: mm before freed.
func (a *readAhead) release() {
	if !a.mapOnly {
		return
	}
	if f, d := a.freed.Load(), a.dropped.Load(); f > d {
		dropPages(a.mm[d:f])
		a.dropped.Store(f)
	}
}

func (a *readAhead) run() {
	defer close(a.done)
	defer func() {
		// From here the Reader releases; a release it left to this
		// goroutine before it saw exited is done here.
		a.exited.Store(true)
		a.release()
	}()
	// A file truncated under the mapping faults (SIGBUS) in whichever
	// goroutine touches it first; here that stops the read-ahead, and the
	// Reader meets the fault itself when it gets there (see Open).
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() { _ = recover() }()
	populate := true
	next := 0 // mm before next has been read ahead, or skipped
	for {
		for next < len(a.mm) {
			if a.stop.Load() {
				return
			}
			pos := int(a.pos.Load())
			if next < pos { // the Reader is ahead: never go back behind it
				next = pos &^ pageMask
			}
			if next >= pos+a.dist {
				break
			}
			end := min(next+aheadStep, len(a.mm))
			b := a.mm[next:end]
			a.release()
			if populate {
				populate = populatePages(b)
			}
			if !a.mapOnly {
				a.sink |= touchLines(b)
			}
			// Pages mapped here after the Reader released the range
			// (this goroutine fell behind while it worked) are released
			// here: the Reader never returns to them. freed is stored
			// before each release, so either that release came after
			// the pages were mapped and dropped them, or this load sees
			// it. The drop starts at the dropAlign boundary: a large folio
			// is mapped whole, also below next.
			if freed := int(a.freed.Load()); next < freed {
				dropPages(a.mm[next&^(dropAlign-1) : min(end, freed)])
			}
			next = end
		}
		a.release()
		if next >= len(a.mm) || a.stop.Load() {
			return
		}
		at := int64(next - a.dist + aheadStep)
		a.wakeAt.Store(at)
		if a.pos.Load() >= at { // passed already: advance may have missed it
			continue
		}
		<-a.wake
	}
}
