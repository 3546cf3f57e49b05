package enricher

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/features/communityid"
	"github.com/flowmeter/flowmeter/features/engine"
	"github.com/flowmeter/flowmeter/reader"
)

// StreamOptions configure StreamJoin. Times are capture time, ns.
type StreamOptions struct {
	// Hold is how long a record waits, after its end plus Options.Tolerance,
	// for the flows that overlap it to end (start from DefaultHold). Flows
	// that end later are counted in Summary.LateFlows and not merged into
	// the record, which is already written.
	Hold int64
	// Window is how long a flow is kept after the low-water mark of the two
	// streams has passed its end. It must cover the log's lateness: how
	// much earlier than the latest record end seen so far a record may
	// still end (Zeek writes a connection when its inactivity timeout
	// fires, up to 5 min after its last packet). Records that arrive later
	// are counted in Summary.LateRecords and may miss flows.
	Window int64
	// EmitUnmatched writes the flows no record merged when they leave the
	// window (so interleaved with the records) and at the end.
	EmitUnmatched bool
	// LogQuiet, if set, reports that the log is waiting for data and has
	// had none for a while (Tail.Quiet): the capture is then no longer held
	// back to the log's pace and flows expire by capture time alone.
	LogQuiet func() bool
	// CaptureDone, if set, is called once the capture has ended (Tail.
	// CaptureDone), so that a followed log can end.
	CaptureDone func()
	// Stats, if set, receives the capture's engine statistics when the
	// capture ends (before StreamJoin returns).
	Stats *engine.Stats
}

// DefaultStreamWindow is the default StreamOptions.Window: Zeek's TCP
// inactivity timeout (5 min) plus a minute.
const DefaultStreamWindow = int64(6 * time.Minute)

// DefaultHold returns the hold that makes the streaming join see every
// flow the two-pass join would merge into a record, as far as the flow
// table's timeouts allow: a flow that overlaps a record starts before the
// record's end plus the tolerance, and ends at the latest its active
// timeout later; a flow whose last packet is before that point ends at the
// latest one idle timeout (or TCP linger) after it. The active timeout is
// used when it is set and shorter than idle timeout plus linger; otherwise
// idle timeout plus linger, and flows still running after that are late.
func DefaultHold(fo features.Options) int64 {
	h := fo.IdleTimeout + fo.TCPLinger
	if fo.ActiveTimeout > 0 && fo.ActiveTimeout < h {
		h = fo.ActiveTimeout
	}
	return h
}

// flowBatch carries flows from the capture goroutine to the join, with
// the capture clock up to which the flow table has been advanced.
type flowBatch struct {
	flows []features.Flow
	clock int64 // every flow the table ends at or before clock is in this or an earlier batch
	last  bool  // the capture has ended; all flows are flushed
}

const (
	batchFlows = 256
	clockTick  = int64(time.Second) // the capture reports its clock at least this often
)

var errStopped = errors.New("enricher: stopped")

// capFeed wraps the capture source: it records the capture clock, sends the
// ended flows in batches with the clock, and holds the capture back when it
// runs too far ahead of the log.
type capFeed struct {
	src         reader.Source
	out         chan<- *flowBatch
	free        chan *flowBatch
	stop, abort <-chan struct{}
	limit       *atomic.Int64
	wake        <-chan struct{}
	clock, done int64 // max timestamp read; clock fully processed by the table
	sent        int64
	cur         *flowBatch
	n           int
}

func (c *capFeed) batch() *flowBatch {
	if c.cur == nil {
		select {
		case b := <-c.free:
			b.flows, b.last = b.flows[:0], false
			c.cur = b
		default:
			c.cur = &flowBatch{flows: make([]features.Flow, 0, batchFlows)}
		}
	}
	return c.cur
}

func (c *capFeed) flush(clock int64, last bool) {
	b := c.batch()
	b.clock, b.last = clock, last
	c.cur = nil
	c.sent = clock
	select {
	case c.out <- b:
	case <-c.abort:
	}
}

func (c *capFeed) emit(f *features.Flow) {
	b := c.batch()
	b.flows = append(b.flows, *f)
	if len(b.flows) == cap(b.flows) {
		c.flush(c.done, false)
	}
}

