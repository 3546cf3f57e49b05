package decode

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestCorpusNoPanic decodes every record of every capture under
// corpus/tcpdump (the malformed, fuzzer-made set) with a lenient record
// walker of its own (classic pcap; pcapng through pcapgo), under every link
// type the record claims and a few it does not, and checks the invariants.
func TestCorpusNoPanic(t *testing.T) {
	corpus := corpusDir(t)
	paths := corpusCaptures(t, corpus, func(p string) bool { return strings.HasPrefix(p, "tcpdump/") })
	if len(paths) == 0 {
		t.Skip("no tcpdump captures in FORMATS.tsv")
	}
	var files, frames int
	statuses := map[Status]int{}
	var p Packet
	check := func(data []byte, lt uint32) {
		frames++
		statuses[Decode(data, lt, &p)]++
		for _, l := range [...]uint32{lt, LinkEthernet, LinkRaw, LinkLinuxSLL, LinkNull} {
			s := Decode(data, l, &p)
			checkInvariants(t, data, l, s, &p)
		}
	}
	for _, rel := range paths {
		full := filepath.Join(corpus, rel)
		if strings.HasSuffix(rel, ".pcapng") || strings.HasSuffix(rel, ".gz") {
			_ = readCapture(full, check)
			files++
			continue
		}
		img, err := os.ReadFile(full)
		if err != nil {
			t.Fatal(err)
		}
		if walkPcapLenient(img, check) {
			files++
		}
	}
	t.Logf("tcpdump: %d files, %d frames; statuses %v", files, frames, statuses)
}

// gopacketView is what gopacket decodes for the innermost IP header and the
// TCP/UDP header right after it (skipping IPv6 extension headers).
type gopacketView struct {
	version          uint8
	src, dst         netip.Addr
	proto            uint8
	ttl              uint8
	total            uint32
	srcPort, dstPort uint16
	flags            uint16
	seq, ack         uint32
	window           uint16
	vlans            []uint16
	stack            string
	ipv4Version      uint8 // the version nibble gopacket accepted
	tcpDataOffset    uint8
	outerSrc         netip.Addr // first IP header, when there are several
	outerDst         netip.Addr
}

func viewGopacket(pkt gopacket.Packet) (gopacketView, bool) {
	var v gopacketView
	ls := pkt.Layers()
	var names []string
	ipIdx := -1
	for i, l := range ls {
		names = append(names, l.LayerType().String())
		switch l.LayerType() {
		case layers.LayerTypeIPv4, layers.LayerTypeIPv6:
			if ipIdx >= 0 && !v.outerSrc.IsValid() {
				v.outerSrc, v.outerDst = gopacketAddrs(ls[ipIdx])
			}
			ipIdx = i
		case layers.LayerTypeDot1Q:
			v.vlans = append(v.vlans, l.(*layers.Dot1Q).VLANIdentifier)
		}
	}
	v.stack = strings.Join(names, "/")
	if ipIdx < 0 {
		return v, false
	}
	ti := ipIdx + 1
	for ti < len(ls) {
		switch ls[ti].LayerType() {
		case layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination:
			ti++
			continue
		}
		break
	}
	if ti >= len(ls) {
		return v, false
	}
	switch ip := ls[ipIdx].(type) {
	case *layers.IPv4:
		v.version, v.ttl, v.total, v.ipv4Version = 4, ip.TTL, uint32(ip.Length), ip.Version
		v.src, _ = netip.AddrFromSlice(ip.SrcIP.To4())
		v.dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
	case *layers.IPv6:
		v.version, v.ttl, v.total = 6, ip.HopLimit, uint32(ip.Length)+40
		v.src, _ = netip.AddrFromSlice(ip.SrcIP.To16())
		v.dst, _ = netip.AddrFromSlice(ip.DstIP.To16())
		if ip.Length == 0 {
			v.total = 0 // jumbogram / TSO: not compared
		}
	}
	switch l := ls[ti].(type) {
	case *layers.TCP:
		v.proto, v.srcPort, v.dstPort = 6, uint16(l.SrcPort), uint16(l.DstPort)
		v.seq, v.ack, v.window, v.tcpDataOffset = l.Seq, l.Ack, l.Window, l.DataOffset
		for i, b := range []bool{l.FIN, l.SYN, l.RST, l.PSH, l.ACK, l.URG, l.ECE, l.CWR, l.NS} {
			if b {
				v.flags |= 1 << i
			}
		}
	case *layers.UDP:
		v.proto, v.srcPort, v.dstPort = 17, uint16(l.SrcPort), uint16(l.DstPort)
	default:
		return v, false
	}
	return v, true
}

