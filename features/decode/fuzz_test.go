package decode

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecode checks that Decode never panics and that its summary is
// consistent, whatever the bytes and link type.
func FuzzDecode(f *testing.F) {
	for _, c := range decodeCases() {
		f.Add(c.frame, c.link)
	}
	// A few real frames per link type from the corpus, when present.
	if corpus := findCorpus(); corpus != "" {
		seen := map[uint32]int{}
		for _, rel := range []string{
			"zeek/testing/btest/Traces/tunnels/vxlan.pcap",
			"zeek/testing/btest/Traces/tunnels/gtp/gtp_ext_header.pcap",
			"zeek/testing/btest/Traces/tunnels/Teredo.pcap",
			"zeek/testing/btest/Traces/tunnels/geneve.pcap",
			"zeek/testing/btest/Traces/pppoe-over-qinq.pcap",
			"zeek/testing/btest/Traces/mpls-in-vlan.pcap",
			"zeek/testing/btest/Traces/linux_dlt_sll2.pcap",
			"zeek/testing/btest/Traces/ipv6-hbh-routing0.pcap",
			"zeek/testing/btest/Traces/cisco-fabric-path.pcap",
			"zeek/testing/btest/Traces/pbb.pcap",
			"zeek/testing/btest/Traces/radiotap.pcap",
			"zeek/testing/btest/Traces/wlanmon.pcap",
			"zeek/testing/btest/Traces/tunnels/gre-aruba-amsdu.pcap",
			"tcpdump/tests/ieee802.11_htc.pcap",
			"tcpdump/tests/various_gre.pcap",
			"tcpdump/tests/wccp_redirect_gre.pcap",
			"zeek/testing/btest/Traces/tunnels/gre-over-udp-4754.pcap",
			"tcpdump/tests/mpls-over-udp.pcap",
			"zeek/testing/btest/Traces/tunnels/ayiya3.pcap",
			"tcpdump/tests/nsh-over-vxlan-gpe.pcap",
			"tcpdump/tests/nsh.pcap",
			"zeek/testing/btest/Traces/tunnels/gtp/gtp8_teredo.pcap",
		} {
			_ = readCapture(filepath.Join(corpus, rel), func(d []byte, lt uint32) {
				if seen[lt] < 40 {
					seen[lt]++
					f.Add(append([]byte(nil), d...), lt)
				}
			})
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, linkType uint32) {
		var p Packet
		s := Decode(data, linkType, &p)
		checkInvariants(t, data, linkType, s, &p)
	})
}

func checkInvariants(t *testing.T, data []byte, lt uint32, s Status, p *Packet) {
	t.Helper()
	if s != p.Status {
		t.Fatalf("returned %v, stored %v", s, p.Status)
	}
	if s >= numStatus || p.InnerStatus >= numStatus {
		t.Fatalf("status out of range: %d / %d", s, p.InnerStatus)
	}
	if strings.HasPrefix(s.String(), "unknown") {
		t.Fatalf("status %d has no name", s)
	}
	if s == StatusOK {
		switch p.IPVersion {
		case 4:
			if !p.Src.Is4() || !p.Dst.Is4() {
				t.Fatalf("IPv4 with addresses %v %v", p.Src, p.Dst)
			}
		case 6:
			if !p.Src.Is6() || !p.Dst.Is6() {
				t.Fatalf("IPv6 with addresses %v %v", p.Src, p.Dst)
			}
		default:
			t.Fatalf("status OK without IP (version %d)", p.IPVersion)
		}
		if int(p.IPHeaderLen) > int(p.IPTotalLen) && p.IPTotalLen != 0 {
			t.Fatalf("header %d > total %d", p.IPHeaderLen, p.IPTotalLen)
		}
	}
	if !p.HasTransport && (p.SrcPort != 0 || p.DstPort != 0 || p.TCPFlags != 0 || p.L4HeaderLen != 0) {
		t.Fatalf("transport fields without transport: %+v", p)
	}
	if p.FragOffset != 0 && p.HasTransport {
		t.Fatalf("non-first fragment with transport: %+v", p)
	}
	if p.Encap&encapTunnels != 0 && !p.Tunnel.Src.IsValid() {
		t.Fatalf("tunnel bit without tunnel tuple: %+v", p)
	}
	if p.Encap&encapTunnels == 0 && p.Tunnel != (Tunnel{}) {
		t.Fatalf("tunnel tuple without tunnel bit: %+v", p)
	}
	// A UDP tunnel that is the only tunnel has its port in the outer tuple.
	for _, u := range []struct {
		bits Encap
		port uint16
	}{{EncapAYIYA, portAYIYA}, {EncapGRE | EncapUDPEncap, portGREUDP}, {EncapUDPEncap, portMPLSUDP}, {EncapTeredo, portTeredo}} {
		if p.Encap&encapTunnels == u.bits && (p.Tunnel.Proto != protoUDP || (p.Tunnel.SrcPort != u.port && p.Tunnel.DstPort != u.port)) {
			t.Fatalf("%v tunnel with outer tuple %+v", u.bits, p.Tunnel)
		}
	}
	if p.Encap&EncapUDPEncap != 0 && p.Encap&(EncapGRE|EncapMPLS) == 0 {
		t.Fatalf("udpencap without gre or mpls: %v", p.Encap)
	}
	if int(p.NumVLANs) > len(data) {
		t.Fatalf("%d VLANs in %d bytes", p.NumVLANs, len(data))
	}
	// Deterministic, and independent of what the Packet held before.
	q := Packet{SrcPort: 1, Encap: 0xffff, InnerStatus: 3, Fragment: true, NumVLANs: 9}
	Decode(data, lt, &q)
	if q != *p {
		t.Fatalf("second decode differs:\n%+v\n%+v", *p, q)
	}
}

// findCorpus is corpusDir without testing.TB (for fuzz seeding).
func findCorpus() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			c := filepath.Join(dir, "..", "shared", "corpus")
			if _, err := os.Stat(filepath.Join(c, "FORMATS.tsv")); err == nil {
				return c
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
