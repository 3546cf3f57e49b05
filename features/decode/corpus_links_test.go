package decode

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// moreLinkTypes are the FORMATS.tsv link-type names (or numbers) of the
// link types decoded in linkmore.go.
var moreLinkTypes = map[string]bool{
	"7": true, "ARCNET_BSD": true, "129": true, "ARCNET_LINUX": true, "FRELAY": true, "149": true,
	"258": true, "178": true, "226": true, "NFLOG": true, "242": true, "274": true,
}

// linkPeerFlows are captures of those link types whose tshark Community ID
// summaries must equal our flows (TestCorpusL2Peers' rule), with the
// packets we must decode at least.
var linkPeerFlows = []struct {
	path string
	min  int
}{
	{"tcpdump/tests/arcnet-rfc1051-arp-icmp-http.pcap", 18},
	{"tcpdump/tests/arcnet-rfc1201-arp-icmp-http.pcap", 18},
	{"tcpdump/tests/LINKTYPE_PKTAP.pcap", 1},
	{"tcpdump/tests/LINKTYPE_USER2_PKTAP.pcap", 1},
	{"tcpdump/tests/bgp-aigp.pcap", 1},
	{"tcpdump/tests/e1000g.pcap", 0}, // ICMP only: checked per packet
	{"tcpdump/tests/ipoib.pcap", 20},
	{"tcpdump/tests/nflog.pcap", 4},
	{"zeek/testing/btest/Traces/nflog-http.pcap", 13},
	{"tcpdump/tests/vrrp-vrrp_print-oobr.pcap", 3},
}

// TestCorpusLinkFlows compares our flows on the ARCNET, PKTAP, Juniper,
// ipnet, IPoIB, NFLOG and Frame Relay captures with tshark's stored
// Community ID summaries (tshark-generated/).
func TestCorpusLinkFlows(t *testing.T) {
	corpus := corpusDir(t)
	for _, c := range linkPeerFlows {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			tsv := filepath.Join(corpus, "tshark-generated", c.path+".cid-flows.tsv")
			if _, err := os.Stat(tsv); err != nil {
				t.Skipf("no tshark summary: %v", err)
			}
			want := readTsharkFlows(t, tsv)
			got := map[biKey]int{}
			var p Packet
			decoded := 0
			err := readCapture(filepath.Join(corpus, c.path), func(data []byte, lt uint32) {
				if Decode(data, lt, &p) != StatusOK || p.Proto == 1 || p.Proto == 58 {
					return
				}
				decoded++
				got[makeBiKey(p.Proto, p.Src, p.SrcPort, p.Dst, p.DstPort)]++
			})
			if err != nil {
				t.Fatal(err)
			}
			if decoded < c.min {
				t.Errorf("decoded %d packets, want at least %d", decoded, c.min)
			}
			for k, n := range want {
				if got[k] != n {
					t.Errorf("%d %v %v: tshark %d, ours %d", k.proto, k.a, k.b, n, got[k])
				}
			}
			for k, n := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("%d %v %v: ours %d, not in tshark", k.proto, k.a, k.b, n)
				}
			}
		})
	}
}

// tsharkPacket is what tshark found in one frame: the first IP header's
// version, addresses and protocol, and the first TCP/UDP ports.
type tsharkPacket struct {
	version  int
	src, dst netip.Addr
	proto    int
	sp, dp   int
	ports    bool
	malform  bool
}

// runTsharkPackets runs tshark on path and returns one entry per frame.
func runTsharkPackets(t *testing.T, tshark, path string) []tsharkPacket {
	t.Helper()
	cmd := exec.Command(tshark, "-n", "-r", path, "-T", "fields", "-E", "occurrence=f",
		"-e", "frame.number", "-e", "ip.src", "-e", "ip.dst", "-e", "ip.proto",
		"-e", "ipv6.src", "-e", "ipv6.dst", "-e", "ipv6.nxt",
		"-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport",
		"-e", "_ws.malformed")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("tshark failed on %s: %v %s", path, err, stderr.String())
	}
	var pkts []tsharkPacket
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if line == "" {
			continue
		}
		c := strings.Split(line, "\t")
		for len(c) < 12 {
			c = append(c, "")
		}
		var tp tsharkPacket
		atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
		switch {
		case c[1] != "":
			tp.version, tp.proto = 4, atoi(c[3])
			tp.src, _ = netip.ParseAddr(c[1])
			tp.dst, _ = netip.ParseAddr(c[2])
		case c[4] != "":
			tp.version, tp.proto = 6, atoi(c[6])
			tp.src, _ = netip.ParseAddr(c[4])
			tp.dst, _ = netip.ParseAddr(c[5])
		}
		switch {
		case c[7] != "":
			tp.sp, tp.dp, tp.ports = atoi(c[7]), atoi(c[8]), true
		case c[9] != "":
			tp.sp, tp.dp, tp.ports = atoi(c[9]), atoi(c[10]), true
		}
		tp.malform = c[11] != ""
		pkts = append(pkts, tp)
	}
	return pkts
}

