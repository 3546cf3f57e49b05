package decode

import (
	"bytes"
	"testing"
)

const (
	a4 = "192.0.2.1"
	b4 = "198.51.100.2"
	c4 = "203.0.113.3"
	d4 = "203.0.113.4"
	a6 = "2001:db8::1"
	b6 = "2001:db8::2"
	c6 = "2001:db8:1::3"
	d6 = "2001:db8:1::4"
)

// Expected-value helpers: each sets the fields a layer decodes, from the
// values the builders wrote.
func wantIPv4(p Packet, src, dst string, proto uint8, total int) Packet {
	p.IPVersion, p.Src, p.Dst, p.Proto, p.TTL = 4, mustAddr(src), mustAddr(dst), proto, 64
	p.IPTotalLen, p.IPHeaderLen, p.FragID, p.EtherType = uint32(total), 20, 0x1234, 0x0800
	p.PayloadLen = uint32(total - 20)
	return p
}

func wantIPv6(p Packet, src, dst string, proto uint8, total int) Packet {
	p.IPVersion, p.Src, p.Dst, p.Proto, p.TTL = 6, mustAddr(src), mustAddr(dst), proto, 55
	p.IPTotalLen, p.IPHeaderLen, p.EtherType = uint32(total), 40, 0x86dd
	p.PayloadLen = uint32(total - 40)
	return p
}

func wantTCP(p Packet, sp, dp uint16, flags uint16, seq, ack uint32) Packet {
	p.HasTransport, p.SrcPort, p.DstPort, p.TCPFlags, p.TCPSeq, p.TCPAck = true, sp, dp, flags, seq, ack
	p.TCPWindow, p.L4HeaderLen = 29200, 20
	p.PayloadLen -= 20
	return p
}

func wantUDP(p Packet, sp, dp uint16) Packet {
	p.HasTransport, p.SrcPort, p.DstPort, p.L4HeaderLen = true, sp, dp, 8
	p.PayloadLen -= 8
	return p
}

func with(p Packet, f func(*Packet)) Packet { f(&p); return p }

type decodeCase struct {
	name  string
	link  uint32
	frame []byte
	want  Packet
}

