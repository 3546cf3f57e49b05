package features

import (
	"unsafe"

	"github.com/flowmeter/flowmeter/features/decode"
	"github.com/flowmeter/flowmeter/internal/prefetch"
)

// Item is one decoded packet for Table.AddBatch. AddBatch only reads it:
// what it computes ahead for an item stays in the table (Table.pre), so
// that the item's lines, written by the goroutine that decodes, are never
// written back by the table's.
type Item struct {
	TS   int64  // capture time, ns
	Wire uint32 // the frame's original length
	P    decode.Packet
}

// prepared is an Item's flow key, computed ahead of its turn so that the
// index entry and the flow's records can be prefetched.
type prepared struct {
	key  Key
	hash uint64
	slot int32 // the slot whose tag matched in the index, a hint (-1: none)
	aToB bool
	ok   bool // key and hash are set
}

// Prefetch distances of AddBatch, in packets: an item's index entry is
// requested indexAhead packets before its turn, its flow's key and head
// lines keyAhead packets before, and the lines of the flow's direction
// that the packet updates recordAhead packets before. Each stage reads
// what the previous one fetched. With 10^4-10^5 open flows the records
// live in DRAM; ~100 ns of work per packet covers a DRAM latency in two or
// three packets.
const (
	indexAhead  = 12
	keyAhead    = 8
	recordAhead = 4
)

// preRing is the number of prepared items AddBatch keeps, in a ring
// indexed by the item's position: more than indexAhead are in flight.
const preRing = 16

// AddBatch adds items in order, exactly as Add would one by one, but
// overlaps the cache misses of several packets: while one packet is added,
// the index entries and flow records of the next few are already on their
// way from memory (see docs/PERFORMANCE.md, "Flow table").
func (t *Table) AddBatch(items []Item) {
	n := len(items)
	pre := &t.pre
	for j := range min(indexAhead, n) {
		t.prepare(&items[j], &pre[j%preRing])
	}
	for j := range min(keyAhead, n) {
		t.prefetchKey(&pre[j%preRing])
	}
	for j := range min(recordAhead, n) {
		t.prefetchRecord(&pre[j%preRing])
	}
	for j := range items {
		if k := j + indexAhead; k < n {
			t.prepare(&items[k], &pre[k%preRing])
		}
		if k := j + keyAhead; k < n {
			t.prefetchKey(&pre[k%preRing])
		}
		if k := j + recordAhead; k < n {
			t.prefetchRecord(&pre[k%preRing])
		}
		it, pr := &items[j], &pre[j%preRing]
		if !pr.ok {
			t.Add(&it.P, it.TS, it.Wire)
			continue
		}
		t.Stats.Packets++
		t.Advance(it.TS)
		t.addKeyed(&it.P, it.TS, it.Wire, &pr.key, pr.hash, pr.aToB)
		if t.opts.TunnelCarriers && it.P.Encap&decode.EncapTunnels != 0 {
			t.addCarriers(&it.P, it.TS, it.Wire)
		}
	}
}

// prepare computes an item's key and requests its index entry. Packets
// whose key depends on table state (fragments: the ports come from the
// fragment table) are left to Add.
func (t *Table) prepare(it *Item, pr *prepared) {
	pr.ok, pr.slot = false, -1
	p := &it.P
	if p.IPVersion == 0 || p.Fragment {
		return
	}
	pr.key = Key{}
	pr.aToB = makeKey(&pr.key, p, t.opts.Key, p.SrcPort, p.DstPort)
	pr.hash = hashKey(&pr.key)
	pr.ok = true
	prefetch.Line(uintptr(unsafe.Pointer(&t.ix.e[uint64(hashTag(pr.hash))&t.ix.mask])))
}

// prefetchKey finds the slot whose tag matches (the entry was requested by
// prepare) and requests the line of its Key, which the lookup compares,
// and the record's head, which every packet updates.
func (t *Table) prefetchKey(pr *prepared) {
	if !pr.ok {
		return
	}
	ix := &t.ix
	tag := hashTag(pr.hash)
	for i := uint64(tag) & ix.mask; ; i = (i + 1) & ix.mask {
		e := ix.e[i]
		if e.slot == 0 {
			return
		}
		if e.tag == tag {
			pr.slot = e.slot - 1
			f := t.flow(pr.slot)
			prefetch.Line(uintptr(unsafe.Pointer(&f.Key)))
			prefetch.Lines(uintptr(unsafe.Pointer(f)), headLines)
			return
		}
	}
}

// prefetchRecord requests the lines of the direction the packet updates
// (the head, requested by prefetchKey, says which is forward).
func (t *Table) prefetchRecord(pr *prepared) {
	if pr.slot < 0 {
		return
	}
	f := t.flow(pr.slot)
	d := unsafe.Pointer(&f.Fwd)
	if pr.aToB != f.fwdIsA {
		d = unsafe.Pointer(&f.Bwd)
	}
	prefetch.Lines(uintptr(d), dirLines)
}

// Cache lines of the record that prefetchKey and prefetchRecord request.
const (
	headLines = int(unsafe.Offsetof(Flow{}.Fwd)+63) / 64
	dirLines  = int(unsafe.Sizeof(Direction{})+63)/64 + 1 // + 1: a Direction need not start on a line
)
