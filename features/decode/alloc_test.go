package decode

import (
	"path/filepath"
	"testing"
)

// representativeFrames is a mix of common and tunnelled frames from the
// table cases.
func representativeFrames(t testing.TB) []decodeCase {
	want := map[string]bool{
		"ethernet/ipv4/tcp": true, "ethernet/vlan/qinq/ipv6/udp": true, "vxlan": true,
		"geneve ethernet with options": true, "gtp-u with extension headers": true,
		"gre erspan type II": true, "teredo origin indicator": true, "linux sll": true,
		"null BE AF_INET6 darwin": true, "mpls 2 labels ipv4": true, "qinq pppoe ipv6": true,
		"ipv6 hbh dstopts routing fragment tcp": true, "ipv4 non-first fragment": true,
		"vxlan inner truncated falls back to outer": true, "vxlan in gre keeps outermost tuple": true,
		"ethernet/arp": true, "too many layers": true, "icmp echo": true,
		"fabricpath ipv4": true, "vlan pbb vlan ipv4": true, "802.11 qos 4-address ipv6": true,
		"radiotap data pad": true, "gre aruba 0x8240 a-msdu": true,
		"arcnet bsd exception frame": true, "frame relay snap bridged ethernet": true, "pktap ethernet": true,
		"juniper ether with extensions": true, "ipnet ipv6": true, "nflog ipv4": true, "ipoib ipv4": true,
		"mpacket express": true, "gre key cisco metadata ipv4": true, "gre wccp v2 redirect header": true,
		"gre in udp": true, "mpls in udp": true, "ayiya ipv6": true, "vxlan-gpe nsh ipv4": true,
		"teredo bubble with trailing bytes": true, "nsh over ethernet": true,
	}
	var out []decodeCase
	for _, c := range decodeCases() {
		if want[c.name] {
			out = append(out, c)
		}
	}
	if len(out) != len(want) {
		t.Fatalf("found %d of %d representative frames", len(out), len(want))
	}
	return out
}

func TestDecodeNoAllocs(t *testing.T) {
	var p Packet
	for _, c := range representativeFrames(t) {
		n := testing.AllocsPerRun(100, func() { Decode(c.frame, c.link, &p) })
		if n != 0 {
			t.Errorf("%s: %v allocs per Decode, want 0", c.name, n)
		}
	}
	n := testing.AllocsPerRun(100, func() {
		_ = StatusTruncatedTCP.String()
		_ = EncapVXLAN.String()
		_ = LinkTypeName(276)
	})
	if n != 0 {
		t.Errorf("String/LinkTypeName: %v allocs, want 0", n)
	}
}

func BenchmarkDecode(b *testing.B) {
	cs := representativeFrames(b)
	var p Packet
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c := &cs[i%len(cs)]
		Decode(c.frame, c.link, &p)
	}
}

func BenchmarkDecodeEthernetTCP(b *testing.B) {
	frame := eth(0x0800, ipv4(6, a4, b4, nil, tcpSyn()))
	var p Packet
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		Decode(frame, LinkEthernet, &p)
	}
}

// BenchmarkDecodeCorpus decodes the packets of a real capture mix (the
// shared corpus, loaded once).
func BenchmarkDecodeCorpus(b *testing.B) {
	corpus := corpusDir(b)
	type fr struct {
		data []byte
		lt   uint32
	}
	var frames []fr
	for _, rel := range []string{
		"zeek/testing/btest/Traces/http/get.trace",
		"zeek/testing/btest/Traces/tunnels/vxlan.pcap",
		"zeek/testing/btest/Traces/q-in-q.pcap",
		"zeek/testing/btest/Traces/tls/irc-starttls.pcap",
		"zeek/testing/btest/Traces/ipv6-http-atomic-frag.pcap",
	} {
		_ = readCapture(filepath.Join(corpus, rel), func(d []byte, lt uint32) {
			frames = append(frames, fr{append([]byte(nil), d...), lt})
		})
	}
	if len(frames) == 0 {
		b.Skip("no corpus frames")
	}
	var p Packet
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f := &frames[i%len(frames)]
		Decode(f.data, f.lt, &p)
	}
}
