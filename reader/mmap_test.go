package reader

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"unsafe"
)

// checkSamePaths reads b with the in-place path (the one Open uses for a
// mapped file) and checks it against the result of the stream path: r (nil
// if the header failed), its packets recs and its final error err (io.EOF
// at a clean end). Compressed inputs are skipped: they are never mapped.
func checkSamePaths(t testing.TB, name string, b []byte, r *Reader, recs []rec, err error) {
	t.Helper()
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b ||
		len(b) >= 4 && binary.LittleEndian.Uint32(b) == 0xfd2fb528 {
		return
	}
	m, merr := newMapped(b, false, dropWindow)
	if r == nil {
		if merr == nil || err == nil || merr.Error() != err.Error() {
			t.Fatalf("%s: header: mapped %v, stream %v", name, merr, err)
		}
		return
	}
	if merr != nil {
		t.Fatalf("%s: mapped header failed: %v (stream read it)", name, merr)
	}
	var mrecs []rec
	for {
		p, e := m.Next()
		if e != nil {
			merr = e
			break
		}
		mrecs = append(mrecs, own(p))
	}
	if len(mrecs) != len(recs) {
		t.Fatalf("%s: mapped %d packets, stream %d (mapped %v, stream %v)", name, len(mrecs), len(recs), merr, err)
	}
	for i := range recs {
		if !equalRec(mrecs[i], recs[i]) {
			t.Fatalf("%s: packet %d differs between the mapped and stream paths", name, i)
		}
	}
	if err == nil {
		err = io.EOF
	}
	if merr.Error() != err.Error() {
		t.Fatalf("%s: mapped error %v, stream %v", name, merr, err)
	}
	if m.Stats() != r.Stats() {
		t.Fatalf("%s: stats differ: mapped %+v, stream %+v", name, m.Stats(), r.Stats())
	}
	if merr == io.EOF && m.Offset() != r.Offset() {
		t.Fatalf("%s: offset at EOF: mapped %d, stream %d", name, m.Offset(), r.Offset())
	}
	m.Close()

	// NextInto, the engine's way of reading, gives the same.
	m, _ = newMapped(b, false, dropWindow)
	var p Packet
	var n int
	for {
		e := m.NextInto(&p)
		if e != nil {
			merr = e
			break
		}
		if n >= len(recs) || !equalRec(own(p), recs[n]) {
			t.Fatalf("%s: NextInto: packet %d differs from the stream path's", name, n)
		}
		n++
	}
	if n != len(recs) || merr.Error() != err.Error() || m.Stats() != r.Stats() {
		t.Fatalf("%s: NextInto: %d packets, error %v, stats %+v; stream %d, %v, %+v", name, n, merr, m.Stats(), len(recs), err, r.Stats())
	}
	m.Close()
}

func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOpenMapsPlainFiles: Open maps uncompressed regular files (on Linux)
// and reads compressed ones as streams; either way the packets are those of
// OpenStream and of NewReader.
func TestOpenMapsPlainFiles(t *testing.T) {
	jumbo := synthJumboPcap(50, 9000)
	cases := []struct {
		name   string
		b      []byte
		mapped bool
	}{
		{"pcap", synthPcap(3000), true},
		{"pcapng", synthPcapNG(3000), true},
		{"jumbo", jumbo, true},
		{"gzip", gzipBytes(t, synthPcap(500)), false},
		{"zstd", zstdBytes(t, synthPcapNG(500)), false},
	}
	for _, c := range cases {
		path := writeTemp(t, c.name, c.b)
		want, err := readAllPath(t, path, OpenStream)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.mm != nil; got != (c.mapped && runtime.GOOS == "linux") {
			t.Errorf("%s: mapped = %v", c.name, got)
		}
		got, err := readAll(r)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if r.Offset() != int64(len(c.b)) && c.mapped {
			t.Errorf("%s: offset %d, want %d", c.name, r.Offset(), len(c.b))
		}
		if len(got) != len(want) || len(got) == 0 {
			t.Fatalf("%s: %d packets, stream %d", c.name, len(got), len(want))
		}
		for i := range got {
			if !equalRec(got[i], want[i]) {
				t.Fatalf("%s: packet %d differs", c.name, i)
			}
		}
		if err := r.Close(); err != nil {
			t.Error(err)
		}
		if r.mm != nil {
			t.Errorf("%s: mapping kept after Close", c.name)
		}
		if p, err := r.Next(); err == nil || p.Data != nil {
			t.Errorf("%s: Next after Close: %v", c.name, err)
		}
	}
}

