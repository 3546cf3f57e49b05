package reader

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// boundaries returns the offsets at which a record or block of the
// (uncompressed) capture b ends, starting with the end of the file header
// (classic pcap) or 0 (pcapng). The walk is independent of the reader: it
// only follows the length fields.
func boundaries(t *testing.T, b []byte) []int {
	t.Helper()
	var out []int
	switch {
	case bytes.HasPrefix(b, []byte{0x0a, 0x0d, 0x0d, 0x0a}):
		var o binary.ByteOrder = binary.LittleEndian
		for off := 0; off < len(b); {
			out = append(out, off)
			if binary.LittleEndian.Uint32(b[off:]) == blockSHB {
				if binary.BigEndian.Uint32(b[off+8:]) == byteOrderMagic {
					o = binary.BigEndian
				} else {
					o = binary.LittleEndian
				}
			}
			off += int(o.Uint32(b[off+4:]))
		}
	default:
		var o binary.ByteOrder = binary.LittleEndian
		if b[0] == 0xa1 {
			o = binary.BigEndian
		}
		for off := 24; off < len(b); off += 16 + int(o.Uint32(b[off+8:])) {
			out = append(out, off)
		}
	}
	return append(out, len(b))
}

// checkCut reads b cut to c bytes and checks it against the full read: every
// complete packet identical, then io.EOF when the cut falls on a record
// boundary, or ErrTruncated naming the offset of the incomplete record.
func checkCut(t *testing.T, name string, b []byte, full []rec, ends []int64, bounds []int, c int) {
	t.Helper()
	// Odd cuts use the smallest read buffer, so that records larger than it
	// take the copying path.
	size := DefaultBufferSize
	if c%2 == 1 {
		size = minBufferSize
	}
	r, err := NewReaderSize(bytes.NewReader(b[:c]), size)
	var recs []rec
	if err == nil {
		recs, err = readAll(r)
	}
	// The in-place (memory-mapped) path must agree exactly: same packets,
	// same error message and offset, same counters.
	checkSamePaths(t, fmt.Sprintf("%s cut at %d", name, c), b[:c], r, recs, err)
	// expected packets: those ending at or before the cut
	want := 0
	for want < len(ends) && ends[want] <= int64(c) {
		want++
	}
	if len(recs) != want {
		t.Fatalf("%s cut at %d: %d packets, want %d (err %v)", name, c, len(recs), want, err)
	}
	for i := range recs {
		if !equalRec(recs[i], full[i]) {
			t.Fatalf("%s cut at %d: packet %d differs", name, c, i)
		}
	}
	// the record the cut falls in
	start, onBoundary := 0, false
	for _, bd := range bounds {
		if bd == c {
			onBoundary = true
		}
		if bd <= c {
			start = bd
		}
	}
	if c == 0 {
		if !errors.Is(err, ErrFormat) {
			t.Fatalf("%s: empty input: %v", name, err)
		}
		return
	}
	if onBoundary && c >= bounds[0] {
		if err != nil {
			t.Fatalf("%s cut at boundary %d: %v", name, c, err)
		}
		return
	}
	var oe *OffsetError
	if !errors.Is(err, ErrTruncated) || !errors.As(err, &oe) {
		t.Fatalf("%s cut at %d: got %v, want ErrTruncated", name, c, err)
	}
	if c < bounds[0] {
		start = 0 // inside the file header
	}
	if oe.Offset != int64(start) {
		t.Fatalf("%s cut at %d: error offset %d, want %d (%v)", name, c, oe.Offset, start, err)
	}
}

func equalRec(a, b rec) bool {
	return bytes.Equal(a.data, b.data) && a.ts == b.ts && a.capLen == b.capLen &&
		a.origLen == b.origLen && a.link == b.link && a.iface == b.iface
}

// fullRead returns all packets of b and the offset at which each ends.
func fullRead(t *testing.T, b []byte) ([]rec, []int64) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var recs []rec
	var ends []int64
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, own(p))
		ends = append(ends, r.Offset())
	}
	if r.Offset() != int64(len(b)) {
		t.Fatalf("consumed %d of %d bytes", r.Offset(), len(b))
	}
	return recs, ends
}