func gopacketAddrs(l gopacket.Layer) (src, dst netip.Addr) {
	switch ip := l.(type) {
	case *layers.IPv4:
		src, _ = netip.AddrFromSlice(ip.SrcIP.To4())
		dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
	case *layers.IPv6:
		src, _ = netip.AddrFromSlice(ip.SrcIP.To16())
		dst, _ = netip.AddrFromSlice(ip.DstIP.To16())
	}
	return src, dst
}

// compareGopacket returns "" when p agrees with gopacket's view, else the
// name of the first field that differs.
func compareGopacket(p *Packet, v *gopacketView) string {
	switch {
	case p.Status == StatusBadIPv4 && v.version == 4 && v.ipv4Version != 4:
		return "gopacket-accepts-ipv4-version-" + fmt.Sprint(v.ipv4Version)
	case p.Status == StatusBadTCP && v.proto == 6 && v.tcpDataOffset < 5:
		return "gopacket-lists-tcp-with-data-offset-below-5"
	case p.Status != StatusOK:
		return "status:" + p.Status.String()
	case !p.HasTransport:
		return "no-transport"
	case p.IPVersion != v.version:
		return "ip-version"
	case p.Src != v.src || p.Dst != v.dst:
		return "addresses"
	case p.Proto != v.proto:
		return "proto"
	case p.SrcPort != v.srcPort || p.DstPort != v.dstPort:
		return "ports"
	case p.TTL != v.ttl:
		return "ttl"
	case v.total == 65535 && p.IPTotalLen > 65535:
		return "ip-total-length-above-65535"
	case v.total != 0 && p.IPTotalLen != v.total:
		return "ip-total-length"
	case v.proto == 6 && (p.TCPFlags != v.flags || p.TCPSeq != v.seq || p.TCPAck != v.ack || p.TCPWindow != v.window):
		return "tcp-fields"
	}
	if v.outerSrc.IsValid() && (p.Tunnel.Src != v.outerSrc || p.Tunnel.Dst != v.outerDst) {
		return "tunnel-outer-addresses"
	}
	n := min(len(v.vlans), len(p.VLANs))
	if int(p.NumVLANs) != len(v.vlans) {
		return "vlan-count"
	}
	for i := 0; i < n; i++ {
		if p.VLANs[i] != v.vlans[i] {
			return "vlan-ids"
		}
	}
	return ""
}