func (c *capFeed) Next() (reader.Packet, error) {
	c.done = c.clock // the previous packet is in the table
	if c.clock != c.sent && (c.sent == math.MinInt64 || c.clock-c.sent >= clockTick) {
		c.flush(c.clock, false)
	}
	for c.clock > c.limit.Load() {
		c.flush(c.clock, false)
		select {
		case <-c.wake:
		case <-c.stop:
			return reader.Packet{}, errStopped
		case <-c.abort:
			return reader.Packet{}, errStopped
		}
	}
	if c.n++; c.n&0x3ff == 0 {
		select {
		case <-c.stop:
			return reader.Packet{}, errStopped
		case <-c.abort:
			return reader.Packet{}, errStopped
		default:
		}
	}
	pkt, err := c.src.Next()
	if err == nil && pkt.Timestamp > c.clock {
		c.clock = pkt.Timestamp
	}
	return pkt, err
}

func (c *capFeed) Close() error { return nil }

// logMsg is one record (or the end) from the log goroutine; the record is
// borrowed until the join sends on ack.
type logMsg struct {
	rec *Record
	err error
}

// heldRecord is a record without a usable time, joined at the end.
type heldRecord struct {
	rec *Record
	id  communityid.Hash
}

// streamJoin is the state of one StreamJoin.
type streamJoin struct {
	opts  Options
	so    StreamOptions
	sink  Sink
	w     *Window
	s     Summary
	res   Result
	h     communityid.Hasher
	limit atomic.Int64
	wake  chan struct{}

	capClock, logClock int64
	capDone, logDone   bool
	quiet              bool
	head               *Record
	horizon            int64 // last eviction horizon
	held               []heldRecord
	heldIDs            map[communityid.Hash]int
	retained           []features.Flow
	retainedUsed       []bool
	written            int64
}

// StreamJoin is the windowed streaming join behind --follow. The capture
// goes through the flow engine on its own goroutine (one flow table: the
// streaming join needs the table's clock, so cfg.Workers is ignored) and
// its flows are kept in a Window; the log is read on another goroutine,
// one record at a time, in order. Each record waits until the capture clock
// has passed its end plus Options.Tolerance plus so.Hold (or the capture
// has ended), so that the flows overlapping it have ended; then it is
// joined exactly as by Index.Join and written. Records are written in log
// order; so the only record held is the one at the head of the log, and
// memory is bounded by the open flows, the flows ended within so.Window
// (plus hold) of the low-water mark, and the records without a usable time.
//
// The two streams keep pace: the capture is held back while its clock is
// more than Tolerance+Hold+1 s ahead of the latest record end read (unless
// the log has ended or is quiet, see StreamOptions.LogQuiet), and the log is
// not read past a record that waits. Flows leave the window when their end
// is more than Window+Tolerance before the low-water mark (the smaller of
// the two clocks; the log's counts only while it is live) and before the
// waiting record's start minus Tolerance.
//
// Records whose time does not parse (or that have none) are matched by
// Community ID alone: they are copied and joined when both streams have
// ended, with the flows of their ID that are still in the window or
// arrived after them (flows of that ID are kept from then on).
//
// When ctx is cancelled, reading stops on both sides, the flow table is
// flushed, the waiting record and the held ones are joined and written, and
// StreamJoin returns the summary with Interrupted set and a nil error. A
// log stream error or a sink error ends the join and is returned.
func StreamJoin(ctx context.Context, capture reader.Source, cfg engine.Config, src Source, sink Sink, opts Options, so StreamOptions, prog *Progress) (Summary, error) {
	j := &streamJoin{opts: opts, so: so, sink: sink, w: NewWindow(opts), h: communityid.New(opts.Seed),
		wake: make(chan struct{}, 1), capClock: math.MinInt64, logClock: math.MinInt64,
		horizon: math.MinInt64, heldIDs: map[communityid.Hash]int{}}
	j.limit.Store(math.MinInt64)

	stop := make(chan struct{})
	abort := make(chan struct{})
	var stopOnce sync.Once
	stopReading := func() { stopOnce.Do(func() { close(stop) }) }
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(abort)

	// Capture goroutine.
	flows := make(chan *flowBatch, 4)
	free := make(chan *flowBatch, 8)
	feed := &capFeed{src: capture, out: flows, free: free, stop: stop, abort: abort, limit: &j.limit,
		wake: j.wake, clock: math.MinInt64, sent: math.MinInt64}
	cfg.Workers, cfg.Unbatched = 1, true // the feed's clock must be the table's
	wg.Add(1)
	go func() {
		defer wg.Done()
		st, _ := engine.Run(context.WithoutCancel(ctx), feed, cfg, feed.emit, nil)
		if errors.Is(st.ReadError, errStopped) {
			st.ReadError = nil
		}
		if so.Stats != nil {
			*so.Stats = st
		}
		feed.flush(math.MaxInt64, true)
	}()

	// Log goroutine. It is not waited for: on an error return it may still
	// be inside src.Next until that returns (a Tail: until its stop).
	recs := make(chan logMsg)
	ack := make(chan struct{})
	go func() {
		for {
			var m logMsg
			select {
			case <-stop:
				m.err = io.EOF
			default:
				m.rec, m.err = src.Next()
			}
			select {
			case recs <- m:
			case <-abort:
				return
			}
			if m.err != nil {
				return
			}
			select {
			case <-ack:
			case <-abort:
				return
			}
		}
	}()

	var ticker <-chan time.Time
	if so.LogQuiet != nil {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		ticker = t.C
	}
	done := ctx.Done()
	var logErr error
	flowsCh, recsCh := (<-chan *flowBatch)(flows), (<-chan logMsg)(recs)
	for !(j.capDone && j.logDone && j.head == nil) {
		if j.head != nil && j.ready(j.head) {
			if err := j.writeRecord(j.head); err != nil {
				return j.s, err
			}
			j.head = nil
			ack <- struct{}{}
		}
		if err := j.evict(); err != nil {
			return j.s, err
		}
		j.update()
		if prog != nil {
			prog.Records.Store(j.s.Records)
			prog.Matched.Store(j.s.Matched)
		}
		if j.head != nil && j.ready(j.head) {
			continue
		}
		fc, rc := flowsCh, recsCh
		if j.capDone {
			fc = nil
		}
		if j.logDone || j.head != nil {
			rc = nil
		}
		if fc == nil && rc == nil && j.head == nil {
			break
		}
		select {
		case b := <-fc:
			j.addBatch(b, free)
			continue
		case m := <-rc:
			if err := j.addRecord(m, ack, &logErr); err != nil {
				return j.s, err
			}
			continue
		default:
		}
		// Nothing ready: let a followed output see what was written.
		if fl, ok := sink.(interface{ Flush() error }); ok && j.written > 0 {
			if err := fl.Flush(); err != nil {
				return j.s, err
			}
			j.written = 0
		}
		select {
		case b := <-fc:
			j.addBatch(b, free)
		case m := <-rc:
			if err := j.addRecord(m, ack, &logErr); err != nil {
				return j.s, err
			}
		case <-ticker:
			j.quiet = so.LogQuiet()
		case <-done:
			j.s.Interrupted = true
			done = nil
			stopReading()
		}
	}
	if err := j.finish(); err != nil {
		return j.s, err
	}
	j.s.Malformed = src.MalformedCount()
	j.s.MalformedLines = src.Malformed()
	if prog != nil {
		prog.Records.Store(j.s.Records)
		prog.Matched.Store(j.s.Matched)
	}
	return j.s, logErr
}

