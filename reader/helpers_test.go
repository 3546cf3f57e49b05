package reader

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir returns the shared real-world corpus (../shared/corpus from the
// repository root), skipping the test when it is absent.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root (go.mod) not found; corpus unavailable")
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpus")
	if st, err := os.Stat(c); err != nil || !st.IsDir() {
		t.Skipf("real-world corpus not found at %s; skipping", c)
	}
	return c
}

// rec is an owned copy of a Packet.
type rec struct {
	data    []byte
	ts      int64
	capLen  uint32
	origLen uint32
	link    LinkType
	iface   uint32
}

func own(p Packet) rec {
	return rec{data: bytes.Clone(p.Data), ts: p.Timestamp, capLen: p.CaptureLength,
		origLen: p.Length, link: p.LinkType, iface: p.Interface}
}

// readAll returns every packet of src and the error that ended it (nil for
// io.EOF).
func readAll(src Source) ([]rec, error) {
	var out []rec
	for {
		p, err := src.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if len(p.Data) != int(p.CaptureLength) {
			return out, errors.New("len(Data) != CaptureLength")
		}
		out = append(out, own(p))
	}
}

func readAllBytes(b []byte) (*Reader, []rec, error) {
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	recs, err := readAll(r)
	return r, recs, err
}

// readTSV reads a tab-separated file with a header line into maps.
func readTSV(t testing.TB, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var head []string
	var rows []map[string]string
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if head == nil {
			head = cols
			continue
		}
		m := map[string]string{}
		for i, h := range head {
			if i < len(cols) {
				m[h] = cols[i]
			}
		}
		rows = append(rows, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// synthPcap writes a classic pcap (LE, usec, Ethernet) with n packets whose
// sizes cycle between 60 and 1514 bytes.
func synthPcap(n int) []byte {
	var b bytes.Buffer
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 1)
	b.Write(hdr)
	payload := make([]byte, 1514)
	for i := range payload {
		payload[i] = byte(i)
	}
	rh := make([]byte, 16)
	for i := range n {
		size := 60 + (i*97)%(1514-60)
		binary.LittleEndian.PutUint32(rh[0:], uint32(1_600_000_000+i/1000))
		binary.LittleEndian.PutUint32(rh[4:], uint32(i%1000)*1000)
		binary.LittleEndian.PutUint32(rh[8:], uint32(size))
		binary.LittleEndian.PutUint32(rh[12:], uint32(size))
		b.Write(rh)
		b.Write(payload[:size])
	}
	return b.Bytes()
}

// ngBlock builds a little-endian pcapng block of type typ with body.
func ngBlock(typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	L := uint32(12 + len(body))
	b := binary.LittleEndian.AppendUint32(nil, typ)
	b = binary.LittleEndian.AppendUint32(b, L)
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, L)
}

func ngSHB() []byte {
	body := binary.LittleEndian.AppendUint32(nil, byteOrderMagic)
	body = binary.LittleEndian.AppendUint16(body, 1)
	body = binary.LittleEndian.AppendUint16(body, 0)
	body = binary.LittleEndian.AppendUint64(body, ^uint64(0))
	return ngBlock(blockSHB, body)
}

// ngIDB builds an IDB; tsresol 0 means no if_tsresol option.
func ngIDB(link uint16, snaplen uint32, tsresol byte, tsoffset int64) []byte {
	body := binary.LittleEndian.AppendUint16(nil, link)
	body = binary.LittleEndian.AppendUint16(body, 0)
	body = binary.LittleEndian.AppendUint32(body, snaplen)
	if tsresol != 0 {
		body = binary.LittleEndian.AppendUint16(body, optIfTsResol)
		body = binary.LittleEndian.AppendUint16(body, 1)
		body = append(body, tsresol, 0, 0, 0)
	}
	if tsoffset != 0 {
		body = binary.LittleEndian.AppendUint16(body, optIfTsOff)
		body = binary.LittleEndian.AppendUint16(body, 8)
		body = binary.LittleEndian.AppendUint64(body, uint64(tsoffset))
	}
	body = append(body, 0, 0, 0, 0)
	return ngBlock(blockIDB, body)
}

func ngEPB(iface uint32, ts uint64, data []byte, origLen uint32) []byte {
	body := binary.LittleEndian.AppendUint32(nil, iface)
	body = binary.LittleEndian.AppendUint32(body, uint32(ts>>32))
	body = binary.LittleEndian.AppendUint32(body, uint32(ts))
	body = binary.LittleEndian.AppendUint32(body, uint32(len(data)))
	body = binary.LittleEndian.AppendUint32(body, origLen)
	body = append(body, data...)
	return ngBlock(blockEPB, body)
}

// synthPcapNG writes a pcapng with one Ethernet interface (usec) and n packets.
func synthPcapNG(n int) []byte {
	b := append(ngSHB(), ngIDB(1, 0, 0, 0)...)
	payload := make([]byte, 1514)
	for i := range n {
		size := 60 + (i*97)%(1514-60)
		b = append(b, ngEPB(0, uint64(1_600_000_000_000_000+i), payload[:size], uint32(size))...)
	}
	return b
}
