package reader

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func zstdBytes(t testing.TB, b []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// loopReader replays a capture body forever (after its file header), so
// that AllocsPerRun can call Next any number of times.
type loopReader struct {
	b    []byte
	head int
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	if l.off == len(l.b) {
		l.off = l.head
	}
	n := copy(p, l.b[l.off:])
	l.off += n
	return n, nil
}

// allocsPerNext warms the reader up and measures allocations per Next.
func allocsPerNext(t *testing.T, r *Reader) float64 {
	t.Helper()
	for range 2000 {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	return testing.AllocsPerRun(5000, func() {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAllocsPcap(t *testing.T) {
	b := synthPcap(1000)
	r, err := NewReader(&loopReader{b: b, head: 24})
	if err != nil {
		t.Fatal(err)
	}
	if a := allocsPerNext(t, r); a != 0 {
		t.Errorf("pcap: %v allocs per Next", a)
	}
}

func TestAllocsPcapNG(t *testing.T) {
	b := synthPcapNG(1000)
	head := len(ngSHB()) + len(ngIDB(1, 0, 0, 0))
	r, err := NewReader(&loopReader{b: b, head: head})
	if err != nil {
		t.Fatal(err)
	}
	if a := allocsPerNext(t, r); a != 0 {
		t.Errorf("pcapng: %v allocs per Next", a)
	}
}

// TestAllocsLargeRecords: records bigger than the read buffer are copied
// into a reused buffer, still without allocating per packet.
func TestAllocsLargeRecords(t *testing.T) {
	big := synthJumboPcap(200, 9000) // 9000-byte records, 4 KiB read buffer
	r, err := NewReaderSize(&loopReader{b: big, head: 24}, minBufferSize)
	if err != nil {
		t.Fatal(err)
	}
	if a := allocsPerNext(t, r); a != 0 {
		t.Errorf("jumbo pcap: %v allocs per Next", a)
	}
}

// TestAllocsCompressed measures gzip and zstd on whole (finite) captures.
// The reader itself allocates nothing per packet; the deflate decoder
// allocates when it builds the Huffman tables of each dynamic block (about
// one allocation per 100 packets of 800 bytes), zstd only at set-up.
func TestAllocsCompressed(t *testing.T) {
	plain := synthPcap(20000)
	for _, c := range []struct {
		name string
		b    []byte
	}{{"gzip", gzipBytes(t, plain)}, {"zstd", zstdBytes(t, plain)}} {
		var n int
		a := testing.AllocsPerRun(3, func() {
			r, err := NewReader(bytes.NewReader(c.b))
			if err != nil {
				t.Fatal(err)
			}
			n = 0
			for {
				_, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			r.Close()
		})
		perPacket := a / float64(n)
		t.Logf("%s: %.0f allocs per capture of %d packets (%.4f per packet)", c.name, a, n, perPacket)
		if perPacket > 0.05 {
			t.Errorf("%s: %.4f allocs per packet", c.name, perPacket)
		}
	}
}

func synthJumboPcap(n, size int) []byte {
	b := synthPcap(0)
	rh := make([]byte, 16)
	payload := bytes.Repeat([]byte{0xab}, size)
	for i := range n {
		s := size - i%100
		le32(rh[0:], uint32(i))
		le32(rh[4:], 0)
		le32(rh[8:], uint32(s))
		le32(rh[12:], uint32(s))
		b = append(b, rh...)
		b = append(b, payload[:s]...)
	}
	return b
}

func le32(b []byte, v uint32) { b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24) }

// TestCompressedEqualsPlain: gzip and zstd wrappings of corpus captures give
// the same packets as the plain files (zstd is made here; the corpus has
// none).
func TestCompressedEqualsPlain(t *testing.T) {
	root := corpusDir(t)
	for _, rel := range []string{
		"zeek/testing/btest/Traces/pcapng-multi-interface.pcapng",
		"zeek/testing/btest/Traces/http/get.pcap",
		"gopacket/pcapgo/tests/be/test202.pcapng",
	} {
		plain, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		_, want, err := readAllBytes(plain)
		if err != nil {
			t.Fatal(err)
		}
		for _, comp := range []Compression{CompressionGzip, CompressionZstd} {
			var b []byte
			if comp == CompressionGzip {
				b = gzipBytes(t, plain)
			} else {
				b = zstdBytes(t, plain)
			}
			r, got, err := readAllBytes(b)
			if err != nil {
				t.Fatalf("%s %v: %v", rel, comp, err)
			}
			if r.Compression() != comp || len(got) != len(want) {
				t.Fatalf("%s %v: compression %v, %d packets want %d", rel, comp, r.Compression(), len(got), len(want))
			}
			for i := range got {
				if !equalRec(got[i], want[i]) {
					t.Fatalf("%s %v: packet %d differs", rel, comp, i)
				}
			}
			if r.Offset() != int64(len(plain)) {
				t.Errorf("%s %v: offset %d, want %d", rel, comp, r.Offset(), len(plain))
			}
		}
	}
}