// ready: the capture has passed the record's end + tolerance + hold.
func (j *streamJoin) ready(r *Record) bool {
	if j.capDone {
		return true
	}
	q := &r.Query
	return j.capClock >= satAdd(satAdd(max(q.End, q.Start), j.opts.Tolerance), j.so.Hold)
}

func (j *streamJoin) addBatch(b *flowBatch, free chan *flowBatch) {
	for i := range b.flows {
		j.w.Add(&b.flows[i])
	}
	j.capClock = max(j.capClock, b.clock)
	if b.last {
		j.capDone = true
		if j.so.CaptureDone != nil {
			j.so.CaptureDone()
		}
	}
	select {
	case free <- b:
	default:
	}
}

// addRecord takes the next record from the log goroutine. A record with a
// time becomes the head (acked when written); others are written or held
// at once.
func (j *streamJoin) addRecord(m logMsg, ack chan struct{}, logErr *error) error {
	if m.err != nil {
		j.logDone = true
		if !errors.Is(m.err, io.EOF) {
			*logErr = m.err
		}
		return nil
	}
	rec := m.rec
	q := &rec.Query
	if q.HasTime {
		j.logClock = max(j.logClock, q.End, q.Start)
		if satAdd(q.Start, -j.opts.Tolerance) < j.horizon {
			j.s.LateRecords++
		}
		j.head = rec
		j.s.PeakPending = max(j.s.PeakPending, int64(len(j.held))+1)
		return nil
	}
	var res Result
	if !resolveID(j.h, q, &res) {
		// No ID: nothing to wait for.
		err := j.writeRecord(rec)
		ack <- struct{}{}
		return err
	}
	j.held = append(j.held, heldRecord{rec: cloneRecord(rec), id: res.ID})
	j.heldIDs[res.ID]++
	j.s.PeakPending = max(j.s.PeakPending, int64(len(j.held)))
	ack <- struct{}{}
	return nil
}

