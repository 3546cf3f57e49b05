package features

import (
	"testing"
	"unsafe"
)

// TestFlowLayout guards the hot/cold layout that Table.Add relies on (see
// Flow and docs/PERFORMANCE.md, "Flow table"): the record is a whole number
// of cache lines, so that in the page-aligned slab every Flow starts on a
// line; the fields a packet updates come before the fields written once.
func TestFlowLayout(t *testing.T) {
	var f Flow
	if s := unsafe.Sizeof(f); s%64 != 0 {
		t.Errorf("sizeof(Flow) = %d, not a multiple of 64: adjust the padding at its end", s)
	}
	hotEnd := unsafe.Offsetof(f.Bwd) + unsafe.Sizeof(f.Bwd)
	for name, off := range map[string]uintptr{
		"EarlySize": unsafe.Offsetof(f.EarlySize), "Start": unsafe.Offsetof(f.Start),
		"History": unsafe.Offsetof(f.History), "Active": unsafe.Offsetof(f.Active),
		"ID": unsafe.Offsetof(f.ID), "Src": unsafe.Offsetof(f.Src), "Tunnel": unsafe.Offsetof(f.Tunnel),
		"CommunityID": unsafe.Offsetof(f.CommunityID), "Key": unsafe.Offsetof(f.Key),
	} {
		if off < hotEnd {
			t.Errorf("cold field %s at offset %d, inside the per-packet part (< %d)", name, off, hotEnd)
		}
	}
	if off := unsafe.Offsetof(f.Key); off%64 != 0 {
		t.Errorf("Key at offset %d, not on a cache line: the lookup would read two", off)
	}
	if off := unsafe.Offsetof(f.Fwd); off > 3*64 {
		t.Errorf("Fwd at offset %d: the per-flow header grew past 3 cache lines", off)
	}
}

// TestItemLayout guards the layout of a batch item (see Item and
// decode.Packet): 256 bytes, so that items in a page-aligned batch start on
// a cache line, and every field the table reads for an ordinary packet
// within the first two lines; fragment details and tunnels after them.
func TestItemLayout(t *testing.T) {
	var it Item
	if s := unsafe.Sizeof(it); s != 256 {
		t.Errorf("sizeof(Item) = %d, want 256", s)
	}
	p := unsafe.Offsetof(it.P)
	hot := map[string]uintptr{
		"TS": unsafe.Offsetof(it.TS), "Wire": unsafe.Offsetof(it.Wire),
		"Status": p + unsafe.Offsetof(it.P.Status), "IPVersion": p + unsafe.Offsetof(it.P.IPVersion),
		"Src": p + unsafe.Offsetof(it.P.Src), "Dst": p + unsafe.Offsetof(it.P.Dst),
		"PayloadLen": p + unsafe.Offsetof(it.P.PayloadLen), "TCPAck": p + unsafe.Offsetof(it.P.TCPAck),
		"ICMPID": p + unsafe.Offsetof(it.P.ICMPID), "Encap": p + unsafe.Offsetof(it.P.Encap),
		"VLANs": p + unsafe.Offsetof(it.P.VLANs), "NumVLANs": p + unsafe.Offsetof(it.P.NumVLANs),
	}
	for name, off := range hot {
		if off >= 128 {
			t.Errorf("%s at offset %d of the item, past its first two cache lines", name, off)
		}
	}
	if off := p + unsafe.Offsetof(it.P.Tunnel); off < 128 {
		t.Errorf("Tunnel at offset %d of the item, inside the hot part", off)
	}
}