func decodeCases() []decodeCase {
	syn := tcpSyn()
	ipTCP := ipv4(6, a4, b4, nil, syn)
	pTCP := wantTCP(wantIPv4(Packet{}, a4, b4, 6, 40), 40000, 80, TCPSyn, 1000, 0)
	allFlags := TCPFin | TCPSyn | TCPRst | TCPPsh | TCPAck | TCPUrg | TCPEce | TCPCwr | TCPNs
	u6 := udp(5353, 53, []byte("hello"))
	ip6UDP := ipv6(17, a6, b6, u6)
	p6UDP := wantUDP(wantIPv6(Packet{}, a6, b6, 17, 40+13), 5353, 53)

	var cs []decodeCase
	add := func(name string, link uint32, frame []byte, want Packet) {
		cs = append(cs, decodeCase{name, link, frame, want})
	}

	// --- link types ---
	add("ethernet/ipv4/tcp", LinkEthernet, eth(0x0800, ipTCP), pTCP)
	add("ethernet/ipv4/tcp all flags", LinkEthernet,
		eth(0x0800, ipv4(6, a4, b4, nil, tcp(1, 2, allFlags, 7, 8, nil, []byte("xyz")))),
		with(wantTCP(wantIPv4(Packet{}, a4, b4, 6, 43), 1, 2, allFlags, 7, 8), func(p *Packet) {}))
	add("ethernet/vlan/qinq/ipv6/udp", LinkEthernet,
		eth(0x88a8, vlan(100, 0x8100, vlan(200, 0x86dd, ip6UDP))),
		with(p6UDP, func(p *Packet) { p.VLANs = [3]uint16{100, 200}; p.NumVLANs = 2; p.Encap = EncapVLAN }))
	add("ethernet/4 vlans keeps 3 ids", LinkEthernet,
		eth(0x9100, vlan(1, 0x8100, vlan(2, 0x8100, vlan(3, 0x8100, vlan(4, 0x0800, ipTCP))))),
		with(pTCP, func(p *Packet) { p.VLANs = [3]uint16{1, 2, 3}; p.NumVLANs = 4; p.Encap = EncapVLAN }))
	add("ethernet/vntag/ipv4", LinkEthernet, eth(0x8926, cat(be32(0x80010002), be16(0x0800), ipTCP)),
		with(pTCP, func(p *Packet) { p.Encap = EncapVNTag }))
	add("ethernet/arp", LinkEthernet, eth(0x0806, make([]byte, 28)), Packet{Status: StatusNotIP, EtherType: 0x0806})
	add("ethernet/802.3 llc stp", LinkEthernet, eth(38, cat([]byte{0x42, 0x42, 0x03}, make([]byte, 35))),
		Packet{Status: StatusNotIP})
	add("ethernet/802.3 snap ipv4", LinkEthernet,
		eth(uint16(8+len(ipTCP)), cat([]byte{0xaa, 0xaa, 0x03, 0, 0, 0}, be16(0x0800), ipTCP)), pTCP)
	add("null LE AF_INET", LinkNull, cat([]byte{2, 0, 0, 0}, ipTCP), pTCP)
	add("null BE AF_INET6 darwin", LinkNull, cat([]byte{0, 0, 0, 30}, ip6UDP), p6UDP)
	add("null LE AF_INET6 freebsd", LinkNull, cat([]byte{28, 0, 0, 0}, ip6UDP), p6UDP)
	add("null unknown family", LinkNull, cat([]byte{7, 0, 0, 0}, ipTCP), Packet{Status: StatusNotIP})
	add("loop BE AF_INET6 bsd", LinkLoop, cat([]byte{0, 0, 0, 24}, ip6UDP), p6UDP)
	add("raw v4", LinkRaw, ipTCP, pTCP)
	add("raw v6", LinkRaw, ip6UDP, p6UDP)
	add("raw dlt 12", LinkRawOld12, ipTCP, pTCP)
	add("raw dlt 14", LinkRawOld14, ip6UDP, p6UDP)
	add("raw neither", LinkRaw, []byte{0x50, 0, 0, 0}, Packet{Status: StatusNotIP})
	add("linktype ipv4", LinkIPv4, ipTCP, pTCP)
	add("linktype ipv6", LinkIPv6, ip6UDP, p6UDP)
	add("linktype ipv6 holding ipv4", LinkIPv6, ipTCP, Packet{Status: StatusBadIPv6, EtherType: 0x86dd})
	add("linktype ipv4 holding ipv6", LinkIPv4, ip6UDP, Packet{Status: StatusBadIPv4, EtherType: 0x0800})
	sll := cat(be16(0), be16(1), be16(6), macA, []byte{0, 0}, be16(0x0800))
	add("linux sll", LinkLinuxSLL, cat(sll, ipTCP), pTCP)
	add("linux sll vlan", LinkLinuxSLL, cat(sll[:14], be16(0x8100), vlan(7, 0x0800, ipTCP)),
		with(pTCP, func(p *Packet) { p.VLANs[0] = 7; p.NumVLANs = 1; p.Encap = EncapVLAN }))
	sll2 := cat(be16(0x86dd), be16(0), be32(3), be16(1), []byte{0, 6}, macA, []byte{0, 0})
	add("linux sll2", LinkLinuxSLL2, cat(sll2, ip6UDP), p6UDP)
	add("ppp hdlc framing", LinkPPP, cat([]byte{0xff, 0x03}, be16(0x0021), ipTCP), pTCP)
	add("ppp compressed protocol", LinkPPP, cat([]byte{0x57}, ip6UDP), p6UDP)
	add("ppp lcp", LinkPPPHDLC, cat([]byte{0xff, 0x03}, be16(0xc021), make([]byte, 8)), Packet{Status: StatusNotIP})
	add("cisco hdlc", LinkCHDLC, cat([]byte{0x0f, 0}, be16(0x0800), ipTCP), pTCP)
	add("unsupported link", 147, ipTCP, Packet{Status: StatusUnsupportedLink})

	// --- less common link types (linkmore.go) ---
	add("arcnet linux rfc1051 ipv4", LinkARCNETLinux, cat([]byte{0xbe, 0x50, 0xab, 0x08, 240}, ipTCP), pTCP)
	add("arcnet linux rfc1201 ipv4", LinkARCNETLinux, cat([]byte{0xbe, 0x50, 0xa8, 0xe7, 212, 0, 0, 1}, ipTCP), pTCP)
	add("arcnet linux ipv6", LinkARCNETLinux, cat([]byte{1, 2, 0, 0, 196, 0, 0, 7}, ip6UDP), p6UDP)
	add("arcnet linux arp", LinkARCNETLinux, cat([]byte{1, 2, 0, 0, 213, 0, 0, 7}, make([]byte, 20)), Packet{Status: StatusNotIP})
	add("arcnet linux truncated split header", LinkARCNETLinux, []byte{1, 2, 0, 0, 212, 0, 0}, Packet{Status: StatusTruncatedLink})
	add("arcnet bsd rfc1201 ipv4", LinkARCNETBSD, cat([]byte{1, 2, 212, 0, 0, 1}, ipTCP), pTCP)
	add("arcnet bsd exception frame", LinkARCNETBSD, cat([]byte{1, 2, 212, 0xff, 0xff, 0xff, 212, 0, 0, 1}, ipTCP), pTCP)
	add("arcnet bsd rfc1051 ipv4", LinkARCNETBSD, cat([]byte{1, 2, 240}, ipTCP), pTCP)
	add("frame relay rfc2427 ipv4", LinkFrameRelay, cat([]byte{0x18, 0x41, 0x03, 0xcc}, ipTCP), pTCP)
	add("frame relay rfc2427 pad ipv6", LinkFrameRelay, cat([]byte{0x18, 0x41, 0x03, 0x00, 0x8e}, ip6UDP), p6UDP)
	add("frame relay snap ipv4", LinkFrameRelay, cat([]byte{0x18, 0x41, 0x03, 0x00, 0x80, 0, 0, 0}, be16(0x0800), ipTCP), pTCP)
	add("frame relay snap bridged ethernet", LinkFrameRelay,
		cat([]byte{0x18, 0x41, 0x03, 0x00, 0x80, 0x00, 0x80, 0xc2}, be16(0x0007), eth(0x86dd, ip6UDP)), p6UDP)
	add("frame relay nlpid ppp", LinkFrameRelay, cat([]byte{0x18, 0x41, 0x03, 0xcf, 0xff, 0x03}, be16(0x0021), ipTCP), pTCP)
	add("frame relay cisco ipv6", LinkFrameRelay, cat([]byte{0x48, 0xe1}, be16(0x86dd), ip6UDP), p6UDP)
	add("frame relay 3-byte address cisco ipv4", LinkFrameRelay, cat([]byte{0x80, 0xea, 0x9d}, be16(0x0800), ipTCP), pTCP)
	add("frame relay q.933 on dlci 0", LinkFrameRelay, []byte{0x00, 0x01, 0x03, 0x08, 0x02, 0x00, 0x01, 0x75}, Packet{Status: StatusNotIP})
	add("frame relay lapf on dlci 0", LinkFrameRelay, cat([]byte{0x00, 0x01}, be16(0x0800), ipTCP), Packet{Status: StatusNotIP})
	add("frame relay one-byte address", LinkFrameRelay, cat([]byte{0x01, 0x03, 0xcc}, ipTCP), Packet{Status: StatusNotIP})
	pktap := func(rec, dlt uint32, payload []byte) []byte {
		h := make([]byte, 108)
		copy(h, []byte{108, 0, 0, 0, byte(rec), 0, 0, 0, byte(dlt), 0, 0, 0, 'e', 'n', '0'})
		return cat(h, payload)
	}
	add("pktap ethernet", LinkPKTAP, pktap(1, 1, eth(0x0800, ipTCP)), pTCP)
	add("pktap raw", LinkPKTAP, pktap(1, 12, ip6UDP), p6UDP)
	add("user2 pktap ethernet", LinkUser2, pktap(1, 1, eth(0x0800, ipTCP)), pTCP)
	add("user2 not pktap", LinkUser2, cat(make([]byte, 120), ipTCP), Packet{Status: StatusUnsupportedLink})
	add("pktap nested pktap", LinkPKTAP, pktap(1, 258, pktap(1, 1, eth(0x0800, ipTCP))), Packet{Status: StatusNotIP})
	add("pktap inner unsupported", LinkPKTAP, pktap(1, 147, ipTCP), Packet{Status: StatusNotIP})
	add("pktap not a packet record", LinkPKTAP, pktap(2, 1, eth(0x0800, ipTCP)), Packet{Status: StatusNotIP})
	add("pktap header length beyond frame", LinkPKTAP, with4(pktap(1, 1, nil), func(b []byte) { b[0] = 200 }),
		Packet{Status: StatusTruncatedLink})
	add("juniper ether with extensions", LinkJuniperEther,
		cat([]byte{'M', 'G', 'C', 0x81}, be16(6), []byte{1, 4, 0, 0, 0, 2}, eth(0x8100, vlan(3, 0x0800, ipTCP))),
		with(pTCP, func(p *Packet) { p.VLANs[0] = 3; p.NumVLANs = 1; p.Encap = EncapVLAN }))
	add("juniper ether no extensions", LinkJuniperEther, cat([]byte{'M', 'G', 'C', 0x00}, eth(0x86dd, ip6UDP)), p6UDP)
	add("juniper no l2 ipv6", LinkJuniperEther, cat([]byte{'M', 'G', 'C', 0x02}, []byte{6, 0, 0, 0}, ip6UDP), p6UDP)
	add("juniper no l2 mpls", LinkJuniperEther, cat([]byte{'M', 'G', 'C', 0x82, 0, 0}, []byte{5, 0, 0, 0}, be32(16<<12|1<<8|64), ipTCP),
		with(pTCP, func(p *Packet) { p.Encap = EncapMPLS }))
	add("juniper bad magic", LinkJuniperEther, cat([]byte{'M', 'G', 'X', 0x00}, eth(0x0800, ipTCP)), Packet{Status: StatusNotIP})
	add("juniper extensions beyond frame", LinkJuniperEther, []byte{'M', 'G', 'C', 0x80, 0, 40, 1, 2}, Packet{Status: StatusTruncatedLink})
	ipnet := func(fam byte, payload []byte) []byte {
		return cat([]byte{1, fam, 0, 0}, be32(uint32(len(payload))), be32(2), be32(0), be32(0xffffffff), be32(0), payload)
	}
	add("ipnet ipv4", LinkIPNet, ipnet(2, ipTCP), pTCP)
	add("ipnet ipv6", LinkIPNet, ipnet(26, ip6UDP), p6UDP)
	add("ipnet other family", LinkIPNet, ipnet(7, ipTCP), Packet{Status: StatusNotIP})
	add("ipnet truncated", LinkIPNet, ipnet(2, nil)[:23], Packet{Status: StatusTruncatedLink})
	tlvLE := func(typ uint16, v []byte) []byte {
		n := 4 + len(v)
		b := cat([]byte{byte(n), byte(n >> 8), byte(typ), byte(typ >> 8)}, v)
		return cat(b, make([]byte, (4-n%4)%4))
	}
	tlvBE := func(typ uint16, v []byte) []byte {
		n := 4 + len(v)
		return cat(be16(uint16(n)), be16(typ), v, make([]byte, (4-n%4)%4))
	}
	nflogHdr := func(fam byte) []byte { return []byte{fam, 0, 0, 20} }
	add("nflog ipv4", LinkNFLOG, cat(nflogHdr(2), tlvLE(1, []byte{8, 0, 1, 0}), tlvLE(10, []byte("prefix!")), tlvLE(9, ipTCP)), pTCP)
	add("nflog ipv6 big-endian tlvs", LinkNFLOG, cat(nflogHdr(10), tlvBE(1, []byte{0x86, 0xdd, 1, 0}), tlvBE(9, ip6UDP)), p6UDP)
	add("nflog no payload", LinkNFLOG, cat(nflogHdr(2), tlvLE(1, []byte{8, 0, 1, 0})), Packet{Status: StatusNotIP})
	add("nflog bad tlv length", LinkNFLOG, cat(nflogHdr(2), []byte{2, 0, 9, 0}, ipTCP), Packet{Status: StatusTruncatedLink})
	add("nflog other family", LinkNFLOG, cat(nflogHdr(7), tlvLE(9, ipTCP)), Packet{Status: StatusNotIP})
	add("nflog nested flag masked", LinkNFLOG, cat(nflogHdr(2), tlvLE(0x8009, ipTCP)), pTCP)
	grh := make([]byte, 40)
	add("ipoib ipv4", LinkIPoIB, cat(grh, be16(0x0800), be16(0), ipTCP), pTCP)
	add("ipoib ipv6", LinkIPoIB, cat(grh, be16(0x86dd), be16(0), ip6UDP), p6UDP)
	add("ipoib arp", LinkIPoIB, cat(grh, be16(0x0806), be16(0), make([]byte, 28)), Packet{Status: StatusNotIP, EtherType: 0x0806})
	add("ipoib truncated", LinkIPoIB, grh, Packet{Status: StatusTruncatedLink})
	pre := func(b6, b7 byte) []byte { return []byte{0x55, 0x55, 0x55, 0x55, 0x55, 0x55, b6, b7} }
	crc := []byte{0xde, 0xad, 0xbe, 0xef}
	add("mpacket express", LinkEthernetMPacket, cat(pre(0x55, 0xd5), eth(0x0800, ipTCP), crc), pTCP)
	add("mpacket preemptable start", LinkEthernetMPacket, cat(pre(0x55, 0xe6), eth(0x86dd, ip6UDP), crc), p6UDP)
	add("mpacket first fragment", LinkEthernetMPacket,
		cat(pre(0x55, 0x4c), eth(0x0800, ipv4(6, a4, b4, nil, tcp(40000, 80, TCPAck, 5, 6, nil, make([]byte, 1000))))[:14+60], crc),
		wantTCP(wantIPv4(Packet{}, a4, b4, 6, 1040), 40000, 80, TCPAck, 5, 6))
	add("mpacket continuation", LinkEthernetMPacket, cat(pre(0x61, 0xe6), make([]byte, 64), crc), Packet{Status: StatusNotIP})
	add("mpacket verify", LinkEthernetMPacket, cat(pre(0x55, 0x07), make([]byte, 60), crc), Packet{Status: StatusNotIP})
	add("mpacket truncated", LinkEthernetMPacket, pre(0x55, 0xd5), Packet{Status: StatusTruncatedLink})

	// --- MPLS, PPPoE ---
	add("mpls 2 labels ipv4", LinkEthernet, eth(0x8847, cat(be32(100<<12|64), be32(200<<12|1<<8|64), ipTCP)),
		with(pTCP, func(p *Packet) { p.Encap = EncapMPLS }))
	add("mpls ipv6", LinkEthernet, eth(0x8848, cat(be32(100<<12|1<<8|64), ip6UDP)),
		with(p6UDP, func(p *Packet) { p.Encap = EncapMPLS }))
	add("mpls pw control word ethernet", LinkEthernet,
		eth(0x8847, cat(be32(100<<12|1<<8|64), be32(0), eth(0x8100, vlan(9, 0x0800, ipTCP)))),
		with(pTCP, func(p *Packet) { p.Encap = EncapMPLS | EncapVLAN; p.VLANs[0] = 9; p.NumVLANs = 1 }))
	add("mpls no bottom of stack", LinkEthernet, eth(0x8847, cat(be32(100<<12), be32(100<<12))),
		Packet{Status: StatusTruncatedMPLS, EtherType: 0x8847, Encap: EncapMPLS})
	add("vlan mpls", LinkEthernet, eth(0x8100, vlan(5, 0x8847, cat(be32(1<<8|64), ipTCP))),
		with(pTCP, func(p *Packet) { p.Encap = EncapMPLS | EncapVLAN; p.VLANs[0] = 5; p.NumVLANs = 1 }))
	pppoe := func(proto uint16, payload []byte) []byte {
		return cat([]byte{0x11, 0}, be16(0x1234), be16(uint16(2+len(payload))), be16(proto), payload)
	}
	add("pppoe ipv4", LinkEthernet, eth(0x8864, pppoe(0x0021, ipTCP)), with(pTCP, func(p *Packet) { p.Encap = EncapPPPoE }))
	add("qinq pppoe ipv6", LinkEthernet, eth(0x88a8, vlan(10, 0x8100, vlan(20, 0x8864, pppoe(0x0057, ip6UDP)))),
		with(p6UDP, func(p *Packet) {
			p.Encap = EncapPPPoE | EncapVLAN
			p.VLANs = [3]uint16{10, 20}
			p.NumVLANs = 2
		}))
	add("pppoe lcp", LinkEthernet, eth(0x8864, pppoe(0xc021, make([]byte, 10))),
		Packet{Status: StatusNotIP, EtherType: 0x8864, Encap: EncapPPPoE})
	add("pppoe discovery", LinkEthernet, eth(0x8863, []byte{0x11, 9, 0, 0, 0, 0}), Packet{Status: StatusNotIP, EtherType: 0x8863})
	add("pppoe truncated", LinkEthernet, eth(0x8864, []byte{0x11, 0, 0}),
		Packet{Status: StatusTruncatedPPPoE, EtherType: 0x8864, Encap: EncapPPPoE})

	// --- IPv4 details ---
	add("ipv4 options", LinkRaw, ipv4(6, a4, b4, []byte{1, 1, 1, 0}, syn),
		with(pTCP, func(p *Packet) { p.IPHeaderLen = 24; p.IPTotalLen = 44 }))
	trunc := ipv4(6, a4, b4, nil, tcp(40000, 80, TCPAck|TCPPsh, 5, 6, nil, make([]byte, 1460)))[:20+20+10]
	add("ipv4 snaplen truncated keeps L4", LinkRaw, trunc,
		wantTCP(wantIPv4(Packet{}, a4, b4, 6, 1500), 40000, 80, TCPAck|TCPPsh, 5, 6))
	add("ipv4 ethernet padding", LinkEthernet, cat(eth(0x0800, ipv4(17, a4, b4, nil, udp(1, 2, nil))), make([]byte, 18)),
		wantUDP(wantIPv4(Packet{}, a4, b4, 17, 28), 1, 2))
	tso := ipv4(6, a4, b4, nil, tcp(1, 2, TCPAck, 1, 2, nil, make([]byte, 100)))
	tso[2], tso[3] = 0, 0
	add("ipv4 total length 0 (TSO)", LinkRaw, tso, wantTCP(wantIPv4(Packet{}, a4, b4, 6, 140), 1, 2, TCPAck, 1, 2))
	fragFirst := ipv4(17, a4, b4, nil, udp(53, 5353, make([]byte, 100)))
	fragFirst[6] = 0x20 // MF
	add("ipv4 first fragment", LinkRaw, fragFirst,
		with(wantUDP(wantIPv4(Packet{}, a4, b4, 17, 128), 53, 5353), func(p *Packet) { p.Fragment, p.MoreFragments = true, true }))
	fragLater := ipv4(17, a4, b4, nil, make([]byte, 80))
	fragLater[6], fragLater[7] = 0x00, 185 // offset 185*8, last fragment
	add("ipv4 non-first fragment", LinkRaw, fragLater,
		with(wantIPv4(Packet{}, a4, b4, 17, 100), func(p *Packet) { p.Fragment, p.FragOffset = true, 185 }))
	tiny := ipv4(6, a4, b4, nil, syn[:8])
	tiny[6] = 0x20
	add("ipv4 tiny first fragment", LinkRaw, tiny,
		with(wantIPv4(Packet{}, a4, b4, 6, 28), func(p *Packet) { p.Fragment, p.MoreFragments = true, true }))
	add("ipv4 df ignored", LinkRaw, with4(ipTCP, func(b []byte) { b[6] = 0x40 }), pTCP)
	add("ipv4 truncated", LinkRaw, ipTCP[:19], Packet{Status: StatusTruncatedIPv4, EtherType: 0x0800})
	add("ipv4 ihl 4", LinkIPv4, with4(ipTCP, func(b []byte) { b[0] = 0x44 }), Packet{Status: StatusBadIPv4, EtherType: 0x0800})
	add("ipv4 ihl beyond capture", LinkIPv4, with4(ipTCP[:20], func(b []byte) { b[0] = 0x46 }), Packet{Status: StatusTruncatedIPv4, EtherType: 0x0800})
	add("ipv4 total < ihl", LinkIPv4, with4(ipTCP, func(b []byte) { b[2], b[3] = 0, 19 }), Packet{Status: StatusBadIPv4, EtherType: 0x0800})
	add("ipv4 other proto", LinkRaw, ipv4(46, a4, b4, nil, make([]byte, 12)), wantIPv4(Packet{}, a4, b4, 46, 32))

	// --- transports ---
	add("tcp truncated", LinkRaw, ipv4(6, a4, b4, nil, syn[:19]),
		with(wantIPv4(Packet{}, a4, b4, 6, 39), func(p *Packet) { p.Status = StatusTruncatedTCP }))
	add("tcp data offset 4", LinkRaw, ipv4(6, a4, b4, nil, with4(syn, func(b []byte) { b[12] = 0x40 })),
		with(wantIPv4(Packet{}, a4, b4, 6, 40), func(p *Packet) { p.Status = StatusBadTCP }))
	add("tcp data offset beyond ip length", LinkRaw, ipv4(6, a4, b4, nil, with4(syn, func(b []byte) { b[12] = 0xf0 })),
		with(wantIPv4(Packet{}, a4, b4, 6, 40), func(p *Packet) { p.Status = StatusBadTCP }))
	add("tcp options", LinkRaw, ipv4(6, a4, b4, nil, tcp(1, 2, TCPSyn, 3, 0, []byte{2, 4, 5, 0xb4}, nil)),
		with(wantTCP(wantIPv4(Packet{}, a4, b4, 6, 44), 1, 2, TCPSyn, 3, 0), func(p *Packet) { p.L4HeaderLen, p.PayloadLen = 24, 0 }))
	add("udp truncated", LinkRaw, ipv4(17, a4, b4, nil, []byte{0, 1, 0}),
		with(wantIPv4(Packet{}, a4, b4, 17, 23), func(p *Packet) { p.Status = StatusTruncatedUDP }))
	add("udplite", LinkRaw, ipv4(136, a4, b4, nil, udp(7, 9, []byte{1, 2})), wantUDP(wantIPv4(Packet{}, a4, b4, 136, 30), 7, 9))
	add("sctp", LinkRaw, ipv6(132, a6, b6, cat(be16(2905), be16(2906), be32(1), be32(0), make([]byte, 16))),
		with(wantIPv6(Packet{}, a6, b6, 132, 68), func(p *Packet) {
			p.HasTransport, p.SrcPort, p.DstPort, p.L4HeaderLen, p.PayloadLen = true, 2905, 2906, 12, 16
		}))
	add("sctp truncated", LinkRaw, ipv4(132, a4, b4, nil, make([]byte, 11)),
		with(wantIPv4(Packet{}, a4, b4, 132, 31), func(p *Packet) { p.Status = StatusTruncatedSCTP }))
	add("icmp echo", LinkRaw, ipv4(1, a4, b4, nil, icmp(8, 0, 0xbeef, make([]byte, 56))),
		with(wantIPv4(Packet{}, a4, b4, 1, 84), func(p *Packet) {
			p.HasTransport, p.ICMPType, p.ICMPID, p.L4HeaderLen, p.PayloadLen = true, 8, 0xbeef, 8, 56
		}))
	add("icmp unreachable has no id", LinkRaw, ipv4(1, a4, b4, nil, icmp(3, 3, 0xbeef, ipv4(17, b4, a4, nil, udp(1, 2, nil)))),
		with(wantIPv4(Packet{}, a4, b4, 1, 56), func(p *Packet) {
			p.HasTransport, p.ICMPType, p.ICMPCode, p.L4HeaderLen, p.PayloadLen = true, 3, 3, 8, 28
		}))
	add("icmp truncated", LinkRaw, ipv4(1, a4, b4, nil, []byte{8, 0, 0, 0}),
		with(wantIPv4(Packet{}, a4, b4, 1, 24), func(p *Packet) { p.Status = StatusTruncatedICMP; p.ICMPType = 8 }))
	add("icmpv6 echo reply", LinkRaw, ipv6(58, a6, b6, icmp(129, 0, 77, nil)),
		with(wantIPv6(Packet{}, a6, b6, 58, 48), func(p *Packet) {
			p.HasTransport, p.ICMPType, p.ICMPID, p.L4HeaderLen, p.PayloadLen = true, 129, 77, 8, 0
		}))
	add("icmpv6 neighbor solicitation", LinkRaw, ipv6(58, a6, b6, icmp(135, 0, 77, make([]byte, 16))),
		with(wantIPv6(Packet{}, a6, b6, 58, 64), func(p *Packet) {
			p.HasTransport, p.ICMPType, p.L4HeaderLen, p.PayloadLen = true, 135, 8, 16
		}))

	// --- IPv6 extension headers ---
	chain := cat(ext6(60, 0), ext6(43, 1), ext6(44, 0), frag6(6, 0, true, 0xabcdef), syn)
	add("ipv6 hbh dstopts routing fragment tcp", LinkRaw, ipv6(0, a6, b6, chain),
		with(wantTCP(wantIPv6(Packet{}, a6, b6, 6, 40+len(chain)), 40000, 80, TCPSyn, 1000, 0), func(p *Packet) {
			p.IPHeaderLen = 40 + 8 + 16 + 8 + 8
			p.PayloadLen = 0
			p.Fragment, p.MoreFragments, p.FragID = true, true, 0xabcdef
		}))
	later := cat(frag6(17, 100, false, 42), make([]byte, 64))
	add("ipv6 non-first fragment", LinkRaw, ipv6(44, a6, b6, later),
		with(wantIPv6(Packet{}, a6, b6, 17, 40+len(later)), func(p *Packet) {
			p.IPHeaderLen, p.PayloadLen = 48, 64
			p.Fragment, p.FragOffset, p.FragID = true, 100, 42
		}))
	atomic := cat(frag6(17, 0, false, 9), u6)
	add("ipv6 atomic fragment", LinkRaw, ipv6(44, a6, b6, atomic),
		with(wantUDP(wantIPv6(Packet{}, a6, b6, 17, 40+len(atomic)), 5353, 53), func(p *Packet) {
			p.IPHeaderLen, p.PayloadLen, p.FragID = 48, 5, 9
		}))
	ah := cat([]byte{17, 4, 0, 0}, be32(1), be32(2), make([]byte, 12), u6) // (4+2)*4 = 24 bytes
	add("ipv6 ah udp", LinkRaw, ipv6(51, a6, b6, ah),
		with(wantUDP(wantIPv6(Packet{}, a6, b6, 17, 40+len(ah)), 5353, 53), func(p *Packet) { p.IPHeaderLen, p.PayloadLen = 64, 5 }))
	add("ipv6 no next header", LinkRaw, ipv6(0, a6, b6, ext6(59, 0)),
		with(wantIPv6(Packet{}, a6, b6, 59, 48), func(p *Packet) { p.IPHeaderLen, p.PayloadLen = 48, 0 }))
	add("ipv6 mobility is a transport", LinkRaw, ipv6(60, a6, b6, cat(ext6(135, 0), make([]byte, 8))),
		with(wantIPv6(Packet{}, a6, b6, 135, 56), func(p *Packet) { p.IPHeaderLen, p.PayloadLen = 48, 8 }))
	add("ipv6 ext cut short", LinkRaw, ipv6(0, a6, b6, ext6(6, 0))[:44],
		with(wantIPv6(Packet{}, a6, b6, 0, 48), func(p *Packet) { p.Status = StatusBadIPv6Ext; p.PayloadLen = 0 }))
	add("ipv6 ext beyond payload length", LinkRaw, cat(ipv6(0, a6, b6, []byte{6, 1, 0, 0, 0, 0, 0, 0}), make([]byte, 20)),
		with(wantIPv6(Packet{}, a6, b6, 0, 48), func(p *Packet) { p.Status = StatusBadIPv6Ext; p.PayloadLen = 0 }))
	jumbo := ipv6(17, a6, b6, u6)
	jumbo[4], jumbo[5] = 0, 0
	add("ipv6 payload length 0", LinkRaw, jumbo, p6UDP)
	add("ipv6 truncated", LinkRaw, ip6UDP[:39], Packet{Status: StatusTruncatedIPv6, EtherType: 0x86dd})
	add("ipv6 snaplen truncated", LinkRaw, ipv6(17, a6, b6, udp(1, 2, make([]byte, 1000)))[:48],
		wantUDP(wantIPv6(Packet{}, a6, b6, 17, 1048), 1, 2))

	// --- tunnels ---
	tunUDP := func(p Packet, outer Tunnel, e Encap) Packet {
		p.Tunnel = outer
		p.Encap |= e
		return p
	}
	outer4 := func(proto uint8, sp, dp uint16) Tunnel {
		return Tunnel{Src: mustAddr(c4), Dst: mustAddr(d4), Proto: proto, SrcPort: sp, DstPort: dp}
	}
	innerEth := eth(0x0800, ipTCP)
	add("vxlan", LinkEthernet, eth(0x0800, ipv4(17, c4, d4, nil, udp(51000, 4789, cat([]byte{8, 0, 0, 0}, be32(42<<8), innerEth)))),
		tunUDP(pTCP, outer4(17, 51000, 4789), EncapVXLAN))
	add("vxlan without I flag stays udp", LinkEthernet, eth(0x0800, ipv4(17, c4, d4, nil, udp(51000, 4789, cat(make([]byte, 8), innerEth)))),
		wantUDP(wantIPv4(Packet{}, c4, d4, 17, 28+8+len(innerEth)), 51000, 4789))
	vxTrunc := ipv4(17, c4, d4, nil, udp(51000, 4789, cat([]byte{8, 0, 0, 0}, be32(42<<8), innerEth[:30])))
	add("vxlan inner truncated falls back to outer", LinkRaw, vxTrunc,
		with(wantUDP(wantIPv4(Packet{}, c4, d4, 17, len(vxTrunc)), 51000, 4789), func(p *Packet) { p.InnerStatus = StatusTruncatedIPv4 }))
	add("vxlan header truncated", LinkRaw, ipv4(17, c4, d4, nil, udp(51000, 4789, []byte{8, 0, 0})),
		with(wantUDP(wantIPv4(Packet{}, c4, d4, 17, 31), 51000, 4789), func(p *Packet) { p.InnerStatus = StatusTruncatedTunnel }))
	add("vxlan inner arp falls back", LinkRaw, ipv4(17, c4, d4, nil, udp(1, 4789, cat([]byte{8, 0, 0, 0}, be32(0), eth(0x0806, make([]byte, 28))))),
		with(wantUDP(wantIPv4(Packet{}, c4, d4, 17, 78), 1, 4789), func(p *Packet) { p.InnerStatus = StatusNotIP }))
	geneve := cat([]byte{0x02, 0}, be16(0x6558), be32(7<<8), make([]byte, 8), innerEth) // 2 words of options
	add("geneve ethernet with options", LinkRaw, ipv4(17, c4, d4, nil, udp(2, 6081, geneve)),
		tunUDP(pTCP, outer4(17, 2, 6081), EncapGENEVE))
	add("geneve ipv6", LinkRaw, ipv4(17, c4, d4, nil, udp(2, 6081, cat([]byte{0, 0}, be16(0x86dd), be32(0), ip6UDP))),
		tunUDP(p6UDP, outer4(17, 2, 6081), EncapGENEVE))
	gtp := cat([]byte{0x34, 255}, be16(0), be32(1), be16(0), []byte{0, 0x85}, []byte{1, 0x10, 0x09, 0xc0}, []byte{1, 1, 0, 0}, ipTCP)
	// flags 0x34: version 1, PT, E; ext 0x85 (PDU session), then 0xc0 one more ext, then 0.
	add("gtp-u with extension headers", LinkRaw, ipv4(17, c4, d4, nil, udp(2152, 2152, gtp)),
		tunUDP(pTCP, outer4(17, 2152, 2152), EncapGTPU))
	add("gtp-u plain", LinkRaw, ipv6(17, c6, d6, udp(2152, 2152, cat([]byte{0x30, 255}, be16(uint16(len(ip6UDP))), be32(9), ip6UDP))),
		tunUDP(p6UDP, Tunnel{Src: mustAddr(c6), Dst: mustAddr(d6), Proto: 17, SrcPort: 2152, DstPort: 2152}, EncapGTPU))
	add("gtp-u echo request stays udp", LinkRaw, ipv4(17, c4, d4, nil, udp(2152, 2152, cat([]byte{0x32, 1}, be16(4), be32(0), be32(0)))),
		wantUDP(wantIPv4(Packet{}, c4, d4, 17, 40), 2152, 2152))
	add("ipip 4in4", LinkRaw, ipv4(4, c4, d4, nil, ipTCP), tunUDP(pTCP, outer4(4, 0, 0), EncapIPinIP))
	add("ipip 6in4", LinkRaw, ipv4(41, c4, d4, nil, ip6UDP), tunUDP(p6UDP, outer4(41, 0, 0), EncapIPinIP))
	add("ipip 4in6", LinkRaw, ipv6(4, c6, d6, ipTCP), tunUDP(pTCP, Tunnel{Src: mustAddr(c6), Dst: mustAddr(d6), Proto: 4}, EncapIPinIP))
	add("ipip 6in6 after dstopts", LinkRaw, ipv6(60, c6, d6, cat(ext6(41, 0), ip6UDP)),
		tunUDP(p6UDP, Tunnel{Src: mustAddr(c6), Dst: mustAddr(d6), Proto: 41}, EncapIPinIP))
	gre := func(flags, ver uint8, proto uint16, opt []byte, payload []byte) []byte {
		return cat([]byte{flags, ver}, be16(proto), opt, payload)
	}
	add("gre ipv4", LinkRaw, ipv4(47, c4, d4, nil, gre(0, 0, 0x0800, nil, ipTCP)), tunUDP(pTCP, outer4(47, 0, 0), EncapGRE))
	add("gre csum key seq teb", LinkRaw, ipv4(47, c4, d4, nil, gre(0xb0, 0, 0x6558, make([]byte, 12), innerEth)),
		tunUDP(pTCP, outer4(47, 0, 0), EncapGRE))
	add("gre routing present", LinkRaw, ipv4(47, c4, d4, nil, gre(0x40, 0, 0x86dd, cat(make([]byte, 4), []byte{0, 0x800 >> 8, 0, 4}, be32(1), make([]byte, 4)), ip6UDP)),
		tunUDP(p6UDP, outer4(47, 0, 0), EncapGRE))
	add("gre erspan type I", LinkRaw, ipv4(47, c4, d4, nil, gre(0, 0, 0x88be, nil, innerEth)),
		tunUDP(pTCP, outer4(47, 0, 0), EncapGRE|EncapERSPAN))
	add("gre erspan type II", LinkRaw, ipv4(47, c4, d4, nil, gre(0x10, 0, 0x88be, be32(5), cat(be32(0x10010001), be32(0), innerEth))),
		tunUDP(pTCP, outer4(47, 0, 0), EncapGRE|EncapERSPAN))
	add("gre erspan type III with platform subheader", LinkRaw,
		ipv4(47, c4, d4, nil, gre(0x10, 0, 0x22eb, be32(5), cat(be32(0x20010001), be32(0), []byte{0, 0, 0, 1}, make([]byte, 8), innerEth))),
		tunUDP(pTCP, outer4(47, 0, 0), EncapGRE|EncapERSPAN))
	add("gre v1 pptp ppp ipv4", LinkRaw, ipv4(47, c4, d4, nil, gre(0x30, 0x81, 0x880b, cat(be16(uint16(len(ipTCP)+4)), be16(7), be32(1), be32(0)), cat([]byte{0xff, 0x03, 0, 0x21}, ipTCP))),
		tunUDP(pTCP, outer4(47, 0, 0), EncapGRE))
	add("gre v1 ack only stays gre", LinkRaw, ipv4(47, c4, d4, nil, gre(0x20, 0x81, 0x880b, cat(be16(0), be16(7), be32(1)), nil)),
		wantIPv4(Packet{}, c4, d4, 47, 32))
	add("gre mpls", LinkRaw, ipv4(47, c4, d4, nil, gre(0, 0, 0x8847, nil, cat(be32(1<<8|3), ipTCP))),
		tunUDP(pTCP, outer4(47, 0, 0), EncapGRE|EncapMPLS))
	teredo := func(prefix []byte) []byte { return ipv4(17, c4, d4, nil, udp(3544, 40000, cat(prefix, ip6UDP))) }
	add("teredo", LinkRaw, teredo(nil), tunUDP(p6UDP, outer4(17, 3544, 40000), EncapTeredo))
	add("teredo origin indicator", LinkRaw, teredo(cat(be16(0), be16(0x1234), be32(0x01020304))),
		tunUDP(p6UDP, outer4(17, 3544, 40000), EncapTeredo))
	add("teredo auth and origin", LinkRaw, teredo(cat(be16(1), []byte{2, 1}, []byte{9, 9, 7}, make([]byte, 9), be16(0), be16(1), be32(2))),
		tunUDP(p6UDP, outer4(17, 3544, 40000), EncapTeredo))
	notTeredo := ipv4(17, c4, d4, nil, udp(3544, 40000, cat([]byte{0x60}, make([]byte, 50))))
	add("port 3544 without ipv6 stays udp", LinkRaw, notTeredo, wantUDP(wantIPv4(Packet{}, c4, d4, 17, len(notTeredo)), 3544, 40000))
	bubble := ipv4(17, c4, d4, nil, udp(3544, 40000, cat(ipv6(59, a6, b6, nil), make([]byte, 8))))
	add("teredo bubble with trailing bytes", LinkRaw, bubble,
		tunUDP(wantIPv6(Packet{}, a6, b6, 59, 40), outer4(17, 3544, 40000), EncapTeredo))
	shortTeredo := ipv4(17, c4, d4, nil, udp(3544, 40000, ip6UDP[:len(ip6UDP)-1]))
	add("teredo ipv6 longer than udp payload stays udp", LinkRaw, shortTeredo,
		wantUDP(wantIPv4(Packet{}, c4, d4, 17, len(shortTeredo)), 3544, 40000))

	// --- Cisco MetaData (0x8909), WCCP ---
	cmdEth := func(et uint16) []byte { return cat([]byte{1, 1}, be16(1), be16(0x0203), be16(et)) } // version, length, options, SGT, EtherType
	add("cisco metadata ethernet", LinkEthernet, eth(0x8909, cat(cmdEth(0x0800), ipTCP)), pTCP)
	add("cisco metadata vlan ipv6", LinkEthernet, eth(0x8100, vlan(9, 0x8909, cat(cmdEth(0x86dd), ip6UDP))),
		with(p6UDP, func(p *Packet) { p.Encap = EncapVLAN; p.VLANs[0] = 9; p.NumVLANs = 1 }))
	add("cisco metadata truncated", LinkEthernet, eth(0x8909, []byte{1, 1, 0, 1, 0}), Packet{Status: StatusTruncatedVLAN, EtherType: 0x8909})
	cmdGRE := func(proto uint16) []byte { return cat(be16(proto), []byte{1, 1}, be16(1), be16(0)) } // EtherType first inside GRE
	add("gre key cisco metadata ipv4", LinkRaw, ipv4(47, c4, d4, nil, gre(0x20, 0, 0x8909, be32(0x28), cat(cmdGRE(0x0800), ipTCP))),
		tunUDP(pTCP, outer4(47, 0, 0), EncapGRE))
	add("gre cisco metadata teb", LinkRaw, ipv4(47, c4, d4, nil, gre(0, 0, 0x8909, nil, cat(cmdGRE(0x6558), innerEth))),
		tunUDP(pTCP, outer4(47, 0, 0), EncapGRE))
	greCMDTrunc := ipv4(47, c4, d4, nil, gre(0, 0, 0x8909, nil, []byte{8, 0, 1}))
	add("gre cisco metadata truncated", LinkRaw, greCMDTrunc,
		with(wantIPv4(Packet{}, c4, d4, 47, len(greCMDTrunc)), func(p *Packet) { p.InnerStatus = StatusTruncatedTunnel }))
	add("gre wccp v2 redirect header", LinkRaw, ipv4(47, c4, d4, nil, gre(0, 0, 0x883e, nil, cat(be32(0x05590048), ipTCP))),
		tunUDP(pTCP, outer4(47, 0, 0), EncapGRE))
	add("gre wccp v1", LinkRaw, ipv4(47, c4, d4, nil, gre(0, 0, 0x883e, nil, ipTCP)), tunUDP(pTCP, outer4(47, 0, 0), EncapGRE))
	wccp6 := ipv4(47, c4, d4, nil, gre(0, 0, 0x883e, nil, cat(be32(0), ip6UDP)))
	add("gre wccp carrying ipv6 falls back", LinkRaw, wccp6,
		with(wantIPv4(Packet{}, c4, d4, 47, len(wccp6)), func(p *Packet) { p.InnerStatus = StatusBadIPv4 }))
	wccpTrunc := ipv4(47, c4, d4, nil, gre(0, 0, 0x883e, nil, []byte{0, 0, 1}))
	add("gre wccp v2 truncated", LinkRaw, wccpTrunc,
		with(wantIPv4(Packet{}, c4, d4, 47, len(wccpTrunc)), func(p *Packet) { p.InnerStatus = StatusTruncatedTunnel }))

	// --- GRE-in-UDP, MPLS-in-UDP, AYIYA, VXLAN-GPE, NSH ---
	add("gre in udp", LinkRaw, ipv4(17, c4, d4, nil, udp(50343, 4754, gre(0, 0, 0x0800, nil, ipTCP))),
		tunUDP(pTCP, outer4(17, 50343, 4754), EncapGRE|EncapUDPEncap))
	add("gre in udp from port 4754 ipv6", LinkRaw, ipv4(17, c4, d4, nil, udp(4754, 50343, gre(0x20, 0, 0x86dd, be32(1), ip6UDP))),
		tunUDP(p6UDP, outer4(17, 4754, 50343), EncapGRE|EncapUDPEncap))
	greUDPv1 := ipv4(17, c4, d4, nil, udp(50343, 4754, gre(0x20, 0x81, 0x880b, cat(be16(0), be16(7), be32(1)), cat([]byte{0xff, 0x03, 0, 0x21}, ipTCP))))
	add("gre in udp version 1 stays udp", LinkRaw, greUDPv1, wantUDP(wantIPv4(Packet{}, c4, d4, 17, len(greUDPv1)), 50343, 4754))
	add("mpls in udp", LinkRaw, ipv4(17, c4, d4, nil, udp(58699, 6635, cat(be32(16<<12|1<<8|64), ipTCP))),
		tunUDP(pTCP, outer4(17, 58699, 6635), EncapUDPEncap|EncapMPLS))
	mplsUDPBad := ipv4(17, c4, d4, nil, udp(58699, 6635, cat(be32(16<<12|1<<8|64), []byte{0x12, 0x34})))
	add("mpls in udp not ip falls back", LinkRaw, mplsUDPBad,
		with(wantUDP(wantIPv4(Packet{}, c4, d4, 17, len(mplsUDPBad)), 58699, 6635), func(p *Packet) { p.InnerStatus = StatusNotIP }))
	// AYIYA: identity 2^4 = 16 bytes (type 1), signature 5 words (SHA1),
	// auth 1, opcode 1 (forward), next header.
	ayiya := func(op, next uint8, payload []byte) []byte {
		return cat([]byte{0x41, 0x52, 0x10 | op, next}, be32(0x50000000), make([]byte, 16+20), payload)
	}
	add("ayiya ipv6", LinkRaw, ipv4(17, c4, d4, nil, udp(40000, 5072, ayiya(1, 41, ip6UDP))),
		tunUDP(p6UDP, outer4(17, 40000, 5072), EncapAYIYA))
	add("ayiya ipv4 from port 5072", LinkRaw, ipv4(17, c4, d4, nil, udp(5072, 40000, ayiya(1, 4, ipTCP))),
		tunUDP(pTCP, outer4(17, 5072, 40000), EncapAYIYA))
	ayiyaHB := ipv4(17, c4, d4, nil, udp(40000, 5072, ayiya(0, 59, nil)))
	add("ayiya heartbeat stays udp", LinkRaw, ayiyaHB, wantUDP(wantIPv4(Packet{}, c4, d4, 17, len(ayiyaHB)), 40000, 5072))
	ayiyaTrunc := ipv4(17, c4, d4, nil, udp(40000, 5072, ayiya(1, 41, nil)[:30]))
	add("ayiya identity truncated", LinkRaw, ayiyaTrunc,
		with(wantUDP(wantIPv4(Packet{}, c4, d4, 17, len(ayiyaTrunc)), 40000, 5072), func(p *Packet) { p.InnerStatus = StatusTruncatedTunnel }))
	// NSH MD type 2 with two 8-byte context TLVs: length 6 words.
	nsh := func(next uint8, payload []byte) []byte {
		return cat([]byte{0x30, 0x06, 0x02, next}, be32(0xffffffff), be32(0x00010201), be32(0x12345678), be32(0x00020301), be32(0x12345678), payload)
	}
	gpe := func(flags, next uint8, payload []byte) []byte {
		return cat([]byte{flags, 0, 0, next}, be32(0xffffff00), payload)
	}
	add("vxlan-gpe nsh ipv4", LinkRaw, ipv4(17, c4, d4, nil, udp(4790, 4790, gpe(0x0c, 4, nsh(1, ipTCP)))),
		tunUDP(pTCP, outer4(17, 4790, 4790), EncapVXLAN))
	add("vxlan-gpe ipv6", LinkRaw, ipv4(17, c4, d4, nil, udp(1, 4790, gpe(0x0c, 2, ip6UDP))),
		tunUDP(p6UDP, outer4(17, 1, 4790), EncapVXLAN))
	add("vxlan-gpe without P flag is ethernet", LinkRaw, ipv4(17, c4, d4, nil, udp(1, 4790, gpe(0x08, 0, innerEth))),
		tunUDP(pTCP, outer4(17, 1, 4790), EncapVXLAN))
	add("vxlan-gpe nsh ethernet mpls", LinkRaw, ipv4(17, c4, d4, nil, udp(1, 4790, gpe(0x0c, 4, nsh(3, eth(0x8847, cat(be32(1<<8|3), ipTCP)))))),
		tunUDP(pTCP, outer4(17, 1, 4790), EncapVXLAN|EncapMPLS))
	gpeV1 := ipv4(17, c4, d4, nil, udp(1, 4790, gpe(0x1c, 1, ipTCP)))
	add("vxlan-gpe version 1 stays udp", LinkRaw, gpeV1, wantUDP(wantIPv4(Packet{}, c4, d4, 17, len(gpeV1)), 1, 4790))
	gpeSrc := ipv4(17, c4, d4, nil, udp(4790, 1, gpe(0x0c, 1, ipTCP)))
	add("vxlan-gpe source port only stays udp", LinkRaw, gpeSrc, wantUDP(wantIPv4(Packet{}, c4, d4, 17, len(gpeSrc)), 4790, 1))
	add("nsh over ethernet", LinkEthernet, eth(0x894f, nsh(1, ipTCP)), pTCP)
	add("nsh in nsh ipv6", LinkEthernet, eth(0x894f, nsh(4, nsh(2, ip6UDP))), p6UDP)
	add("nsh bad length", LinkEthernet, eth(0x894f, cat([]byte{0x30, 0x01, 0x02, 1}, be32(0), ipTCP)), Packet{Status: StatusNotIP, EtherType: 0x894f})
	add("nsh truncated", LinkEthernet, eth(0x894f, nsh(1, nil)[:20]), Packet{Status: StatusTruncatedTunnel, EtherType: 0x894f})
	// Nested: GRE carrying VXLAN: Tunnel is the outermost (GRE) tuple.
	vx := ipv4(17, a4, c4, nil, udp(1, 4789, cat([]byte{8, 0, 0, 0}, be32(0), eth(0x86dd, ip6UDP))))
	add("vxlan in gre keeps outermost tuple", LinkEthernet, eth(0x8100, vlan(3, 0x0800, ipv4(47, c4, d4, nil, gre(0, 0, 0x0800, nil, vx)))),
		with(tunUDP(p6UDP, outer4(47, 0, 0), EncapGRE|EncapVXLAN|EncapVLAN), func(p *Packet) {
			p.VLANs[0] = 3
			p.NumVLANs = 1
			// The VXLAN layer inside GRE is the innermost tunnel.
			p.InnerTunnel = Tunnel{Src: mustAddr(a4), Dst: mustAddr(c4), Proto: 17, SrcPort: 1, DstPort: 4789, IPTotalLen: uint32(len(vx)), TTL: 64}
		}))
	// 20 nested IPv4-in-IPv4 headers.
	deep := ipTCP
	for i := 0; i < 20; i++ {
		deep = ipv4(4, c4, d4, nil, deep)
	}
	add("too many layers", LinkRaw, deep, Packet{Status: StatusTooManyLayers, IPVersion: 4, Src: mustAddr(c4), Dst: mustAddr(d4),
		Proto: 4, TTL: 64, IPTotalLen: uint32(len(deep)), IPHeaderLen: 20, FragID: 0x1234, EtherType: 0x0800,
		PayloadLen: uint32(len(deep) - 20), InnerStatus: StatusTooManyLayers})
	// --- FabricPath, PBB ---
	add("fabricpath ipv4", LinkEthernet, eth(0x8903, cat(be16(0x0c3f), eth(0x0800, ipTCP))),
		with(pTCP, func(p *Packet) { p.Encap = EncapFabricPath }))
	add("fabricpath inner vlan ipv6", LinkEthernet, eth(0x8903, cat(be16(1), eth(0x8100, vlan(12, 0x86dd, ip6UDP)))),
		with(p6UDP, func(p *Packet) { p.Encap = EncapFabricPath | EncapVLAN; p.VLANs[0] = 12; p.NumVLANs = 1 }))
	add("fabricpath truncated", LinkEthernet, eth(0x8903, cat(be16(1), macA)), Packet{Status: StatusTruncatedLink, EtherType: 0x8903})
	add("fabricpath inner arp", LinkEthernet, eth(0x8903, cat(be16(1), eth(0x0806, make([]byte, 28)))),
		Packet{Status: StatusNotIP, EtherType: 0x0806, Encap: EncapFabricPath})
	add("vlan pbb vlan ipv4", LinkEthernet, eth(0x8100, vlan(4051, 0x88e7, cat(be32(0x001ebb30), eth(0x8100, vlan(7, 0x0800, ipTCP))))),
		with(pTCP, func(p *Packet) { p.Encap = EncapPBB | EncapVLAN; p.VLANs = [3]uint16{4051, 7}; p.NumVLANs = 2 }))
	add("pbb ipv6", LinkEthernet, eth(0x88e7, cat(be32(1), eth(0x86dd, ip6UDP))),
		with(p6UDP, func(p *Packet) { p.Encap = EncapPBB }))
	add("pbb truncated", LinkEthernet, eth(0x88e7, cat(be32(1), macA, macB)), Packet{Status: StatusTruncatedLink, EtherType: 0x88e7})
	pbbDeep := eth(0x0800, ipTCP)
	for i := 0; i < MaxDepth; i++ {
		pbbDeep = eth(0x88e7, cat(be32(1), pbbDeep))
	}
	add("pbb nested beyond MaxDepth", LinkEthernet, pbbDeep, Packet{Status: StatusTooManyLayers, EtherType: 0x88e7, Encap: EncapPBB})

	// --- IEEE 802.11, radiotap, Aruba GRE ---
	snap := func(et uint16, payload []byte) []byte {
		return cat([]byte{0xaa, 0xaa, 0x03, 0, 0, 0}, be16(et), payload)
	}
	// wlan builds a data frame: FC, duration, 3 addresses, sequence control,
	// address 4 when both DS bits are set, then extra (QoS, HT control).
	wlan := func(fc0, fc1 byte, extra []byte, payload []byte) []byte {
		h := cat([]byte{fc0, fc1, 0x2c, 0}, macA, macB, macA, []byte{0x10, 0})
		if fc1&3 == 3 {
			h = cat(h, macB)
		}
		return cat(h, extra, payload)
	}
	add("802.11 data to-DS ipv4", LinkIEEE80211, wlan(0x08, 0x01, nil, snap(0x0800, ipTCP)), pTCP)
	add("802.11 data bridge-tunnel oui", LinkIEEE80211, wlan(0x08, 0x02, nil, cat([]byte{0xaa, 0xaa, 0x03, 0, 0, 0xf8}, be16(0x0800), ipTCP)), pTCP)
	add("802.11 qos 4-address ipv6", LinkIEEE80211, wlan(0x88, 0x03, []byte{0x05, 0}, snap(0x86dd, ip6UDP)), p6UDP)
	add("802.11 qos +HTC", LinkIEEE80211, wlan(0x88, 0x82, []byte{0, 0, 1, 2, 3, 4}, snap(0x0800, ipTCP)), pTCP)
	add("802.11 qos vlan", LinkIEEE80211, wlan(0x88, 0x01, []byte{0, 0}, snap(0x8100, vlan(9, 0x0800, ipTCP))),
		with(pTCP, func(p *Packet) { p.Encap = EncapVLAN; p.VLANs[0] = 9; p.NumVLANs = 1 }))
	add("802.11 protected", LinkIEEE80211, wlan(0x88, 0x41, []byte{0, 0}, make([]byte, 60)), Packet{Status: StatusNotIP})
	add("802.11 null data", LinkIEEE80211, wlan(0x48, 0x01, nil, nil), Packet{Status: StatusNotIP})
	add("802.11 beacon", LinkIEEE80211, wlan(0x80, 0, nil, make([]byte, 40)), Packet{Status: StatusNotIP})
	add("802.11 llc not snap", LinkIEEE80211, wlan(0x08, 0x01, nil, cat([]byte{0x42, 0x42, 0x03}, make([]byte, 40))), Packet{Status: StatusNotIP})
	add("802.11 apple oui", LinkIEEE80211, wlan(0x08, 0x01, nil, cat([]byte{0xaa, 0xaa, 0x03, 0, 0x17, 0xf2}, be16(0x0800), ipTCP)), Packet{Status: StatusNotIP})
	add("802.11 arp", LinkIEEE80211, wlan(0x08, 0x01, nil, snap(0x0806, make([]byte, 28))), Packet{Status: StatusNotIP, EtherType: 0x0806})
	add("802.11 truncated header", LinkIEEE80211, wlan(0x08, 0x01, nil, nil)[:23], Packet{Status: StatusTruncatedLink})
	add("802.11 truncated qos", LinkIEEE80211, wlan(0x88, 0x03, nil, nil), Packet{Status: StatusTruncatedLink})
	add("802.11 truncated llc", LinkIEEE80211, wlan(0x08, 0x01, nil, []byte{0xaa, 0xaa, 0x03}), Packet{Status: StatusTruncatedLink})
	sub1, sub2 := snap(0x0800, ipTCP), snap(0x86dd, ip6UDP)
	amsdu := cat(macA, macB, be16(uint16(len(sub1))), sub1, make([]byte, (4-len(sub1)%4)%4), macA, macB, be16(uint16(len(sub2))), sub2)
	add("802.11 a-msdu first subframe", LinkIEEE80211, wlan(0x88, 0x02, []byte{0x80, 0}, amsdu),
		with(pTCP, func(p *Packet) { p.Encap = EncapAMSDU }))
	add("802.11 a-msdu truncated", LinkIEEE80211, wlan(0x88, 0x02, []byte{0x80, 0}, amsdu[:10]), Packet{Status: StatusTruncatedLink})
	rtap := []byte{0, 0, 8, 0, 0, 0, 0, 0}
	add("radiotap 802.11 ipv4", LinkRadiotap, cat(rtap, wlan(0x08, 0x02, nil, snap(0x0800, ipTCP))), pTCP)
	// present: TSFT + Flags (data pad); TSFT at 8, Flags at 16, length 18.
	rtapPad := cat([]byte{0, 0, 18, 0, 3, 0, 0, 0}, make([]byte, 8), []byte{0x20, 0})
	add("radiotap data pad", LinkRadiotap, cat(rtapPad, wlan(0x88, 0x01, []byte{0, 0}, cat([]byte{0, 0}, snap(0x0800, ipTCP)))), pTCP)
	// an extended present bitmap (bit 31) before the Flags field at 12.
	rtapExt := cat([]byte{0, 0, 14, 0, 2, 0, 0, 0x80}, be32(0), []byte{0x10, 0})
	add("radiotap extended present, fcs flag", LinkRadiotap, cat(rtapExt, wlan(0x08, 0x01, nil, snap(0x0800, ipTCP)), be32(0xdeadbeef)), pTCP)
	add("radiotap length beyond frame", LinkRadiotap, cat([]byte{0, 0, 200, 0}, make([]byte, 20)), Packet{Status: StatusTruncatedLink})
	add("radiotap bad version", LinkRadiotap, cat([]byte{1, 0, 8, 0, 0, 0, 0, 0}, make([]byte, 40)), Packet{Status: StatusNotIP})
	add("radiotap truncated", LinkRadiotap, []byte{0, 0, 8}, Packet{Status: StatusTruncatedLink})
	add("gre aruba 802.11", LinkRaw, ipv4(47, c4, d4, nil, cat(be16(0), be16(0x8200), wlan(0x08, 0x02, nil, snap(0x0800, ipTCP)))),
		with(pTCP, func(p *Packet) {
			p.Encap = EncapGRE
			p.Tunnel = Tunnel{Src: mustAddr(c4), Dst: mustAddr(d4), Proto: 47}
		}))
	add("gre aruba 0x8240 a-msdu", LinkRaw, ipv4(47, c4, d4, nil, cat(be16(0), be16(0x8240), wlan(0x88, 0x02, []byte{0x80, 0}, amsdu))),
		with(pTCP, func(p *Packet) {
			p.Encap = EncapGRE | EncapAMSDU
			p.Tunnel = Tunnel{Src: mustAddr(c4), Dst: mustAddr(d4), Proto: 47}
		}))
	arubaEnc := ipv4(47, c4, d4, nil, cat(be16(0), be16(0x8300), wlan(0x88, 0x42, []byte{0, 0}, make([]byte, 40))))
	add("gre aruba protected stays gre", LinkRaw, arubaEnc,
		with(wantIPv4(Packet{}, c4, d4, 47, len(arubaEnc)), func(p *Packet) { p.InnerStatus = StatusNotIP }))
	arubaNot := ipv4(47, c4, d4, nil, cat(be16(0), be16(0x8201), wlan(0x08, 0x02, nil, snap(0x0800, ipTCP))))
	add("gre 0x8201 is not aruba", LinkRaw, arubaNot,
		with(wantIPv4(Packet{}, c4, d4, 47, len(arubaNot)), func(p *Packet) { p.InnerStatus = StatusNotIP }))

	// The outer tunnel's IP total length and TTL: the builders write TTL 64
	// (IPv4) and 55 (IPv6), and the outer IP packet is the frame after its
	// link header (none for RAW, Ethernet plus the outer VLAN tags).
	for i := range cs {
		w := &cs[i].want
		if w.Encap&encapTunnels == 0 {
			continue
		}
		link := 0
		if cs[i].link == LinkEthernet {
			link = 14 + 4*int(w.NumVLANs)
		}
		w.Tunnel.IPTotalLen = uint32(len(cs[i].frame) - link)
		w.Tunnel.TTL = 64
		if w.Tunnel.Src.Is6() {
			w.Tunnel.TTL = 55
		}
	}
	return cs
}

func with4(b []byte, f func([]byte)) []byte {
	c := bytes.Clone(b)
	f(c)
	return c
}

func TestDecodeTable(t *testing.T) {
	for _, c := range decodeCases() {
		t.Run(c.name, func(t *testing.T) {
			var p Packet
			// Prime with garbage to prove Decode resets every field.
			p = Packet{SrcPort: 9, TCPFlags: 0xff, NumVLANs: 3, Encap: 0xffff, InnerStatus: 5, Fragment: true}
			s := Decode(c.frame, c.link, &p)
			if s != p.Status {
				t.Errorf("returned %v, p.Status %v", s, p.Status)
			}
			if p != c.want {
				t.Errorf("frame % x\n got %+v\nwant %+v", c.frame, p, c.want)
			}
		})
	}
}