func readAllPath(t testing.TB, path string, open func(string) (*Reader, error)) ([]rec, error) {
	t.Helper()
	r, err := open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readAll(r)
}

// TestOpenMappedErrors: header problems and truncation of a mapped file are
// reported as for a stream, with the path.
func TestOpenMappedErrors(t *testing.T) {
	b := synthPcap(10)
	for _, c := range []struct {
		name string
		b    []byte
		open error
		next error
	}{
		{"bad magic", []byte("not a capture at all"), ErrFormat, nil},
		{"short header", b[:20], ErrTruncated, nil},
		{"truncated record", b[:len(b)-3], nil, ErrTruncated},
	} {
		path := writeTemp(t, "x.pcap", c.b)
		r, err := Open(path)
		var fe *FileError
		if c.open != nil {
			if !errors.Is(err, c.open) || !errors.As(err, &fe) || fe.Path != path {
				t.Errorf("%s: Open: %v", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		recs, err := readAll(r)
		if !errors.Is(err, c.next) || len(recs) != 9 {
			t.Errorf("%s: %d packets, %v", c.name, len(recs), err)
		}
		r.Close()
	}
	// An empty file is not mapped (mmap refuses length 0) and is ErrFormat.
	if _, err := Open(writeTemp(t, "empty.pcap", nil)); !errors.Is(err, ErrFormat) {
		t.Errorf("empty: %v", err)
	}
}

// TestAllocsMapped: Next on a mapped file allocates nothing.
func TestAllocsMapped(t *testing.T) {
	for _, c := range []struct {
		name string
		b    []byte
	}{{"pcap", synthPcap(20000)}, {"pcapng", synthPcapNG(20000)}} {
		r, err := Open(writeTemp(t, c.name, c.b))
		if err != nil {
			t.Fatal(err)
		}
		if a := allocsPerNext(t, r); a != 0 {
			t.Errorf("%s mapped: %v allocs per Next", c.name, a)
		}
		r.Close()
	}
}

// TestMappedReleasesPages reads a 40 MB file and checks, in
// /proc/self/pagemap, that the pages of the mapping behind the read
// position have left the resident set: what stays mapped is bounded by
// dropWindow + dropAlign plus the prefetch distance, not by the file size.
func TestMappedReleasesPages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("mapping is Linux-only")
	}
	b := synthPcap(52000) // ~40 MB
	path := writeTemp(t, "big.pcap", b)
	for _, opt := range []Options{{}, {MapOnlyReadAhead: true}} {
		t.Run(fmt.Sprintf("%+v", opt), func(t *testing.T) { testReleasesPages(t, path, b, opt) })
	}
}

func testReleasesPages(t *testing.T, path string, b []byte, opt Options) {
	r, err := OpenWith(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.mm == nil {
		t.Skip("file not mapped")
	}
	maxPresent := 0
	for n := 0; ; n++ {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n%5000 == 0 {
			p, ok := presentPages(t, r.mm)
			if !ok {
				t.Skip("/proc/self/pagemap not readable")
			}
			maxPresent = max(maxPresent, p)
			// Released pages must stay released: nothing maps them
			// again, except, for a moment, a read-ahead goroutine that
			// fell behind (it releases them itself; checked at the end).
			transient := 0
			if r.ah != nil {
				transient = (aheadStep + dropAlign) / os.Getpagesize()
				if r.ah.mapOnly { // the goroutine releases them, at its next step
					transient = (dropWindow + dropAlign + aheadStep) / os.Getpagesize()
				}
			}
			if p, _ := presentPages(t, r.mm[:r.mmDrop]); p > transient {
				t.Errorf("packet %d: %d released pages resident again", n, p)
			}
		}
	}
	limit := (dropWindow + dropAlign + prefetchDist + prefetchChunk) / os.Getpagesize()
	if r.ah != nil {
		<-r.ah.done // it stops at the end of the file
		limit += (aheadDist + aheadStep + dropAlign) / os.Getpagesize()
		if r.ah.mapOnly {
			limit += (dropWindow + aheadStep) / os.Getpagesize() // releases lag by up to a window
		}
		t.Logf("with the read-ahead goroutine")
	} else if useReadAhead(r.mm, dropWindow) {
		t.Errorf("no read-ahead goroutine")
	}
	if p, _ := presentPages(t, r.mm[:r.mmDrop]); p != 0 {
		t.Errorf("at the end: %d released pages resident again", p)
	}
	if r.mmDrop < len(b)-dropWindow-dropAlign {
		t.Errorf("released up to %d of %d bytes", r.mmDrop, len(b))
	}
	if maxPresent > limit {
		t.Errorf("%d pages of the mapping resident, want <= %d", maxPresent, limit)
	}
	t.Logf("at most %d pages (%d KiB) of the %d-byte mapping resident", maxPresent, maxPresent*os.Getpagesize()>>10, len(b))
}

// presentPages counts the pages of b present in the page table.
func presentPages(t *testing.T, b []byte) (int, bool) {
	f, err := os.Open("/proc/self/pagemap")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	ps := os.Getpagesize()
	base := uintptr(unsafePointer(b)) / uintptr(ps)
	np := (len(b) + ps - 1) / ps
	buf := make([]byte, 8*np)
	if n, err := f.ReadAt(buf, int64(base)*8); n != len(buf) {
		t.Logf("pagemap: %v", err)
		return 0, false
	}
	c := 0
	for i := 0; i < np; i++ {
		if binary.LittleEndian.Uint64(buf[8*i:])&(1<<63) != 0 {
			c++
		}
	}
	return c, true
}

// TestMultiMapped: a MultiSource maps each file and merges them exactly as
// when they are read as streams.
func TestMultiMapped(t *testing.T) {
	dir := t.TempDir()
	a, c := synthPcap(2000), synthPcapNG(1500)
	os.WriteFile(filepath.Join(dir, "a.pcap"), a, 0o644)
	os.WriteFile(filepath.Join(dir, "c.pcapng"), c, 0o644)
	m, err := OpenMulti([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, r := range m.Readers() {
		if (r.mm != nil) != (runtime.GOOS == "linux") {
			t.Errorf("reader not mapped")
		}
	}
	got, err := readAll(m)
	if err != nil {
		t.Fatal(err)
	}
	_, ra, _ := readAllBytes(a)
	_, rc, _ := readAllBytes(c)
	if len(got) != len(ra)+len(rc) {
		t.Fatalf("%d packets, want %d", len(got), len(ra)+len(rc))
	}
	var sum int
	for _, g := range got {
		sum += len(g.data)
	}
	var want int
	for _, x := range append(ra, rc...) {
		want += len(x.data)
	}
	if sum != want || !bytes.Equal(got[0].data, pick(ra, rc).data) {
		t.Errorf("merged bytes differ")
	}
}

// pick returns the first packet of the merge of a and c (lower timestamp,
// ties to the first file).
func pick(a, c []rec) rec {
	if c[0].ts < a[0].ts {
		return c[0]
	}
	return a[0]
}

func unsafePointer(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }
