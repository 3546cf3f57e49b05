package features

import (
	"math"
	"unsafe"

	"github.com/flowmeter/flowmeter/features/communityid"
	"github.com/flowmeter/flowmeter/features/decode"
	"github.com/flowmeter/flowmeter/internal/prefetch"
)

const nilSlot = -1

// list is an intrusive doubly linked list over table slots.
type list struct{ head, tail int32 }

type links struct{ prev, next int32 }

// TableStats counts what the table did.
type TableStats struct {
	Packets        int64 // packets added
	NotFlow        int64 // decoded packets without an IP header (not counted in flows)
	Flows          int64 // flow records emitted
	Evicted        int64 // flows pushed out by MaxFlows
	Reasons        [8]int64
	PeakFlows      int   // most concurrent flows
	Fragments      int64 // non-first fragments placed in their flow by the fragment table
	CarrierPackets int64 // tunnelled packets also counted in their UDP tunnel's own flow
	FragOrphans    int64 // non-first fragments whose first fragment was not seen (port-less flow)
}

type fragKey struct {
	src, dst [16]byte
	id       uint32
	proto    uint8
}

type fragVal struct {
	sport, dport uint16
	ts           int64
}

// Table is the flow table: bidirectional flows in a slab indexed by a map
// from Key to slot, with intrusive lists that keep flows in order of last
// packet (idle timeout, eviction), of start (active timeout) and of linger
// end (TCP teardown), so that expiry costs O(1) per packet when nothing
// expires. Ended flows are handed to the emit function as they end; the
// *Flow is only valid during that call. A Table is not safe for concurrent
// use; shard by Key hash for more cores.
type Table struct {
	opts  Options
	emit  func(*Flow)
	ix    flowIndex
	pages [][]Flow // slab in fixed pages: growing never copies flows
	nflow int32    // slots handed out
	idle  []links  // by last packet
	age   []links  // by start
	lin   []links  // lingering TCP flows by closeAt
	free  []int32
	pre   [preRing]prepared // AddBatch's keys of the next items

	idleList, ageList, linList list
	lingering                  []bool

	frags map[fragKey]fragVal
	now   int64
	due   int64 // no flow expires before due: a lower bound kept by every list change
	cid   communityid.Hasher
	Stats TableStats
}

// NewTable returns an empty table. emit receives every flow as it ends.
func NewTable(opts Options, emit func(*Flow)) *Table {
	if opts.EarlyPackets > MaxEarlyPackets {
		opts.EarlyPackets = MaxEarlyPackets
	}
	if opts.EarlyPackets < 0 {
		opts.EarlyPackets = 0
	}
	capHint := 1 << 12
	if opts.MaxFlows > 0 && opts.MaxFlows < 1<<20 {
		capHint = opts.MaxFlows
	}
	t := &Table{
		opts:  opts,
		emit:  emit,
		ix:    newFlowIndex(capHint),
		frags: make(map[fragKey]fragVal),
		cid:   communityid.New(opts.CommunityIDSeed),
	}
	t.idleList = list{nilSlot, nilSlot}
	t.ageList = list{nilSlot, nilSlot}
	t.linList = list{nilSlot, nilSlot}
	return t
}

// Len is the number of open flows.
func (t *Table) Len() int { return t.ix.n }

func pushBack(l *list, ln []links, i int32) {
	ln[i] = links{l.tail, nilSlot}
	if l.tail != nilSlot {
		ln[l.tail].next = i
	} else {
		l.head = i
	}
	l.tail = i
}

func unlink(l *list, ln []links, i int32) {
	p, n := ln[i].prev, ln[i].next
	if p != nilSlot {
		ln[p].next = n
	} else {
		l.head = n
	}
	if n != nilSlot {
		ln[n].prev = p
	} else {
		l.tail = p
	}
	ln[i] = links{nilSlot, nilSlot}
}

const (
	pageBits = 9
	pageSize = 1 << pageBits
)

func (t *Table) flow(i int32) *Flow { return &t.pages[i>>pageBits][i&(pageSize-1)] }

func (t *Table) alloc() int32 {
	if n := len(t.free); n > 0 {
		i := t.free[n-1]
		t.free = t.free[:n-1]
		return i
	}
	i := t.nflow
	if int(i)>>pageBits == len(t.pages) {
		pg := make([]Flow, pageSize)
		prefetch.FaultIn(unsafe.Pointer(&pg[0]), unsafe.Sizeof(pg[0])*pageSize)
		t.pages = append(t.pages, pg)
	}
	t.nflow++
	t.idle = append(t.idle, links{})
	t.age = append(t.age, links{})
	t.lin = append(t.lin, links{})
	t.lingering = append(t.lingering, false)
	return i
}

// end emits the flow in slot i and frees the slot.
func (t *Table) end(i int32, reason EndReason) {
	f := t.flow(i)
	f.finish(reason, t.cid)
	t.remove(hashKey(&f.Key), i)
	unlink(&t.idleList, t.idle, i)
	unlink(&t.ageList, t.age, i)
	if t.lingering[i] {
		unlink(&t.linList, t.lin, i)
		t.lingering[i] = false
	}
	t.due = math.MinInt64 // a list head may have changed: Advance recomputes
	t.Stats.Flows++
	t.Stats.Reasons[reason]++
	if t.emit != nil {
		t.emit(f)
	}
	t.free = append(t.free, i)
}

// Advance ends every flow whose idle, active or linger time has passed at
// now (ns). Add calls it; call it directly to let time pass without packets.
// It returns at once while now is before the earliest time at which a flow
// could expire (kept as a lower bound as flows start, end and linger).
func (t *Table) Advance(now int64) {
	if now < t.now {
		return
	}
	t.now = now
	if now < t.due {
		return
	}
	for i := t.linList.head; i != nilSlot; i = t.linList.head {
		f := t.flow(i)
		if f.tcp.closeAt > now {
			break
		}
		t.end(i, f.tcp.reason)
	}
	if t.opts.IdleTimeout > 0 {
		for i := t.idleList.head; i != nilSlot; i = t.idleList.head {
			if now-t.flow(i).End < t.opts.IdleTimeout {
				break
			}
			t.end(i, EndIdle)
		}
	}
	if t.opts.ActiveTimeout > 0 {
		for i := t.ageList.head; i != nilSlot; i = t.ageList.head {
			if now-t.flow(i).Start < t.opts.ActiveTimeout {
				break
			}
			t.end(i, EndActiveTime)
		}
	}
	t.due = t.nextDue()
}

// nextDue is the earliest time at which the head of a list expires, the
// time at which Advance's loops above would first end a flow. A sum that
// overflows gives a negative bound, which only disables the shortcut.
func (t *Table) nextDue() int64 {
	due := int64(math.MaxInt64)
	if i := t.linList.head; i != nilSlot {
		due = t.flow(i).tcp.closeAt
	}
	if i := t.idleList.head; i != nilSlot && t.opts.IdleTimeout > 0 {
		due = min(due, t.flow(i).End+t.opts.IdleTimeout)
	}
	if i := t.ageList.head; i != nilSlot && t.opts.ActiveTimeout > 0 {
		due = min(due, t.flow(i).Start+t.opts.ActiveTimeout)
	}
	return due
}

// Add puts one decoded packet into its flow. ts is the capture timestamp in
// ns, wire the frame's original length. Packets without an IP header are
// counted and ignored. Add allocates nothing unless the table grows.
func (t *Table) Add(p *decode.Packet, ts int64, wire uint32) {
	t.Stats.Packets++
	if p.IPVersion == 0 {
		t.Stats.NotFlow++
		return
	}
	t.Advance(ts)
	t.addIP(p, ts, wire)
	if t.opts.TunnelCarriers && p.Encap&decode.EncapTunnels != 0 {
		t.addCarriers(p, ts, wire)
	}
}

// addCarriers also counts a tunnelled packet in the flows of its UDP
// tunnel layers (Options.TunnelCarriers).
func (t *Table) addCarriers(p *decode.Packet, ts int64, wire uint32) {
	var c decode.Packet
	for _, tn := range [2]*decode.Tunnel{&p.Tunnel, &p.InnerTunnel} {
		if tn.Proto == 17 {
			carrierPacket(p, tn, &c)
			t.addIP(&c, ts, wire)
			t.Stats.CarrierPackets++
		}
	}
}

// carrierPacket fills c with the UDP packet of tunnel layer tn (the
// outermost or, when tunnels nest, the innermost) of a tunnelled packet
// (VXLAN, GENEVE, GTP-U, Teredo, AYIYA, GRE- or MPLS-in-UDP): what Zeek
// counts in that tunnel's own connection, whether it decodes the tunnel or
// not. Header lengths are the option-less ones (the decoder keeps the outer
// IP total length, not its header length).
func carrierPacket(p *decode.Packet, tn *decode.Tunnel, c *decode.Packet) {
	*c = decode.Packet{
		EtherType: p.EtherType, VLANs: p.VLANs, NumVLANs: p.NumVLANs,
		Src: tn.Src, Dst: tn.Dst, Proto: tn.Proto, TTL: tn.TTL, IPTotalLen: tn.IPTotalLen,
		SrcPort: tn.SrcPort, DstPort: tn.DstPort, HasTransport: true, L4HeaderLen: 8,
	}
	c.IPVersion, c.IPHeaderLen = 6, 40
	if tn.Src.Is4() {
		c.IPVersion, c.IPHeaderLen = 4, 20
	}
	if hdr := uint32(c.IPHeaderLen) + 8; tn.IPTotalLen > hdr {
		c.PayloadLen = tn.IPTotalLen - hdr
	}
}

