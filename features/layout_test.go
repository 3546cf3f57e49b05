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
