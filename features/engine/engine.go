// Package engine runs the packet pipeline: read, decode, and put packets
// into the flow table, on one goroutine or sharded over several. Flows are
// handed to the caller as they end.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/features/decode"
	"github.com/flowmeter/flowmeter/internal/prefetch"
	"github.com/flowmeter/flowmeter/reader"
)

// Config configures a run.
type Config struct {
	Flow features.Options
	// Workers is the number of flow-table shards, each on its own
	// goroutine, fed in batches by the goroutine that reads and decodes.
	// With <= 1 there is one table: on its own goroutine beside the reader
	// when GOMAXPROCS > 1, else on the calling goroutine.
	Workers int
	// Unbatched adds each packet to the flow table before the next one is
	// read (one goroutine, no batches), so that every flow a packet ends
	// has been emitted when the source is asked for the next packet. A
	// streaming consumer that follows the source's clock needs this;
	// batching is faster.
	Unbatched bool
}

// Stats summarises a run.
type Stats struct {
	Packets     int64               // packets read
	Bytes       int64               // captured bytes read
	Decoded     int64               // packets that reached a flow
	NotIP       int64               // valid frames without IP (ARP, LLDP, ...)
	Undecodable [256]int64          // by decode.Status (StatusOK unused)
	Unsupported map[uint32]int64    // unsupported link types by number
	Table       features.TableStats // summed over shards
	First, Last int64               // first and last packet timestamps, ns
	ReadError   error               // the error that ended reading early (truncation, ...), nil at clean EOF
}

// Progress is read by a progress display while Run works; fields are
// updated atomically.
type Progress struct {
	Packets atomic.Int64
	Bytes   atomic.Int64
	Flows   atomic.Int64
}

// Run reads src to the end and calls emit for every flow as it ends (also
// at the end of the capture), on the calling goroutine. emit is never
// called concurrently; the *Flow is valid only during the call. A read
// error ends the run gracefully: every packet before it is counted and
// every flow flushed, and the error is returned in Stats.ReadError.
func Run(ctx context.Context, src reader.Source, cfg Config, emit func(*features.Flow), prog *Progress) (Stats, error) {
	return run(ctx, src, cfg, &sink{emit: emit}, prog)
}

// Text is an ordered text output (CSV, JSON lines) for RunText.
type Text struct {
	// Encode appends the records of flows to dst. It may run on any
	// goroutine of the run, concurrently with itself.
	Encode func(dst []byte, flows []features.Flow) []byte
	// Write takes the text, in the order the flows ended, on the
	// goroutine that called RunText.
	Write func(text []byte) error
}

// RunText is RunBatches for a text output: Encode is Prepare.
func RunText(ctx context.Context, src reader.Source, cfg Config, out Text, prog *Progress) (Stats, error) {
	return RunBatches(ctx, src, cfg, Batches{
		Prepare: func(prev any, flows []features.Flow) any {
			b, _ := prev.(*[]byte) // a pointer: no allocation per batch
			if b == nil {
				b = new([]byte)
			}
			*b = out.Encode((*b)[:0], flows)
			return b
		},
		Write: func(text any) error { return out.Write(*text.(*[]byte)) },
	}, prog)
}

// Batches is an ordered output whose records are made in batches apart
// from writing them: the lines of CSV and JSON lines, the rows of Parquet.
type Batches struct {
	// Prepare makes the output of flows, reusing prev (what it returned
	// for an earlier batch, whose Write has returned; nil at first). It
	// may run on any goroutine of the run, concurrently with itself.
	Prepare func(prev any, flows []features.Flow) any
	// Write takes what Prepare made, in the order the flows ended, on the
	// goroutine that called RunBatches.
	Write func(prepared any) error
}

// RunBatches is Run for an output in batches: the flows are prepared in
// batches by the flow table's goroutine when it waits for packets and by
// the reading goroutine otherwise, so that the work goes to whichever
// core has time, and written in order. The first Write error stops
// reading and is returned.
func RunBatches(ctx context.Context, src reader.Source, cfg Config, out Batches, prog *Progress) (Stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &sink{batches: &out, cancel: cancel}
	st, err := run(ctx, src, cfg, s, prog)
	if s.err != nil {
		return st, s.err
	}
	return st, err
}

// sink is where a run's ended flows go: emit, or prepared batches.
type sink struct {
	emit    func(*features.Flow)
	batches *Batches
	err     error // first Write error
	cancel  func()
}

// flowBatch carries ended flows from a table to the reading goroutine,
// with their output once prepared.
type flowBatch struct {
	flows    []features.Flow
	prepared any
	ready    bool // prepared is the output of flows
}