// addIP puts one IP packet into its flow.
func (t *Table) addIP(p *decode.Packet, ts int64, wire uint32) {
	sport, dport := p.SrcPort, p.DstPort
	if p.Fragment {
		sport, dport = t.fragmentPorts(p, ts)
	}
	var k Key
	aToB := makeKey(&k, p, t.opts.Key, sport, dport)
	t.addKeyed(p, ts, wire, &k, hashKey(&k), aToB)
}

// addKeyed puts an IP packet with key k (hash h) into its flow.
func (t *Table) addKeyed(p *decode.Packet, ts int64, wire uint32, k *Key, h uint64, aToB bool) {
	i := t.lookup(h, k)
	ok := i >= 0
	if ok {
		f := t.flow(i)
		if f.tcp.closing && p.Proto == 6 && p.TCPFlags&(decode.TCPSyn|decode.TCPAck) == decode.TCPSyn {
			// A new connection on a closed 5-tuple.
			t.end(i, f.tcp.reason)
			ok = false
		}
	}
	if !ok {
		if t.opts.MaxFlows > 0 && t.ix.n >= t.opts.MaxFlows {
			t.Stats.Evicted++
			t.end(t.idleList.head, EndEvicted)
		}
		i = t.alloc()
		t.flow(i).start(k, aToB, p, ts, t.opts.EarlyPackets)
		if t.opts.IdleTimeout > 0 {
			t.due = min(t.due, ts+t.opts.IdleTimeout)
		}
		if t.opts.ActiveTimeout > 0 {
			t.due = min(t.due, ts+t.opts.ActiveTimeout)
		}
		t.insert(h, i)
		pushBack(&t.ageList, t.age, i)
		pushBack(&t.idleList, t.idle, i)
		if n := t.ix.n; n > t.Stats.PeakFlows {
			t.Stats.PeakFlows = n
		}
	} else if t.idleList.tail != i {
		if t.idleList.head == i {
			t.due = math.MinInt64 // a new head (timestamps may step back)
		}
		unlink(&t.idleList, t.idle, i)
		pushBack(&t.idleList, t.idle, i)
	}
	f := t.flow(i)
	wasClosing := f.tcp.closing
	f.add(p, ts, wire, aToB == f.fwdIsA, &t.opts)
	if f.tcp.closing && !wasClosing {
		t.lingering[i] = true
		pushBack(&t.linList, t.lin, i)
		t.due = min(t.due, f.tcp.closeAt)
		if t.opts.TCPLinger <= 0 {
			t.end(i, f.tcp.reason)
		}
	}
}

// fragmentPorts returns the ports of a fragmented datagram: a first fragment
// records them, later fragments look them up (port-less when the first
// fragment was not seen, as tshark does).
func (t *Table) fragmentPorts(p *decode.Packet, ts int64) (uint16, uint16) {
	fk := fragKey{src: addr16(p.Src), dst: addr16(p.Dst), id: p.FragID, proto: p.Proto}
	if p.FragOffset == 0 {
		if p.MoreFragments {
			if len(t.frags) >= 1<<16 {
				t.expireFrags(ts)
			}
			t.frags[fk] = fragVal{p.SrcPort, p.DstPort, ts}
		}
		return p.SrcPort, p.DstPort
	}
	v, ok := t.frags[fk]
	if !ok || ts-v.ts > t.opts.FragmentTimeout {
		t.Stats.FragOrphans++
		return 0, 0
	}
	t.Stats.Fragments++
	if !p.MoreFragments {
		delete(t.frags, fk)
	}
	return v.sport, v.dport
}

func (t *Table) expireFrags(now int64) {
	for k, v := range t.frags {
		if now-v.ts > t.opts.FragmentTimeout {
			delete(t.frags, k)
		}
	}
	if len(t.frags) >= 1<<16 { // a flood of first fragments: start over
		clear(t.frags)
	}
}

// Flush ends every open flow with EndCapture, oldest first.
func (t *Table) Flush() {
	for i := t.ageList.head; i != nilSlot; i = t.ageList.head {
		t.end(i, EndCapture)
	}
}
