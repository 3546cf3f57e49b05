package reader

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestPcapngTestGenerator checks block and packet counts against the .txt
// ground truth written by pcapng-test-generator (a Wireshark Lua plugin) for
// every test file, in both byte orders.
func TestPcapngTestGenerator(t *testing.T) {
	root := filepath.Join(corpusDir(t), "pcapng-test-generator")
	files, _ := filepath.Glob(filepath.Join(root, "output_*", "*", "test*.pcapng"))
	if len(files) < 40 {
		t.Fatalf("expected the le and be suites, found %d files", len(files))
	}
	for _, path := range files {
		want := parseBlockCounts(t, strings.TrimSuffix(path, ".pcapng")+".txt")
		r, err := Open(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		recs, err := readAll(r)
		r.Close()
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		s := r.Stats()
		got := map[string]uint64{"SHB": s.SHB, "IDB": s.IDB, "EPB": s.EPB, "SPB": s.SPB,
			"PB": s.PB, "NRB": s.NRB, "ISB": s.ISB, "DSB": s.DSB, "CB": s.CB, "DCB": s.DCB}
		for k := range want {
			if _, ok := got[k]; !ok {
				t.Errorf("%s: unknown block kind %q in ground truth", path, k)
			}
		}
		for k, v := range got {
			if want[k] != v {
				t.Errorf("%s: %s blocks = %d, want %d", path, k, v, want[k])
			}
		}
		if n := want["EPB"] + want["SPB"] + want["PB"]; uint64(len(recs)) != n {
			t.Errorf("%s: %d packets, want %d", path, len(recs), n)
		}
		if r.Sections() != int(want["SHB"]) || len(r.Interfaces()) != int(want["IDB"]) {
			t.Errorf("%s: %d sections %d interfaces, want %d %d", path, r.Sections(), len(r.Interfaces()), want["SHB"], want["IDB"])
		}
		if s.Unknown != 0 || s.SkippedBlocks != 0 {
			t.Errorf("%s: unexpected unknown/skipped blocks %+v", path, s)
		}
	}
}

// parseBlockCounts reads the "Block counts:" section of a generator .txt.
func parseBlockCounts(t *testing.T, path string) map[string]uint64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]uint64{}
	in := false
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, "Block counts:") {
			in = true
			continue
		}
		if in {
			if !strings.HasPrefix(line, "\t") {
				break
			}
			k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
			if !ok {
				t.Fatalf("%s: bad line %q", path, line)
			}
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			m[k] = n
		}
	}
	if m["SHB"] == 0 {
		t.Fatalf("%s: no block counts", path)
	}
	return m
}

// TestGopacketSuiteExpectations checks the extra gopacket files against the
// values gopacket's own tests (pcapgo/ngread_test.go) expect.
func TestGopacketSuiteExpectations(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "gopacket", "pcapgo", "tests")
	for _, bo := range []string{"le", "be"} {
		// test901: the middle section has version 2.0 and is skipped.
		r, err := Open(filepath.Join(dir, bo, "test901.pcapng"))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := readAll(r)
		if err != nil || len(recs) != 2 || r.Stats().SkippedSections != 1 || r.Sections() != 3 {
			t.Errorf("%s/test901: %d packets, err %v, stats %+v", bo, len(recs), err, r.Stats())
		}
		for _, p := range recs {
			if p.ts != 0x4c39764ca47aa*1000 {
				t.Errorf("%s/test901: ts %d", bo, p.ts)
			}
		}
		// test902: if_tsresol 0x88 (2^-8 s).
		r, err = Open(filepath.Join(dir, bo, "test902.pcapng"))
		if err != nil {
			t.Fatal(err)
		}
		recs, err = readAll(r)
		want := time.Unix(1519128000, 195312500).UnixNano()
		if err != nil || len(recs) != 1 || recs[0].ts != want || r.Interfaces()[0].TsResol != 0x88 {
			t.Errorf("%s/test902: %d packets err %v, ts %v want %v", bo, len(recs), err, recs, want)
		}
	}
	// test202 switches byte order between sections.
	for _, bo := range []string{"le", "be"} {
		r, err := Open(filepath.Join(dir, bo, "test202.pcapng"))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := readAll(r)
		if err != nil || len(recs) != 8 || r.Sections() != 3 || len(r.Interfaces()) != 5 {
			t.Errorf("%s/test202: %d packets, %d sections, err %v", bo, len(recs), r.Sections(), err)
		}
	}
}