// TestCorpusLinkPacketsTshark decodes every corpus capture of the link
// types in linkmore.go and runs tshark (when installed) on it: packet by
// packet, where tshark dissects an IP header we must decode the same
// version, addresses and protocol (and TCP/UDP ports), and where we decode
// an IP packet tshark must have found one. The only tolerated difference is
// a frame tshark marks malformed in its IP header that we reject
// (truncated or bad header), counted in the log.
func TestCorpusLinkPacketsTshark(t *testing.T) {
	corpus := corpusDir(t)
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	files := corpusCaptures(t, corpus, func(string) bool { return true })
	lts := readFormatLinkTypes(t, corpus)
	var total, ipBoth, rejectedMalformed int
	for _, path := range files {
		if !moreLinkTypes[lts[path]] {
			continue
		}
		t.Run(path, func(t *testing.T) {
			want := runTsharkPackets(t, tshark, filepath.Join(corpus, path))
			var got []Packet
			err := readCapture(filepath.Join(corpus, path), func(data []byte, lt uint32) {
				var p Packet
				Decode(data, lt, &p)
				got = append(got, p)
			})
			if err != nil {
				t.Logf("read stopped: %v", err)
			}
			n := min(len(got), len(want))
			for i := 0; i < n; i++ {
				total++
				g, w := &got[i], want[i]
				frame := i + 1
				if w.version == 0 {
					if g.Status == StatusOK {
						t.Errorf("frame %d: we decode %v %v>%v proto %d, tshark finds no IP", frame, g.IPVersion, g.Src, g.Dst, g.Proto)
					}
					continue
				}
				if g.Status != StatusOK && g.Status < StatusTruncatedTCP {
					if w.malform {
						rejectedMalformed++
						continue
					}
					t.Errorf("frame %d: status %v, tshark IPv%d %v>%v proto %d", frame, g.Status, w.version, w.src, w.dst, w.proto)
					continue
				}
				ipBoth++
				if int(g.IPVersion) != w.version || g.Src != w.src || g.Dst != w.dst {
					t.Errorf("frame %d: ours IPv%d %v>%v, tshark IPv%d %v>%v", frame, g.IPVersion, g.Src, g.Dst, w.version, w.src, w.dst)
				}
				// ipv6.nxt is the first next header: compare without extension headers.
				if int(g.Proto) != w.proto && (g.IPVersion == 4 || g.IPHeaderLen == 40) {
					t.Errorf("frame %d: proto %d, tshark %d", frame, g.Proto, w.proto)
				}
				if g.HasTransport && (g.Proto == 6 || g.Proto == 17) && !g.Fragment {
					if !w.ports || int(g.SrcPort) != w.sp || int(g.DstPort) != w.dp {
						t.Errorf("frame %d: ports %d>%d, tshark %v %d>%d", frame, g.SrcPort, g.DstPort, w.ports, w.sp, w.dp)
					}
				}
			}
		})
	}
	t.Logf("%d frames, %d with the same IP header as tshark, %d malformed-in-tshark frames we reject", total, ipBoth, rejectedMalformed)
	if ipBoth < 200 {
		t.Errorf("only %d IP frames compared", ipBoth)
	}
}

// readFormatLinkTypes maps corpus paths to FORMATS.tsv's linktypes column.
func readFormatLinkTypes(t *testing.T, corpus string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus, "FORMATS.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	col := -1
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if col < 0 {
			for i, h := range c {
				if h == "linktypes" {
					col = i
				}
			}
			if col < 0 {
				t.Fatal(fmt.Errorf("FORMATS.tsv has no linktypes column"))
			}
			continue
		}
		if len(c) > col {
			out[c[0]] = c[col]
		}
	}
	return out
}