func (j *streamJoin) writeRecord(rec *Record) error {
	j.w.Join(&rec.Query, &j.res)
	j.s.count(rec, &j.res)
	j.written++
	return j.sink.Write(rec, &j.res)
}

// evict drops the flows no record can need any more.
func (j *streamJoin) evict() error {
	hz := int64(math.MaxInt64)
	if !j.capDone {
		hz = j.capClock
	}
	if !j.logDone && !j.quiet {
		hz = min(hz, j.logClock)
	}
	if hz != math.MaxInt64 {
		hz = satAdd(hz, -satAdd(j.so.Window, j.opts.Tolerance))
	}
	if j.head != nil {
		hz = min(hz, satAdd(j.head.Query.Start, -j.opts.Tolerance))
	}
	if hz <= j.horizon {
		return nil
	}
	j.horizon = hz
	return j.w.Evict(hz, j.gone)
}

// gone handles a flow leaving the window.
func (j *streamJoin) gone(f *features.Flow, used bool) error {
	if len(j.heldIDs) > 0 {
		keep := j.heldIDs[f.CommunityID] > 0
		if !keep && f.Proto == communityid.ProtoSCTP {
			keep = j.heldIDs[zeekSCTPID(j.h, f)] > 0
		}
		if keep {
			j.retained = append(j.retained, *f)
			j.retainedUsed = append(j.retainedUsed, used)
			return nil
		}
	}
	return j.flowDone(f, used)
}

func (j *streamJoin) flowDone(f *features.Flow, used bool) error {
	j.s.Flows++
	if used {
		j.s.FlowsUsed++
		return nil
	}
	if !j.so.EmitUnmatched {
		j.s.FlowsDropped++
		return nil
	}
	j.s.FlowsEmitted++
	return j.sink.WriteFlow(f)
}

// update recomputes how far the capture may run ahead of the log and wakes
// it when that changed.
func (j *streamJoin) update() {
	l := int64(math.MaxInt64)
	if !j.logDone && !j.quiet {
		l = j.logClock
		if l != math.MinInt64 {
			l = satAdd(l, satAdd(satAdd(j.opts.Tolerance, j.so.Hold), clockTick))
		}
	}
	if j.limit.Swap(l) != l {
		select {
		case j.wake <- struct{}{}:
		default:
		}
	}
	j.s.PeakFlows = max(j.s.PeakFlows, j.w.Peak)
	j.s.LateFlows = j.w.LateFlows
}

// finish empties the window and joins the held records.
func (j *streamJoin) finish() error {
	j.horizon = math.MaxInt64
	if err := j.w.Evict(math.MaxInt64, j.gone); err != nil {
		return err
	}
	j.s.PeakFlows = max(j.s.PeakFlows, j.w.Peak)
	j.s.LateFlows = j.w.LateFlows
	if len(j.held) == 0 {
		return nil
	}
	ix := NewIndex(j.opts, len(j.retained))
	for i := range j.retained {
		ix.Add(&j.retained[i])
		ix.ent[i].used = j.retainedUsed[i]
	}
	for _, h := range j.held {
		ix.Join(&h.rec.Query, &j.res)
		j.s.count(h.rec, &j.res)
		if err := j.sink.Write(h.rec, &j.res); err != nil {
			return err
		}
	}
	for i := range ix.flows {
		if err := j.flowDone(&ix.flows[i], ix.ent[i].used); err != nil {
			return err
		}
	}
	return nil
}

// cloneRecord deep-copies a borrowed record (allocates).
func cloneRecord(r *Record) *Record {
	c := *r
	if r.Zeek != nil {
		z := *r.Zeek
		n := 0
		for _, v := range z.Values {
			n += len(v)
		}
		arena := make([]byte, 0, n)
		z.Values = make([][]byte, len(r.Zeek.Values))
		for i, v := range r.Zeek.Values {
			arena = append(arena, v...)
			z.Values[i] = arena[len(arena)-len(v) : len(arena) : len(arena)]
		}
		z.BadFields = append([]int(nil), z.BadFields...)
		c.Zeek = &z
	}
	if r.JSON != nil {
		c.JSON = bytes.Clone(r.JSON)
	}
	if r.Event != nil {
		e := *r.Event
		e.Raw = c.JSON
		e.Type = strings.Clone(e.Type)
		e.CommunityID = bytes.Clone(e.CommunityID)
		c.Event = &e
	}
	c.Query.CommunityID = bytes.Clone(r.Query.CommunityID)
	return &c
}