// ourOpen and the pcapgo side of the differential test.
type goSrc interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// openGopacket opens path with pcapgo (pcap or pcapng by magic, gzip handled
// by pcapgo itself). ok is false when pcapgo cannot open it.
func openGopacket(path string) (src goSrc, ng bool, link layers.LinkType, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, 0, false
	}
	if pr, err := pcapgo.NewReader(bytes.NewReader(b)); err == nil {
		return pr, false, pr.LinkType(), true
	}
	nr, err := pcapgo.NewNgReader(bytes.NewReader(b), pcapgo.NgReaderOptions{
		WantMixedLinkType:  true, // deliver packets of every interface, with their link type
		SkipUnknownVersion: true, // as the pcapng specification asks (test901)
	})
	if err != nil {
		return nil, false, 0, false
	}
	return nr, true, 0, true
}

// TestDifferentialGopacket reads every capture of the corpus inventory
// (FORMATS.tsv) with our reader and with gopacket's pcapgo, and requires the
// same frames, timestamps (ns), lengths, link types and interfaces for every
// packet pcapgo returns. pcapgo is stricter on some records (captured length
// above the original length or the snap length): there only the packets
// before pcapgo's error are compared. Our reader must open every file pcapgo
// opens.
func TestDifferentialGopacket(t *testing.T) {
	root := corpusDir(t)
	rows := readTSV(t, filepath.Join(root, "FORMATS.tsv"))
	var files, packets, gopacketRefused, missing int
	for _, row := range rows {
		path := filepath.Join(root, row["path"])
		if _, err := os.Stat(path); err != nil {
			missing++
			continue
		}
		gsrc, ng, glink, ok := openGopacket(path)
		if !ok {
			gopacketRefused++
			continue
		}
		files++
		r, err := Open(path)
		if err != nil {
			t.Errorf("%s: pcapgo opens it, we do not: %v", row["path"], err)
			continue
		}
		if !ng && LinkType(glink) != r.LinkType() {
			t.Errorf("%s: link type %d, pcapgo %d", row["path"], r.LinkType(), glink)
		}
		for i := 0; ; i++ {
			gdata, ci, gerr := gsrc.ReadPacketData()
			before := r.Stats()
			p, err := r.Next()
			if gerr != nil {
				if gerr == io.EOF && err != io.EOF {
					t.Errorf("%s: packet %d: pcapgo ends cleanly, we return %v", row["path"], i, err)
				}
				if errors.Is(gerr, io.ErrUnexpectedEOF) && !errors.Is(err, ErrTruncated) {
					t.Errorf("%s: packet %d: pcapgo says truncated (%v), we return %v", row["path"], i, gerr, err)
				}
				break
			}
			if err != nil {
				t.Errorf("%s: packet %d: pcapgo reads it, we fail: %v", row["path"], i, err)
				break
			}
			packets++
			after := r.Stats()
			if !bytes.Equal(p.Data, gdata) || int(p.CaptureLength) != ci.CaptureLength || int(p.Length) != ci.Length {
				t.Errorf("%s: packet %d: data/lengths differ: ours %d/%d, pcapgo %d/%d", row["path"], i,
					p.CaptureLength, p.Length, ci.CaptureLength, ci.Length)
				break
			}
			switch {
			case after.NoTimestamp != before.NoTimestamp:
				// simple packet block: pcapgo gives the zero time, we carry the last one
			case after.BadSubsecond != before.BadSubsecond:
				// usec >= 1e6: pcapgo multiplies in 32 bits and wraps
			case p.Timestamp != ci.Timestamp.UnixNano():
				t.Errorf("%s: packet %d: ts %d, pcapgo %d", row["path"], i, p.Timestamp, ci.Timestamp.UnixNano())
			}
			if ng {
				if LinkType(ci.AncillaryData[0].(layers.LinkType)) != p.LinkType || int(p.Interface) != ci.InterfaceIndex {
					t.Errorf("%s: packet %d: link %d iface %d, pcapgo %v %d", row["path"], i, p.LinkType, p.Interface, ci.AncillaryData[0], ci.InterfaceIndex)
				}
			} else if p.LinkType != LinkType(glink) {
				t.Errorf("%s: packet %d: link %d, pcapgo %d", row["path"], i, p.LinkType, glink)
			}
		}
		r.Close()
	}
	t.Logf("compared %d files, %d packets; pcapgo refused %d files; %d listed files absent", files, packets, gopacketRefused, missing)
	if files < 1000 {
		t.Errorf("only %d files compared", files)
	}
}

