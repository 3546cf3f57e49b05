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

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/features/decode"
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
// at the end of the capture). emit is never called concurrently; the *Flow is
// valid only during the call. A read error ends the run gracefully: every
// packet before it is counted and every flow flushed, and the error is
// returned in Stats.ReadError.
func Run(ctx context.Context, src reader.Source, cfg Config, emit func(*features.Flow), prog *Progress) (Stats, error) {
	if prog == nil {
		prog = &Progress{}
	}
	if !cfg.Unbatched && (cfg.Workers > 1 || runtime.GOMAXPROCS(0) > 1) {
		// This goroutine reads and decodes; the table, or its shards,
		// run on others.
		return runSharded(ctx, src, cfg, emit, prog)
	}
	st := Stats{Unsupported: map[uint32]int64{}}
	t := features.NewTable(cfg.Flow, func(f *features.Flow) {
		prog.Flows.Add(1)
		emit(f)
	})
	if cfg.Unbatched {
		p := new(decode.Packet)
		readPackets(ctx, src, &st, prog, &p, func(pkt reader.Packet, ip bool) {
			if ip {
				t.Add(p, pkt.Timestamp, pkt.Length)
			}
		})
		t.Flush()
		prog.Packets.Store(st.Packets)
		prog.Bytes.Store(st.Bytes)
		st.Table = t.Stats
		return st, ctx.Err()
	}
	// Packets go to the table in batches, so that it can prefetch the
	// flow records of the next few while it adds one (Table.AddBatch).
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
	t.Flush()
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
	for n := 0; ; n++ {
		if n&0xffff == 0 && ctx.Err() != nil {
			break
		}
		pkt, err := src.Next()
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

func runSharded(ctx context.Context, src reader.Source, cfg Config, emit func(*features.Flow), prog *Progress) (Stats, error) {
	n := max(1, cfg.Workers)
	if cfg.Flow.MaxFlows > 0 {
		cfg.Flow.MaxFlows = max(1, cfg.Flow.MaxFlows/n)
	}
	st := Stats{Unsupported: map[uint32]int64{}}
	in := make([]chan *batch, n)
	free := make(chan *batch, 4*n+4)
	out := make(chan []features.Flow, 2*n)
	freeFlows := make(chan []features.Flow, 4*n)
	tables := make([]*features.Table, n)
	var wg sync.WaitGroup
	for i := range n {
		in[i] = make(chan *batch, 4)
		wg.Go(func() {
			buf := make([]features.Flow, 0, 64)
			send := func() {
				if len(buf) > 0 {
					out <- buf
					select {
					case buf = <-freeFlows:
						buf = buf[:0]
					default:
						buf = make([]features.Flow, 0, 64)
					}
				}
			}
			collect := func(f *features.Flow) {
				buf = append(buf, *f)
				if len(buf) == cap(buf) {
					send()
				}
			}
			if n == 1 { // the only table: it may call emit itself
				collect = func(f *features.Flow) {
					prog.Flows.Add(1)
					emit(f)
				}
			}
			t := features.NewTable(cfg.Flow, collect)
			tables[i] = t
			for b := range in[i] {
				t.AddBatch(b.items)
				if b.now != 0 {
					t.Advance(b.now)
				}
				b.items = b.items[:0]
				b.now = 0
				send()
				select {
				case free <- b:
				default:
				}
			}
			t.Flush()
			send()
		})
	}
	emitted := make(chan struct{})
	go func() {
		defer close(emitted)
		for fs := range out {
			for i := range fs {
				prog.Flows.Add(1)
				emit(&fs[i])
			}
			select {
			case freeFlows <- fs:
			default:
			}
		}
	}()

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
	readSharded(ctx, src, n, cfg.Flow.TunnelCarriers, &st, prog, in, pending, get)
	for i := range pending {
		if len(pending[i].items) > 0 {
			in[i] <- pending[i]
		}
		close(in[i])
	}
	wg.Wait()
	close(out)
	<-emitted
	prog.Packets.Store(st.Packets)
	prog.Bytes.Store(st.Bytes)
	for _, t := range tables {
		addTableStats(&st.Table, &t.Stats)
	}
	return st, ctx.Err()
}

// readSharded reads and decodes, sending packets in batches to the shard
// that owns them, with capture-time ticks for idle shards.
func readSharded(ctx context.Context, src reader.Source, n int, carriers bool, st *Stats, prog *Progress, in []chan *batch, pending []*batch, get func() *batch) {
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
				in[i] <- b
				pending[i] = get()
			}
		}
		if pkt.Timestamp-lastTick >= tick {
			// Let idle shards expire their flows as capture time passes.
			lastTick = pkt.Timestamp
			for i := range pending {
				pending[i].now = pkt.Timestamp
				in[i] <- pending[i]
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