// TestTruncationEveryOffset cuts small captures at every offset.
func TestTruncationEveryOffset(t *testing.T) {
	root := corpusDir(t)
	for _, rel := range []string{
		"community-id-spec/pcaps/tcp.pcap",                        // pcap LE usec
		"suricata-verify/tests/nfs3-01/input.pcap",                // pcap BE
		"tcpdump/tests/tcp-handshake-nano.pcap",                   // pcap nsec
		"gopacket/pcapgo/tests/le/test202.pcapng",                 // 3 sections, LE->BE
		"gopacket/pcapgo/tests/be/test202.pcapng",                 // BE->LE
		"gopacket/pcapgo/tests/epb.pcapng",                        // nsec
		"pcapng-test-generator/output_le/advanced/test102.pcapng", // all block types
	} {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 64<<10 {
			b = b[:cutToBoundary(t, b, 64<<10)]
		}
		full, ends := fullRead(t, b)
		bounds := boundaries(t, b)
		step := 1
		if testing.Short() && len(b) > 4096 {
			step = 7
		}
		for c := 0; c < len(b); c += step {
			checkCut(t, rel, b, full, ends, bounds, c)
		}
	}
}

// cutToBoundary returns the largest record boundary <= n.
func cutToBoundary(t *testing.T, b []byte, n int) int {
	best := 0
	for _, bd := range boundaries(t, b) {
		if bd <= n {
			best = bd
		}
	}
	return best
}