// TestTsharkInventory compares packet counts, interface and section counts
// with tshark's (FORMATS.tsv, made with tshark 4.0). tshark counts pcapng
// custom blocks as records too.
func TestTsharkInventory(t *testing.T) {
	root := corpusDir(t)
	rows := readTSV(t, filepath.Join(root, "FORMATS.tsv"))
	checked, missing := 0, 0
	for _, row := range rows {
		if row["tshark_rc"] != "0" {
			continue
		}
		path := filepath.Join(root, row["path"])
		if _, err := os.Stat(path); err != nil {
			missing++
			continue
		}
		r, err := Open(path)
		if err != nil {
			t.Errorf("%s: tshark reads it, we do not: %v", row["path"], err)
			continue
		}
		recs, err := readAll(r)
		r.Close()
		if err != nil {
			t.Errorf("%s: %v", row["path"], err)
			continue
		}
		want, _ := strconv.Atoi(row["pkts"])
		got := len(recs)
		s := r.Stats()
		if row["format"] == "pcapng" {
			got += int(s.CB + s.DCB)
			if row["n_shb"] != strconv.Itoa(r.Sections()) {
				t.Errorf("%s: %d sections, tshark %s", row["path"], r.Sections(), row["n_shb"])
			}
		}
		if row["n_if"] != strconv.Itoa(len(r.Interfaces())) {
			t.Errorf("%s: %d interfaces, tshark %s", row["path"], len(r.Interfaces()), row["n_if"])
		}
		if got != want {
			t.Errorf("%s: %d packets, tshark %d", row["path"], got, want)
		}
		checked++
	}
	t.Logf("checked %d files against tshark (%d listed files absent)", checked, missing)
}

// TestBadInput reads every file of the tcpdump test suite (hundreds of
// fuzzer-made captures) and Zeek's truncation traces: no panic, and every
// failure is a typed error.
func TestBadInput(t *testing.T) {
	root := corpusDir(t)
	dirs := []string{filepath.Join(root, "tcpdump"), filepath.Join(root, "zeek", "testing", "btest", "Traces", "trunc")}
	n := 0
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(path string, de fs.DirEntry, err error) error {
			if err != nil || !de.Type().IsRegular() {
				return err
			}
			n++
			r, err := Open(path)
			if err != nil {
				var oe *OffsetError
				if !errors.As(err, &oe) {
					t.Errorf("%s: untyped open error %v", path, err)
				}
				return nil
			}
			_, err = readAll(r)
			r.Close()
			var oe *OffsetError
			if err != nil && !errors.As(err, &oe) {
				t.Errorf("%s: untyped error %v", path, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("read %d files", n)
}

// TestRepresentativeFormats checks the detection of formats and compression
// on the files FORMATS.md names as representative.
func TestRepresentativeFormats(t *testing.T) {
	root := corpusDir(t)
	cases := []struct {
		path   string
		format Format
		comp   Compression
		link   LinkType
	}{
		{"tcpdump/tests/tcp-handshake-nano.pcap", FormatPcapNano, CompressionNone, LinkLinuxSLL},
		{"zeek/testing/btest/Traces/vntag.pcap", FormatPcapNano, CompressionNone, LinkEthernet},
		{"suricata-verify/tests/nfs3-01/input.pcap", FormatPcap, CompressionNone, LinkEthernet},
		{"tcpdump/tests/pptp.pcap", FormatPcap, CompressionNone, LinkEthernet},
		{"community-id-spec/pcaps/combined.pcap.gz", FormatPcap, CompressionGzip, LinkEthernet},
		{"zeek/testing/btest/Traces/portmapper-many-unanswered-calls.pcapng.gz", FormatPcapNG, CompressionGzip, LinkEthernet},
		{"zeek/testing/btest/Traces/pcapng-multi-interface.pcapng", FormatPcapNG, CompressionNone, 0},
		{"zeek/testing/btest/Traces/linux_dlt_sll2.pcap", FormatPcap, CompressionNone, LinkLinuxSLL2},
		{"gopacket/pcap/test_loopback.pcap", FormatPcap, CompressionNone, LinkNull},
		{"tcpdump/tests/dsa.pcap", FormatPcap, CompressionNone, 284},
	}
	for _, c := range cases {
		r, err := Open(filepath.Join(root, c.path))
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if r.Format() != c.format || r.Compression() != c.comp || (c.link != 0 && r.LinkType() != c.link) {
			t.Errorf("%s: %v %v link %d, want %v %v %d", c.path, r.Format(), r.Compression(), r.LinkType(), c.format, c.comp, c.link)
		}
		if _, err := readAll(r); err != nil {
			t.Errorf("%s: %v", c.path, err)
		}
		r.Close()
	}
	// Two interfaces with different if_tsresol (9 and 6).
	r, err := Open(filepath.Join(root, "zeek/testing/btest/Traces/pcapng-multi-interface.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	readAll(r)
	ifs := r.Interfaces()
	if len(ifs) != 2 || ifs[0].TsResol == ifs[1].TsResol {
		t.Errorf("pcapng-multi-interface: interfaces %+v", ifs)
	}
	// Juniper DLTs carry FCS bits in the link-type field; they are masked.
	matches, _ := filepath.Glob(filepath.Join(root, "tcpdump/tests/juniper_*.pcap"))
	for _, m := range matches {
		r, err := Open(m)
		if err != nil {
			continue
		}
		if r.LinkType() > 0xffff {
			t.Errorf("%s: link type %d not masked", m, r.LinkType())
		}
		r.Close()
	}
}