const flowBatchSize = 64

func newFlowBatch() *flowBatch {
	fb := &flowBatch{flows: make([]features.Flow, 0, flowBatchSize)}
	prefetch.FaultIn(unsafe.Pointer(unsafe.SliceData(fb.flows)), unsafe.Sizeof(features.Flow{})*flowBatchSize)
	return fb
}

// encode prepares the batch's output, once.
func (s *sink) encode(fb *flowBatch) {
	if s.batches != nil && !fb.ready {
		fb.prepared = s.batches.Prepare(fb.prepared, fb.flows)
		fb.ready = true
	}
}

// deliver hands the batch's flows to the output.
func (s *sink) deliver(fb *flowBatch, prog *Progress) {
	prog.Flows.Add(int64(len(fb.flows)))
	if s.batches == nil {
		for i := range fb.flows {
			s.emit(&fb.flows[i])
		}
		return
	}
	if s.err != nil {
		return
	}
	s.encode(fb)
	if s.err = s.batches.Write(fb.prepared); s.err != nil {
		s.cancel()
	}
}

func run(ctx context.Context, src reader.Source, cfg Config, s *sink, prog *Progress) (Stats, error) {
	if prog == nil {
		prog = &Progress{}
	}
	if !cfg.Unbatched && (cfg.Workers > 1 || runtime.GOMAXPROCS(0) > 1) {
		// This goroutine reads and decodes; the table, or its shards,
		// run on others.
		return runSharded(ctx, src, cfg, s, prog)
	}
	st := Stats{Unsupported: map[uint32]int64{}}
	var fb *flowBatch // batched outputs: flows waiting to be prepared together
	if s.batches != nil {
		fb = newFlowBatch()
	}
	t := features.NewTable(cfg.Flow, func(f *features.Flow) {
		if s.batches == nil {
			prog.Flows.Add(1)
			s.emit(f)
			return
		}
		fb.flows = append(fb.flows, *f)
		if len(fb.flows) == cap(fb.flows) {
			s.deliver(fb, prog)
			fb.flows, fb.ready = fb.flows[:0], false
		}
	})
	if cfg.Unbatched {
		p := new(decode.Packet)
		readPackets(ctx, src, &st, prog, &p, func(pkt reader.Packet, ip bool) {
			if ip {
				t.Add(p, pkt.Timestamp, pkt.Length)
			}
		})
	} else {
		// Packets go to the table in batches, so that it can prefetch
		// the flow records of the next few while it adds one
		// (Table.AddBatch).
		items := make([]features.Item, batchSize)
		n := 0
		p := &items[0].P // packets are decoded in place
		readPackets(ctx, src, &st, prog, &p, func(pkt reader.Packet, ip bool) {
			if ip {
				it := &items[n]
				it.TS, it.Wire = pkt.Timestamp, pkt.Length
				if n++; n == len(items) {
					t.AddBatch(items)
					n = 0
				}
				p = &items[n].P
			}
		})
		t.AddBatch(items[:n])
	}
	t.Flush()
	if fb != nil && len(fb.flows) > 0 {
		s.deliver(fb, prog)
	}
	prog.Packets.Store(st.Packets)
	prog.Bytes.Store(st.Bytes)
	st.Table = t.Stats
	return st, ctx.Err()
}

// ErrFault reports a memory fault while reading a memory-mapped capture:
// the file was truncated by another process while it was being read.
var ErrFault = errors.New("engine: capture file shrank while it was being read (memory fault)")

// GuardFaults makes a memory fault on this goroutine a recoverable panic
// (a capture memory-mapped by reader.Open that another process truncates
// faults when read). Pair it with a deferred RecoverFault:
//
//	defer engine.RecoverFault(engine.GuardFaults(), &err)
func GuardFaults() (restore bool) { return debug.SetPanicOnFault(true) }

// RecoverFault restores the fault setting and turns a recovered memory
// fault into *errp (wrapping ErrFault); other panics go on.
func RecoverFault(restore bool, errp *error) {
	debug.SetPanicOnFault(restore)
	r := recover()
	if r == nil {
		return
	}
	// A fault under SetPanicOnFault panics with a runtime.Error that has
	// the faulting address.
	if re, ok := r.(interface {
		runtime.Error
		Addr() uintptr
	}); ok {
		*errp = fmt.Errorf("%w at address %#x", ErrFault, re.Addr())
		return
	}
	panic(r)
}