// TestTruncationSampled cuts larger captures at random offsets.
func TestTruncationSampled(t *testing.T) {
	root := corpusDir(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, rel := range []string{
		"zeek/testing/btest/Traces/pcapng-multi-interface.pcapng",
		"gopacket/pcapgo/tests/le/test301.pcapng",
		"zeek/testing/btest/Traces/http/get.pcap",
		"zeek/testing/btest/Traces/ldap/gap-data-missing.pcapng",
	} {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		full, ends := fullRead(t, b)
		bounds := boundaries(t, b)
		for range 40 {
			checkCut(t, rel, b, full, ends, bounds, rng.IntN(len(b)))
		}
		for _, bd := range bounds[:min(len(bounds), 20)] {
			checkCut(t, rel, b, full, ends, bounds, bd)
		}
	}
}

// TestTruncatedGzip cuts a gzip-compressed capture: the packets decompressed
// before the cut come out, then ErrTruncated.
func TestTruncatedGzip(t *testing.T) {
	root := corpusDir(t)
	gz, err := os.ReadFile(filepath.Join(root, "zeek/testing/btest/Traces/http/iso-download.pcap.gz"))
	if err != nil {
		gz, err = os.ReadFile(filepath.Join(root, "community-id-spec/pcaps/combined.pcap.gz"))
		if err != nil {
			t.Fatal(err)
		}
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	full, _ := fullRead(t, plain)
	for _, c := range []int{len(gz) / 3, len(gz) / 2, len(gz) - 9, len(gz) - 1} {
		r, err := NewReader(bytes.NewReader(gz[:c]))
		if err != nil {
			if !errors.Is(err, ErrTruncated) {
				t.Errorf("cut %d: open: %v", c, err)
			}
			continue
		}
		recs, err := readAll(r)
		if !errors.Is(err, ErrTruncated) {
			t.Errorf("cut %d of %d: got %v, want ErrTruncated", c, len(gz), err)
		}
		for i := range recs {
			if !equalRec(recs[i], full[i]) {
				t.Fatalf("cut %d: packet %d differs", c, i)
			}
		}
		if c > len(gz)/2 && len(recs) == 0 {
			t.Errorf("cut %d: no packets before the cut", c)
		}
	}
}

// TestErrorMessage checks the message format and errors.As.
func TestErrorMessage(t *testing.T) {
	b := synthPcap(3)
	_, _, err := readAllBytes(b[:len(b)-1])
	var oe *OffsetError
	if !errors.As(err, &oe) || !errors.Is(err, ErrTruncated) {
		t.Fatalf("got %v", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "reader: capture truncated at byte offset ") || !strings.Contains(msg, "needs") {
		t.Errorf("message %q", msg)
	}
	_, _, err = readAllBytes(b[:24+16*1+60+7])
	if err == nil || !strings.Contains(err.Error(), "record header needs 16 bytes, 7 left") {
		t.Errorf("message %q", err)
	}
}

// TestHugeLengths: a 4 GiB length field is ErrTooLarge and nothing near its
// size is allocated; lengths under the cap on a short file cost only what is
// really there.
func TestHugeLengths(t *testing.T) {
	pcap := synthPcap(1)
	binary.LittleEndian.PutUint32(pcap[24+8:], 0xffffffff) // caplen
	ngEPBHuge := append(ngSHB(), ngIDB(1, 0, 0, 0)...)
	epb := ngEPB(0, 1, make([]byte, 60), 60)
	binary.LittleEndian.PutUint32(epb[4:], 0xfffffffc)
	ngEPBHuge = append(ngEPBHuge, epb...)
	ngCapHuge := append(ngSHB(), ngIDB(1, 0, 0, 0)...)
	epb = ngEPB(0, 1, make([]byte, 60), 60)
	binary.LittleEndian.PutUint32(epb[20:], 0xffffffff)
	ngCapHuge = append(ngCapHuge, epb...)
	ngNRBHuge := append(ngSHB(), ngIDB(1, 0, 0, 0)...)
	nrb := ngBlock(blockNRB, make([]byte, 16))
	binary.LittleEndian.PutUint32(nrb[4:], 200<<20) // under the block cap: skipped by streaming
	ngNRBHuge = append(ngNRBHuge, nrb...)
	ngIDBBig := append(ngSHB(), ngIDB(1, 0, 0, 0)...)
	idb := ngIDB(1, 0, 0, 0)
	binary.LittleEndian.PutUint32(idb[4:], 100<<20) // parsed block: grows as bytes arrive
	ngIDBBig = append(ngIDBBig, idb...)
	pcapBig := synthPcap(1)
	binary.LittleEndian.PutUint32(pcapBig[24+8:], 15<<20) // under the packet cap

	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"pcap caplen 4GiB", pcap, ErrTooLarge},
		{"pcapng EPB length 4GiB", ngEPBHuge, ErrTooLarge},
		{"pcapng EPB caplen 4GiB", ngCapHuge, ErrTooLarge},
		{"pcapng NRB 200MiB", ngNRBHuge, ErrTruncated},
		{"pcapng IDB 100MiB", ngIDBBig, ErrTruncated},
		{"pcap caplen 15MiB", pcapBig, ErrTruncated},
	}
	for _, c := range cases {
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		_, _, err := readAllBytes(c.b)
		runtime.ReadMemStats(&ms1)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
		if d := ms1.TotalAlloc - ms0.TotalAlloc; d > 2<<20 {
			t.Errorf("%s: allocated %d bytes", c.name, d)
		}
	}
}

// TestCorruptBlocks: structural problems of pcapng blocks are ErrCorrupt
// with the block offset.
func TestCorruptBlocks(t *testing.T) {
	head := append(ngSHB(), ngIDB(1, 0, 0, 0)...)
	good := ngEPB(0, 1, make([]byte, 60), 60)
	mk := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return append(bytes.Clone(head), append(bytes.Clone(good), b...)...)
	}
	cases := map[string][]byte{
		"length not multiple of 4": mk(func(b []byte) { binary.LittleEndian.PutUint32(b[4:], 94) }),
		"length below minimum":     mk(func(b []byte) { binary.LittleEndian.PutUint32(b[4:], 8) }),
		"trailing length differs":  mk(func(b []byte) { binary.LittleEndian.PutUint32(b[len(b)-4:], 4) }),
		"caplen beyond block":      mk(func(b []byte) { binary.LittleEndian.PutUint32(b[20:], 64) }),
		"unknown interface":        mk(func(b []byte) { binary.LittleEndian.PutUint32(b[8:], 3) }),
	}
	for name, b := range cases {
		r, recs, err := readAllBytes(b)
		var oe *OffsetError
		if !errors.Is(err, ErrCorrupt) || !errors.As(err, &oe) {
			t.Errorf("%s: got %v", name, err)
			continue
		}
		if len(recs) != 1 || oe.Offset != int64(len(head)+len(good)) {
			t.Errorf("%s: %d packets, offset %d, want 1, %d", name, len(recs), oe.Offset, len(head)+len(good))
		}
		// sticky
		if _, err2 := r.Next(); err2 != err {
			t.Errorf("%s: error not sticky: %v", name, err2)
		}
	}
}
