package reader

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// writePcap writes a pcap whose packets have the given timestamps (seconds)
// and carry tag as their first byte.
func writePcap(t *testing.T, path string, tag byte, secs ...uint32) {
	t.Helper()
	b := synthPcap(0)
	for _, s := range secs {
		rh := make([]byte, 16)
		binary.LittleEndian.PutUint32(rh[0:], s)
		binary.LittleEndian.PutUint32(rh[8:], 60)
		binary.LittleEndian.PutUint32(rh[12:], 60)
		b = append(b, rh...)
		d := make([]byte, 60)
		d[0] = tag
		b = append(b, d...)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMultiSourceMerge(t *testing.T) {
	dir := t.TempDir()
	writePcap(t, filepath.Join(dir, "a.pcap"), 'a', 1, 4, 7, 10)
	writePcap(t, filepath.Join(dir, "b.pcap"), 'b', 2, 4, 8)
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	// a pcapng in a subdirectory
	ng := append(ngSHB(), ngIDB(1, 0, 0, 0)...)
	for _, s := range []uint64{3, 9} {
		d := make([]byte, 60)
		d[0] = 'c'
		ng = append(ng, ngEPB(0, s*1e6, d, 60)...)
	}
	os.WriteFile(filepath.Join(sub, "c.pcapng"), ng, 0o644)
	os.WriteFile(filepath.Join(dir, "README.txt"), []byte("not a capture\n"), 0o644)
	// truncated capture: its complete packets still count
	writePcap(t, filepath.Join(dir, "d.pcap"), 'd', 5, 6)
	db, _ := os.ReadFile(filepath.Join(dir, "d.pcap"))
	os.WriteFile(filepath.Join(dir, "d.pcap"), db[:len(db)-10], 0o644)

	m, err := OpenMulti([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var got []string
	for {
		p, err := m.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		tag := string(p.Data[:1])
		if want := filepath.Base(m.CurrentPath())[:1]; tag != want {
			t.Errorf("packet %s from %s", tag, m.CurrentPath())
		}
		got = append(got, tag+string('0'+byte(p.Timestamp/1e9)))
	}
	want := []string{"a1", "b2", "c3", "a4", "b4", "d5", "a7", "b8", "c9", "a:"}
	if !slices.Equal(got, want) {
		t.Errorf("merge order %v, want %v", got, want)
	}
	w := m.Warnings()
	if len(w) != 2 {
		t.Fatalf("warnings %v", w)
	}
	var fe *FileError
	if !errors.As(w[0], &fe) || filepath.Base(fe.Path) != "README.txt" || !errors.Is(w[0], ErrFormat) {
		t.Errorf("warning 0: %v", w[0])
	}
	if !errors.As(w[1], &fe) || filepath.Base(fe.Path) != "d.pcap" || !errors.Is(w[1], ErrTruncated) {
		t.Errorf("warning 1: %v", w[1])
	}
	if len(m.Paths()) != 5 {
		t.Errorf("paths %v", m.Paths())
	}
}

func TestMultiSourceGlobAndErrors(t *testing.T) {
	dir := t.TempDir()
	writePcap(t, filepath.Join(dir, "x1.pcap"), 'x', 1)
	writePcap(t, filepath.Join(dir, "x2.pcap"), 'x', 2)
	m, err := OpenMulti([]string{filepath.Join(dir, "x*.pcap"), filepath.Join(dir, "x1.pcap")})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(m)
	if err != nil || len(recs) != 2 || len(m.Paths()) != 2 {
		t.Errorf("%d packets, paths %v, err %v", len(recs), m.Paths(), err)
	}
	m.Close()
	if _, err := OpenMulti([]string{filepath.Join(dir, "nope*.pcap")}); err == nil {
		t.Error("glob matching nothing accepted")
	}
	if _, err := OpenMulti([]string{filepath.Join(dir, "missing.pcap")}); err == nil {
		t.Error("missing file accepted")
	}
	os.WriteFile(filepath.Join(dir, "junk"), []byte("junk"), 0o644)
	if _, err := OpenMulti([]string{filepath.Join(dir, "junk")}); !errors.Is(err, ErrFormat) {
		t.Errorf("no capture at all: %v", err)
	}
}

func TestMultiSourceAllocs(t *testing.T) {
	dir := t.TempDir()
	for i, name := range []string{"a.pcap", "b.pcap", "c.pcap"} {
		b := synthPcap(3000)
		// shift timestamps so the files interleave
		for off := 24; off < len(b); off += 16 + int(binary.LittleEndian.Uint32(b[off+8:])) {
			binary.LittleEndian.PutUint32(b[off+4:], binary.LittleEndian.Uint32(b[off+4:])+uint32(i))
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	m, err := OpenMulti([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for range 100 {
		m.Next()
	}
	a := testing.AllocsPerRun(5000, func() {
		if _, err := m.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if a != 0 {
		t.Errorf("%v allocs per Next", a)
	}
	// ordering holds across the whole merge
	last := int64(-1 << 63)
	for {
		p, err := m.Next()
		if err != nil {
			break
		}
		if p.Timestamp < last {
			t.Fatal("out of order")
		}
		last = p.Timestamp
	}
}

// TestMultiSourceCorpusDir merges a corpus directory that mixes captures
// with other files (Zeek's tunnels traces) and checks that every packet of
// every file comes out, in order.
func TestMultiSourceCorpusDir(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "zeek", "testing", "btest", "Traces", "tunnels")
	m, err := OpenMulti([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	perFile := map[string]int{}
	last := int64(-1 << 63)
	outOfOrderInput := 0
	n := 0
	for {
		p, err := m.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.Timestamp < last {
			outOfOrderInput++ // only possible when a file itself goes back in time
		}
		last = p.Timestamp
		perFile[m.CurrentPath()]++
		n++
	}
	total := 0
	for _, path := range m.Paths() {
		r, err := Open(path)
		if err != nil {
			continue
		}
		recs, _ := readAll(r)
		r.Close()
		if perFile[path] != len(recs) {
			t.Errorf("%s: %d packets merged, %d alone", path, perFile[path], len(recs))
		}
		total += len(recs)
	}
	if n != total || n == 0 {
		t.Errorf("merged %d packets, files hold %d", n, total)
	}
	t.Logf("%d files, %d packets, warnings %v, %d backwards steps from files not in time order", len(m.Paths()), n, m.Warnings(), outOfOrderInput)
}

// TestUnknownLinkTypes: link types the decoder does not know are read like
// any other (the decoder reports them, not the reader).
func TestUnknownLinkTypes(t *testing.T) {
	b := synthPcap(3)
	binary.LittleEndian.PutUint32(b[20:], 0x0400_0000|2<<28|0xfe01) // FCS bits set, DLT 65025
	r, recs, err := readAllBytes(b)
	if err != nil || len(recs) != 3 || r.LinkType() != 0xfe01 || recs[0].link != 0xfe01 || r.FCSLength() != 4 {
		t.Errorf("pcap: %d packets, link %d, fcs %d, err %v", len(recs), r.LinkType(), r.FCSLength(), err)
	}
	ng := append(ngSHB(), ngIDB(1, 0, 0, 0)...)
	ng = append(ng, ngIDB(284, 0, 0, 0)...)
	ng = append(ng, ngEPB(1, 5, make([]byte, 20), 20)...)
	r, recs, err = readAllBytes(ng)
	if err != nil || len(recs) != 1 || recs[0].link != 284 || recs[0].iface != 1 || r.LinkType() != LinkEthernet {
		t.Errorf("pcapng: %+v err %v", recs, err)
	}
	root := corpusDir(t)
	for _, rel := range []string{"tcpdump/tests/dsa.pcap", "tcpdump/tests/brcm-tag.pcap", "tcpdump/tests/unsupported-link-type-dbus.pcap"} {
		r, err := Open(filepath.Join(root, rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		recs, err := readAll(r)
		r.Close()
		if err != nil || len(recs) == 0 {
			t.Errorf("%s: %d packets, %v", rel, len(recs), err)
		}
	}
}

// TestTimestampResolutions checks pcapng timestamp conversion exactly,
// including binary resolutions that do not divide a second into whole
// nanoseconds and if_tsoffset.
func TestTimestampResolutions(t *testing.T) {
	cases := []struct {
		resol  byte
		offset int64
		ts     uint64
		want   int64
	}{
		{0, 0, 1_600_000_000_123_456, 1_600_000_000_123_456_000}, // default usec
		{6, 0, 1_600_000_000_123_456, 1_600_000_000_123_456_000},
		{9, 0, 1_600_000_000_123_456_789, 1_600_000_000_123_456_789},
		{3, 0, 1_600_000_000_123, 1_600_000_000_123_000_000},
		{12, 0, 1_600_000_123_456_789_999, 1_600_000_123_456_789}, // picoseconds: floor
		{0x88, 0, 0x5a8c0dc032, 1519128000_195312500},             // 2^-8 (test902)
		{0x80 | 30, 0, 1<<30 + 1, 1_000_000_000},                  // 2^-30: 1 s + 0.93 ns, floored
		{0x80 | 40, 0, 3<<40 + 1<<39, 3_500_000_000},
		{6, 1000, 5_000_001, 1005_000_001_000}, // if_tsoffset in seconds
		{6, -10, 20_000_000, 10_000_000_000},
	}
	for _, c := range cases {
		b := append(ngSHB(), ngIDB(1, 0, c.resol, c.offset)...)
		b = append(b, ngEPB(0, c.ts, make([]byte, 4), 4)...)
		_, recs, err := readAllBytes(b)
		if err != nil || len(recs) != 1 {
			t.Fatalf("resol %#x: %v", c.resol, err)
		}
		if recs[0].ts != c.want {
			t.Errorf("resol %#x offset %d ts %d: got %d, want %d", c.resol, c.offset, c.ts, recs[0].ts, c.want)
		}
	}
	// unsupported resolution: corrupt, not a panic or a wrong time
	b := append(ngSHB(), ngIDB(1, 0, 0x80|64, 0)...)
	if _, _, err := readAllBytes(b); !errors.Is(err, ErrCorrupt) {
		t.Errorf("2^-64: %v", err)
	}
}

// TestStdinLikeAndSmallInputs covers NewReader on tiny inputs.
func TestSmallInputs(t *testing.T) {
	for _, b := range [][]byte{nil, {0xd4}, {0xd4, 0xc3, 0xb2}, []byte("GET / HTTP/1.1\r\n"), {0x1f, 0x8b}, {0x28, 0xb5, 0x2f, 0xfd}} {
		_, err := NewReader(bytes.NewReader(b))
		var oe *OffsetError
		if err == nil || !errors.As(err, &oe) {
			t.Errorf("%q: %v", b, err)
		}
	}
}

// TestMultiNextInto: NextInto reads the same packets, warnings and end as
// Next, for one file (whole and truncated) and for several merged.
func TestMultiNextInto(t *testing.T) {
	dir := t.TempDir()
	b := synthPcap(3000)
	one := writeTemp(t, "one.pcap", b)
	cut := writeTemp(t, "cut.pcap", b[:len(b)-100])
	writePcap(t, filepath.Join(dir, "a.pcap"), 'a', 1, 4, 7, 10)
	writePcap(t, filepath.Join(dir, "b.pcap"), 'b', 2, 4, 8)
	for _, paths := range [][]string{{one}, {cut}, {dir}, {one, cut}} {
		m, err := OpenMulti(paths)
		if err != nil {
			t.Fatal(err)
		}
		want, werr := readAll(m)
		ww := fmt.Sprint(m.Warnings())
		m.Close()
		m, err = OpenMulti(paths)
		if err != nil {
			t.Fatal(err)
		}
		var got []rec
		var p Packet
		for {
			if err = m.NextInto(&p); err != nil {
				break
			}
			got = append(got, own(p))
		}
		if err == io.EOF {
			err = nil
		}
		if err != werr || len(got) != len(want) || fmt.Sprint(m.Warnings()) != ww {
			t.Fatalf("%v: NextInto %d packets (%v, warnings %v), Next %d (%v, %s)", paths, len(got), err, m.Warnings(), len(want), werr, ww)
		}
		for i := range want {
			if !equalRec(got[i], want[i]) {
				t.Fatalf("%v: packet %d differs", paths, i)
			}
		}
		m.Close()
	}
}