// readPackets reads src to its end (or ctx's cancellation, or a read
// error kept in st.ReadError), counts and decodes each packet into p and
// hands it to each with whether it carries IP for the flow table. Each
// packet is decoded into *pp, which each may point elsewhere for the next
// one. A memory fault in a mapped capture ends reading like a read error.
func readPackets(ctx context.Context, src reader.Source, st *Stats, prog *Progress, pp **decode.Packet, each func(pkt reader.Packet, ip bool)) {
	defer RecoverFault(GuardFaults(), &st.ReadError)
	// Sources that can write a packet in place (reader.Reader,
	// reader.MultiSource) are read with NextInto: returning the Packet
	// costs a stalled copy through the stack (~10 ns a packet).
	var pkt reader.Packet
	into, _ := src.(interface{ NextInto(*reader.Packet) error })
	for n := 0; ; n++ {
		if n&0xffff == 0 && ctx.Err() != nil {
			break
		}
		var err error
		if into != nil {
			err = into.NextInto(&pkt)
		} else {
			pkt, err = src.Next()
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				st.ReadError = err
			}
			break
		}
		st.count(&pkt)
		if n&0x3ff == 0 {
			prog.Packets.Store(st.Packets)
			prog.Bytes.Store(st.Bytes)
		}
		each(pkt, st.decode(&pkt, *pp))
	}
}

func (st *Stats) count(pkt *reader.Packet) {
	if st.Packets == 0 || pkt.Timestamp < st.First {
		st.First = pkt.Timestamp
	}
	if pkt.Timestamp > st.Last {
		st.Last = pkt.Timestamp
	}
	st.Packets++
	st.Bytes += int64(pkt.CaptureLength)
}

// decode fills p and counts the outcome; it reports whether p has an IP
// header for the flow table.
func (st *Stats) decode(pkt *reader.Packet, p *decode.Packet) bool {
	s := decode.Decode(pkt.Data, uint32(pkt.LinkType), p)
	switch {
	case s == decode.StatusOK && p.IPVersion != 0:
		st.Decoded++
		return true
	case s == decode.StatusOK || s == decode.StatusNotIP:
		st.NotIP++
	case s == decode.StatusUnsupportedLink:
		st.Undecodable[s]++
		st.Unsupported[uint32(pkt.LinkType)]++
	default:
		st.Undecodable[s]++
	}
	return false
}

// Sharded run: this goroutine reads and decodes; packets go in batches to
// the shard that owns their address pair (so that a flow and its IP
// fragments always meet in one table); shards send finished flows to the
// emitting goroutine.

const batchSize = 256

type batch struct {
	items []features.Item
	now   int64 // capture time to advance to after the items (ticks)
}

func shardOf(p *decode.Packet, n int, carriers bool) int {
	a, b := p.Src.As16(), p.Dst.As16()
	if carriers && p.Encap&decode.EncapTunnels != 0 && p.Tunnel.Proto == 17 {
		// The tunnel's own flow and the flows inside it meet in one shard.
		a, b = p.Tunnel.Src.As16(), p.Tunnel.Dst.As16()
	}
	var h uint64
	for i := range 16 {
		h += uint64(a[i]^b[i]) * 0x9E3779B97F4A7C15 >> 7
		h ^= uint64(a[i]) + uint64(b[i])
		h *= 0x100000001b3
	}
	return int((h >> 17) % uint64(n))
}

