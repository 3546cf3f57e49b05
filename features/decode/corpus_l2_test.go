package decode

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// l2PeerCaptures are the corpus captures that exercise FabricPath, PBB,
// IEEE 802.11, radiotap and Aruba GRE, with what each must show.
//
// The peer is tshark's Community ID summary, or a Zeek conn.log baseline
// where tshark is wrong: Wireshark's FabricPath dissector expects an FCS
// after the inner frame, so the FabricPath copies in cisco-fabric-path.pcap
// lose 4 bytes and tshark calls them malformed (IPv6 ones get no Community
// ID), while Zeek counts both copies of every packet.
var l2PeerCaptures = []struct {
	path  string
	zeek  string // Zeek conn.log baseline to compare with instead of tshark
	encap Encap  // bits every decoded packet of interest must carry
	min   int    // decoded non-ICMP IP packets at least
}{
	{"zeek/testing/btest/Traces/cisco-fabric-path.pcap", "zeek/testing/btest/Baseline/core.cisco-fabric-path/conn.log", 0, 128},
	{"zeek/testing/btest/Traces/pbb.pcap", "", EncapPBB, 10},
	{"zeek/testing/btest/Traces/pbb.pcap", "zeek/testing/btest/Baseline/core.pbb/conn.log", EncapPBB, 10},
	{"zeek/testing/btest/Traces/radiotap.pcap", "", 0, 3},
	{"zeek/testing/btest/Traces/radiotap.pcap", "zeek/testing/btest/Baseline/core.radiotap/conn.log", 0, 3},
	{"zeek/testing/btest/Traces/wlanmon.pcap", "", 0, 3},
	{"tcpdump/tests/ieee802.11_htc.pcap", "", 0, 1},
	{"zeek/testing/btest/Traces/tunnels/gre-aruba.pcap", "", EncapGRE, 2407},
	{"zeek/testing/btest/Traces/tunnels/gre-aruba-amsdu.pcap", "", EncapGRE | EncapAMSDU, 1},
}

// readZeekConns reads a Zeek conn.log into packets (orig + resp) per
// tuple, skipping ICMP. Zeek logs SCTP and other port-less protocols with
// ports 0 and the protocol in ip_proto.
func readZeekConns(t *testing.T, path string) map[biKey]int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[biKey]int{}
	col := map[string]int{}
	for _, line := range strings.Split(string(data), "\n") {
		c := strings.Split(line, "\t")
		if c[0] == "#fields" {
			for i, f := range c[1:] {
				col[f] = i
			}
			continue
		}
		if strings.HasPrefix(line, "#") || len(c) < len(col) || len(col) == 0 {
			continue
		}
		get := func(f string) string { return c[col[f]] }
		proto, err := strconv.Atoi(get("ip_proto"))
		if err != nil || proto == 1 || proto == 58 {
			continue
		}
		src, err1 := netip.ParseAddr(get("id.orig_h"))
		dst, err2 := netip.ParseAddr(get("id.resp_h"))
		if err1 != nil || err2 != nil {
			continue
		}
		sp, _ := strconv.Atoi(get("id.orig_p"))
		dp, _ := strconv.Atoi(get("id.resp_p"))
		op, _ := strconv.Atoi(get("orig_pkts"))
		rp, _ := strconv.Atoi(get("resp_pkts"))
		out[makeBiKey(uint8(proto), src, uint16(sp), dst, uint16(dp))] += op + rp
	}
	return out
}

// biKey is a direction-independent flow key, as a Community ID is.
type biKey struct {
	proto uint8
	a, b  netip.AddrPort
}

func makeBiKey(proto uint8, src netip.Addr, sp uint16, dst netip.Addr, dp uint16) biKey {
	a, b := netip.AddrPortFrom(src, sp), netip.AddrPortFrom(dst, dp)
	if b.Compare(a) < 0 {
		a, b = b, a
	}
	return biKey{proto, a, b}
}

