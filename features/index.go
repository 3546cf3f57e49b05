package features

// flowIndex maps keys to table slots: open addressing with linear probing
// over a compact array of 8-byte (tag, slot) pairs, so that a lookup touches
// one small entry per probe and compares a full Key only on a tag match (the
// Go map compared 74-byte keys on every probe; see docs/PERFORMANCE.md). The
// tag is 32 bits of the key's hash whose low bits are also the home
// position, so entries move without touching their flows; 8-byte entries
// keep the index of 10^4-10^5 flows in the L2 cache beside the flows.
// Deletion shifts entries back, so there are no tombstones.
type flowIndex struct {
	e    []indexEntry // power-of-two length
	mask uint64
	n    int
}

type indexEntry struct {
	tag  uint32 // hashTag of the key
	slot int32  // table slot + 1; 0 marks an empty entry
}

func newFlowIndex(capHint int) flowIndex {
	size := 64
	for size*3 < capHint*4 {
		size <<= 1
	}
	return flowIndex{e: make([]indexEntry, size), mask: uint64(size - 1)}
}

// hashKey mixes the key's words; the outer tunnel part only when set.
func hashKey(k *Key) uint64 {
	const m = 0x9E3779B97F4A7C15
	h := uint64(k.Proto)<<56 ^ uint64(k.IPVersion)<<48 ^ uint64(k.VLAN)<<32 ^ uint64(k.PortA)<<16 ^ uint64(k.PortB)
	h = (h ^ k.AddrA.Hi) * m
	h = (h ^ k.AddrA.Lo) * m
	h = (h ^ k.AddrB.Hi) * m
	h = (h ^ k.AddrB.Lo) * m
	if k.TunProto != 0 {
		h = (h ^ k.TunA.Hi ^ uint64(k.TunProto)) * m
		h = (h ^ k.TunA.Lo) * m
		h = (h ^ k.TunB.Hi) * m
		h = (h ^ k.TunB.Lo) * m
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// hashTag folds the hash to the 32 bits an index entry keeps.
func hashTag(h uint64) uint32 { return uint32(h ^ h>>32) }

// lookup returns the slot of k, or -1.
func (t *Table) lookup(h uint64, k *Key) int32 {
	ix := &t.ix
	tag := hashTag(h)
	for i := uint64(tag) & ix.mask; ; i = (i + 1) & ix.mask {
		e := ix.e[i]
		if e.slot == 0 {
			return -1
		}
		if e.tag == tag && keyEqual(&t.flow(e.slot-1).Key, k) {
			return e.slot - 1
		}
	}
}

// insert adds a key known to be absent.
func (t *Table) insert(h uint64, slot int32) {
	ix := &t.ix
	if (ix.n+1)*4 > len(ix.e)*3 {
		old := ix.e
		ix.e = make([]indexEntry, 2*len(old))
		ix.mask = uint64(len(ix.e) - 1)
		for _, e := range old {
			if e.slot != 0 {
				ix.place(e)
			}
		}
	}
	ix.place(indexEntry{hashTag(h), slot + 1})
	ix.n++
}

func (ix *flowIndex) place(e indexEntry) {
	i := uint64(e.tag) & ix.mask
	for ix.e[i].slot != 0 {
		i = (i + 1) & ix.mask
	}
	ix.e[i] = e
}

// remove deletes the entry for slot (whose key hashes to h), shifting later
// entries of the probe run back.
func (t *Table) remove(h uint64, slot int32) {
	ix := &t.ix
	i := uint64(hashTag(h)) & ix.mask
	for ix.e[i].slot != slot+1 {
		if ix.e[i].slot == 0 {
			return
		}
		i = (i + 1) & ix.mask
	}
	ix.n--
	for {
		ix.e[i] = indexEntry{}
		j := i
		for {
			j = (j + 1) & ix.mask
			e := ix.e[j]
			if e.slot == 0 {
				return
			}
			home := uint64(e.tag) & ix.mask
			// e stays if its home lies cyclically in (i, j].
			if i <= j {
				if i < home && home <= j {
					continue
				}
			} else if i < home || home <= j {
				continue
			}
			ix.e[i] = e
			i = j
			break
		}
	}
}

// keyEqual is *a == *b field by field, so that the compiler compares in
// 8-byte words instead of calling memequal on the padded struct.
func keyEqual(a, b *Key) bool {
	if a.AddrA != b.AddrA || a.AddrB != b.AddrB || a.PortA != b.PortA || a.PortB != b.PortB ||
		a.Proto != b.Proto || a.IPVersion != b.IPVersion || a.VLAN != b.VLAN || a.TunProto != b.TunProto {
		return false
	}
	// The tunnel part only when set: without it the comparison stays in
	// the key's first cache line.
	return a.TunProto == 0 || (a.TunA == b.TunA && a.TunB == b.TunB)
}