// TestDifferentialGopacket decodes the corpus (all of FORMATS.tsv; with
// -short only the non-tcpdump captures) with Decode and with gopacket, and
// compares every packet where gopacket finds an innermost IPv4/IPv6 header
// followed by TCP or UDP. Differences are grouped into classes; the classes
// that are explained in docs/DECODER.md are allowed, any other fails.
func TestDifferentialGopacket(t *testing.T) {
	corpus := corpusDir(t)
	paths := corpusCaptures(t, corpus, func(p string) bool {
		return !testing.Short() || !strings.HasPrefix(p, "tcpdump/")
	})
	type class struct {
		n       int
		example string
	}
	classes := map[string]*class{}
	agree := map[string]int{}    // by link type + encapsulation
	onlyOurs := map[string]int{} // TCP/UDP we decode where gopacket has none
	onlyOursEx := map[string]string{}
	var compared, agreed, files int
	var p Packet
	for _, rel := range paths {
		idx := 0
		err := readCapture(filepath.Join(corpus, rel), func(data []byte, lt uint32) {
			idx++
			glt := layers.LinkType(lt)
			if lt == LinkIPv4 || lt == LinkIPv6 {
				glt = layers.LinkTypeRaw // gopacket has no decoder for 228/229
			}
			pkt := gopacket.NewPacket(data, glt, gopacket.DecodeOptions{NoCopy: true})
			v, ok := viewGopacket(pkt)
			Decode(data, lt, &p)
			if !ok {
				if p.Status == StatusOK && (p.Proto == 6 || p.Proto == 17) && p.HasTransport {
					k := LinkTypeName(lt) + " " + p.Encap.String() + " | gopacket " + v.stack
					if onlyOurs[k] == 0 {
						onlyOursEx[k] = fmt.Sprintf("%s #%d", rel, idx)
					}
					onlyOurs[k]++
				}
				return
			}
			compared++
			what := compareGopacket(&p, &v)
			if what == "" {
				agreed++
				agree[LinkTypeName(lt)+" "+p.Encap.String()]++
				return
			}
			key := what + " | ours " + p.Encap.String() + " | gopacket " + v.stack
			c := classes[key]
			if c == nil {
				c = &class{example: fmt.Sprintf("%s #%d", rel, idx)}
				classes[key] = c
			}
			c.n++
		})
		_ = err // many corpus files are deliberately broken; gopacket's reader stops there
		files++
	}
	if compared == 0 {
		t.Skip("gopacket decoded no TCP/UDP packets")
	}
	t.Logf("%d files: %d packets compared, %d agree (%.3f%%)", files, compared, agreed, 100*float64(agreed)/float64(compared))
	var keys []string
	for k := range agree {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("  agree %-40s %d", k, agree[k])
	}
	keys = keys[:0]
	for k := range onlyOurs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return onlyOurs[keys[i]] > onlyOurs[keys[j]] })
	for i, k := range keys {
		if i == 25 {
			break
		}
		t.Logf("  only ours %6d  %s (e.g. %s)", onlyOurs[k], k, onlyOursEx[k])
	}
	keys = keys[:0]
	for k := range classes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return classes[keys[i]].n > classes[keys[j]].n })
	for _, k := range keys {
		c := classes[k]
		allowed := explainedDifference(k)
		t.Logf("  differ %6d  %s  (e.g. %s) explained=%v", c.n, k, c.example, allowed != "")
		if allowed == "" {
			t.Errorf("unexplained difference class %q (%d packets, e.g. %s)", k, c.n, c.example)
		}
	}
}

// explainedDifference names the docs/DECODER.md explanation for a class of
// differences from gopacket, or "" when the class is unexplained.
func explainedDifference(key string) string {
	what, rest, _ := strings.Cut(key, " | ")
	ours, gp, _ := strings.Cut(rest, " | ")
	gp = strings.TrimPrefix(gp, "gopacket ")
	switch {
	case strings.Contains(ours, "teredo") && !strings.Contains(gp, "IPv6"):
		return "Teredo: we decode the inner IPv6 packet, gopacket stops at UDP 3544"
	case strings.HasSuffix(gp, "/UDP/Payload") && (strings.Contains(ours, "ayiya") || strings.Contains(ours, "udpencap") || strings.Contains(ours, "vxlan")):
		return "UDP tunnels gopacket does not decode (AYIYA 5072, GRE-in-UDP 4754, MPLS-in-UDP 6635, VXLAN-GPE 4790): we decode the inner packet, gopacket stops at UDP"
	case strings.HasPrefix(what, "gopacket-accepts-ipv4-version-"):
		return "gopacket does not check the IPv4 version nibble"
	case what == "gopacket-lists-tcp-with-data-offset-below-5":
		return "gopacket keeps a TCP layer whose data offset is invalid (followed by DecodeFailure)"
	case (what == "status:truncated TCP header" || what == "status:bad TCP data offset") && strings.HasSuffix(gp, "/TCP/DecodeFailure"),
		what == "status:truncated UDP header" && strings.HasSuffix(gp, "/UDP/DecodeFailure"):
		return "gopacket keeps a transport layer whose decoding failed (followed by DecodeFailure)"
	case (what == "status:bad IPv6 version" && strings.HasPrefix(gp, "IPv4/")) || (what == "status:bad IPv4 header" && strings.HasPrefix(gp, "IPv6/")):
		return "LINKTYPE_IPV4/IPV6 frame holding the other IP version: we reject it, gopacket was handed it as LINKTYPE_RAW"
	case what == "ip-total-length-above-65535":
		return "BIG TCP / TSO (IPv4 total length 0): gopacket clamps to 65535, we report the captured length"
	}
	return ""
}