// readTsharkFlows reads a tshark-generated cid-flows.tsv into packets per
// innermost tuple (the last element of tunnel comma lists), for TCP, UDP
// and port-less protocols other than ICMP (whose Community ID ports are
// type and code).
func readTsharkFlows(t *testing.T, path string) map[biKey]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	last := func(s string) string {
		if i := strings.LastIndexByte(s, ','); i >= 0 {
			return s[i+1:]
		}
		return s
	}
	out := map[biKey]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 11 || strings.HasPrefix(c[0], "#") || c[0] == "cid" || c[0] == "" {
			continue
		}
		proto, err := strconv.Atoi(last(c[6]))
		if err != nil || proto == 1 || proto == 58 {
			continue
		}
		pkts, _ := strconv.Atoi(c[1])
		src, err1 := netip.ParseAddr(last(c[7]))
		dst, err2 := netip.ParseAddr(last(c[9]))
		if err1 != nil || err2 != nil {
			continue
		}
		sp, _ := strconv.Atoi(last(c[8]))
		dp, _ := strconv.Atoi(last(c[10]))
		if proto != 6 && proto != 17 && proto != 132 {
			sp, dp = 0, 0
		}
		out[makeBiKey(uint8(proto), src, uint16(sp), dst, uint16(dp))] += pkts
	}
	return out
}

// TestCorpusL2Peers decodes the FabricPath, PBB, 802.11, radiotap and
// Aruba GRE captures of the corpus and compares the packets per innermost
// flow with tshark's Community ID flow summaries (tshark-generated/) and
// Zeek's conn.log baselines: every peer flow must have exactly as many
// packets here, and no other flow may appear.
func TestCorpusL2Peers(t *testing.T) {
	corpus := corpusDir(t)
	for _, c := range l2PeerCaptures {
		name := filepath.Base(c.path) + "/tshark"
		if c.zeek != "" {
			name = filepath.Base(c.path) + "/zeek"
		}
		t.Run(name, func(t *testing.T) {
			var want map[biKey]int
			if c.zeek != "" {
				want = readZeekConns(t, filepath.Join(corpus, c.zeek))
			} else {
				tsv := filepath.Join(corpus, "tshark-generated", c.path+".cid-flows.tsv")
				if _, err := os.Stat(tsv); err != nil {
					t.Skipf("no tshark summary: %v", err)
				}
				want = readTsharkFlows(t, tsv)
			}
			got := map[biKey]int{}
			var p Packet
			decoded := 0
			err := readCapture(filepath.Join(corpus, c.path), func(data []byte, lt uint32) {
				if Decode(data, lt, &p) != StatusOK || p.Proto == 1 || p.Proto == 58 {
					return
				}
				if p.Encap&c.encap != c.encap {
					t.Errorf("packet without encapsulation %v: %v", c.encap, p.Encap)
				}
				decoded++
				sp, dp := p.SrcPort, p.DstPort
				if c.zeek != "" && p.Proto != 6 && p.Proto != 17 {
					sp, dp = 0, 0 // Zeek: SCTP and others are port-less
				}
				got[makeBiKey(p.Proto, p.Src, sp, p.Dst, dp)]++
			})
			if err != nil {
				t.Fatal(err)
			}
			if decoded < c.min {
				t.Errorf("decoded %d packets, want at least %d", decoded, c.min)
			}
			var diffs []string
			for k, n := range want {
				if got[k] != n {
					diffs = append(diffs, fmt.Sprintf("%d %v %v: tshark %d, ours %d", k.proto, k.a, k.b, n, got[k]))
				}
			}
			for k, n := range got {
				if _, ok := want[k]; !ok {
					diffs = append(diffs, fmt.Sprintf("%d %v %v: ours %d, not in tshark", k.proto, k.a, k.b, n))
				}
			}
			for _, d := range diffs {
				t.Error(d)
			}
			t.Logf("%d packets decoded, %d flows, all equal to the peer: %v", decoded, len(want), len(diffs) == 0)
		})
	}
}