func runSharded(ctx context.Context, src reader.Source, cfg Config, s *sink, prog *Progress) (Stats, error) {
	n := max(1, cfg.Workers)
	if cfg.Flow.MaxFlows > 0 {
		cfg.Flow.MaxFlows = max(1, cfg.Flow.MaxFlows/n)
	}
	st := Stats{Unsupported: map[uint32]int64{}}
	in := make([]chan *batch, n)
	free := make(chan *batch, 4*n+4)
	out := make(chan *flowBatch, 4*n)
	freeFlows := make(chan *flowBatch, 5*n)
	tables := make([]*features.Table, n)
	var wg sync.WaitGroup
	for i := range n {
		in[i] = make(chan *batch, 4)
		wg.Go(func() {
			fb := newFlowBatch()
			send := func() {
				if len(fb.flows) > 0 {
					select {
					case out <- fb:
					default:
						// The reading goroutine is behind with the
						// output: encode here rather than wait.
						s.encode(fb)
						out <- fb
					}
					select {
					case fb = <-freeFlows:
						fb.flows, fb.ready = fb.flows[:0], false
					default:
						fb = newFlowBatch()
					}
				}
			}
			t := features.NewTable(cfg.Flow, func(f *features.Flow) {
				fb.flows = append(fb.flows, *f)
				if len(fb.flows) == cap(fb.flows) {
					send()
				}
			})
			tables[i] = t
			for {
				var b *batch
				ok := true
				select {
				case b, ok = <-in[i]:
				default:
					// No packets waiting: the reader is behind. Encode
					// the flows ended so far here, to take that work
					// off the reading goroutine, and hand them over.
					if len(fb.flows) > 0 {
						s.encode(fb)
						send()
					}
					b, ok = spinRecv(in[i])
				}
				if !ok {
					break
				}
				t.AddBatch(b.items)
				if b.now != 0 {
					t.Advance(b.now)
				}
				b.items = b.items[:0]
				b.now = 0
				select {
				case free <- b:
				default:
				}
			}
			t.Flush()
			send()
		})
	}

	// Ended flows reach the output here, on the reading goroutine, between
	// batches: two busy goroutines on two cores, the table's and this one.
	// (A third, writing goroutine made the scheduler move the table from
	// core to core, and its records out of the core's caches.)
	deliverFlows := func(fb *flowBatch) {
		s.deliver(fb, prog)
		select {
		case freeFlows <- fb:
		default:
		}
	}
	toShard := func(i int, b *batch) {
		// While shard i's queue is full, handle what the shards ended;
		// spin, then block.
		var sp spinner
		for {
			select {
			case in[i] <- b:
				return
			case fb := <-out:
				deliverFlows(fb)
				continue
			default:
			}
			if sp.more() {
				continue
			}
			select {
			case in[i] <- b:
				return
			case fb := <-out:
				deliverFlows(fb)
			}
			sp = spinner{}
		}
	}
	deliverReady := func() {
		for {
			select {
			case fb := <-out:
				deliverFlows(fb)
			default:
				return
			}
		}
	}

	pending := make([]*batch, n)
	get := func() *batch {
		select {
		case b := <-free:
			return b
		default:
			return &batch{items: make([]features.Item, 0, batchSize)}
		}
	}
	for i := range pending {
		pending[i] = get()
	}
	readSharded(ctx, src, n, cfg.Flow.TunnelCarriers, &st, prog, pending, get, func(i int, b *batch) {
		toShard(i, b)
		deliverReady()
	})
	for i := range pending {
		if len(pending[i].items) > 0 {
			toShard(i, pending[i])
		}
		close(in[i])
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	for fb := range out {
		deliverFlows(fb)
	}
	prog.Packets.Store(st.Packets)
	prog.Bytes.Store(st.Bytes)
	for _, t := range tables {
		addTableStats(&st.Table, &t.Stats)
	}
	return st, ctx.Err()
}

// readSharded reads and decodes, sending packets in batches to the shard
// that owns them, with capture-time ticks for idle shards.
func readSharded(ctx context.Context, src reader.Source, n int, carriers bool, st *Stats, prog *Progress, pending []*batch, get func() *batch, toShard func(shard int, b *batch)) {
	var lastTick int64
	var scratch features.Item
	const tick = int64(1e9)
	// slot is where the next packet is decoded: in place in the batch of
	// the only shard, else in scratch, to be copied to its shard's batch.
	slot := func() *decode.Packet {
		if n == 1 {
			b := pending[0]
			return &b.items[:len(b.items)+1][len(b.items)].P
		}
		return &scratch.P
	}
	p := slot()
	readPackets(ctx, src, st, prog, &p, func(pkt reader.Packet, ip bool) {
		if ip {
			i := 0
			if n > 1 {
				i = shardOf(p, n, carriers)
			}
			b := pending[i]
			if n == 1 {
				b.items = b.items[:len(b.items)+1]
				it := &b.items[len(b.items)-1]
				it.TS, it.Wire = pkt.Timestamp, pkt.Length
			} else {
				scratch.TS, scratch.Wire = pkt.Timestamp, pkt.Length
				b.items = append(b.items, scratch)
			}
			if len(b.items) == batchSize {
				toShard(i, b)
				pending[i] = get()
			}
		}
		if pkt.Timestamp-lastTick >= tick {
			// Let idle shards expire their flows as capture time passes.
			lastTick = pkt.Timestamp
			for i := range pending {
				pending[i].now = pkt.Timestamp
				toShard(i, pending[i])
				pending[i] = get()
			}
		}
		p = slot()
	})
}

func addTableStats(d, s *features.TableStats) {
	d.Packets += s.Packets
	d.NotFlow += s.NotFlow
	d.Flows += s.Flows
	d.Evicted += s.Evicted
	for i := range d.Reasons {
		d.Reasons[i] += s.Reasons[i]
	}
	d.PeakFlows += s.PeakFlows // an upper bound: shards peak at different times
	d.Fragments += s.Fragments
	d.FragOrphans += s.FragOrphans
	d.CarrierPackets += s.CarrierPackets
}
