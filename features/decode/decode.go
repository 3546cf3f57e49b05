package decode

// MaxDepth bounds nesting: Decode gives up with StatusTooManyLayers when a
// frame holds more than MaxDepth Ethernet and IP headers in total (a plain
// Ethernet/IPv4 frame uses 2, Ethernet/IPv4/UDP/VXLAN/Ethernet/IPv6 uses 4).
const MaxDepth = 16

// IP protocol numbers the decoder switches on.
const (
	protoICMP    = 1
	protoIPIP    = 4
	protoTCP     = 6
	protoUDP     = 17
	protoIPv6    = 41
	protoGRE     = 47
	protoICMPv6  = 58
	protoSCTP    = 132
	protoUDPLite = 136
)

// Decode decodes frame, captured on a link of type linkType (a pcap
// LINKTYPE_ value), into *p, and returns the status it also stores in
// p.Status.
//
// Decode first resets *p, so no field survives from a previous frame. It
// never allocates, never panics on malformed input, and does not retain
// frame: p holds copies (addresses are netip.Addr values), so frame may be
// reused as soon as Decode returns. It is safe for concurrent use with
// distinct Packets.
//
// Status is StatusOK when an IP header was decoded, with its transport
// header when the protocol has one that Decode knows (TCP, UDP, UDP-Lite,
// SCTP, ICMP, ICMPv6; HasTransport says whether it was present). Other IP
// protocols, non-first fragments and IPv6 "no next header" are OK without a
// transport. A non-OK status keeps the fields decoded before the problem
// (EtherType, VLANs, Encap, ...) for statistics.
//
// Tunnels (GRE, ERSPAN, WCCP, VXLAN, VXLAN-GPE, GENEVE, GTP-U, IP-in-IP,
// Teredo, AYIYA, GRE-in-UDP, MPLS-in-UDP) are decoded
// through: the IP/transport fields describe the innermost packet, p.Tunnel
// the outermost tunnel's tuple, and p.Encap has the tunnel's bit. When the
// inner packet cannot be decoded (truncated, not IP, ...), the summary is
// the outer packet as if it were not a tunnel (Status OK, tunnel bit clear,
// Tunnel unchanged) and p.InnerStatus records why. StatusTooManyLayers is
// the exception: it is returned as the status, with the outermost packet's
// summary and InnerStatus StatusTooManyLayers.
func Decode(frame []byte, linkType uint32, p *Packet) Status {
	*p = Packet{}
	s := decodeLink(frame, linkType, p)
	p.Status = s
	return s
}

// decodeTransport decodes the transport of protocol proto. b is the IP
// payload as captured (bounded by the IP lengths); declared is the payload
// length the IP header(s) claim.
func decodeTransport(proto uint8, b []byte, declared int, p *Packet, depth int) Status {
	if declared < 0 {
		declared = 0
	}
	p.PayloadLen = uint32(declared)
	switch proto {
	case protoTCP:
		return decodeTCP(b, declared, p)
	case protoUDP, protoUDPLite:
		return decodeUDP(b, declared, proto, p, depth)
	case protoSCTP:
		return decodeSCTP(b, declared, p)
	case protoICMP:
		return decodeICMP(b, declared, false, p)
	case protoICMPv6:
		return decodeICMP(b, declared, true, p)
	case protoIPIP:
		if p.Fragment {
			return StatusOK
		}
		return decodeTunnel(b, p, depth, EncapIPinIP, innerEtherType, etherTypeIPv4)
	case protoIPv6:
		if p.Fragment {
			return StatusOK
		}
		return decodeTunnel(b, p, depth, EncapIPinIP, innerEtherType, etherTypeIPv6)
	case protoGRE:
		if p.Fragment {
			return StatusOK
		}
		return decodeGRE(b, p, depth, EncapGRE)
	}
	return StatusOK
}

// What a tunnel carries.
const (
	innerEthernet     = iota // an Ethernet frame
	innerEtherType           // the payload of EtherType et
	innerIP                  // IPv4 or IPv6 by version nibble
	innerPPP                 // a PPP frame (address/control optional)
	innerIEEE80211           // an IEEE 802.11 frame (Aruba GRE)
	innerNextProtocol        // VXLAN-GPE/NSH Next Protocol et (IPv4, IPv6, Ethernet, NSH, MPLS)
)

// decodeTunnel decodes the inner packet b of a tunnel whose outer summary is
// in *p. On success the inner packet's fields replace the outer ones, Tunnel
// holds the outermost tuple and bit is added to Encap. On failure *p is
// restored to the outer summary with InnerStatus set (see Decode).
func decodeTunnel(b []byte, p *Packet, depth int, bit Encap, kind int, et uint16) Status {
	outer := *p
	here := Tunnel{Src: p.Src, Dst: p.Dst, Proto: p.Proto, SrcPort: p.SrcPort, DstPort: p.DstPort,
		IPTotalLen: p.IPTotalLen, TTL: p.TTL}
	tun, inner := p.Tunnel, here
	if p.Encap&encapTunnels == 0 {
		tun, inner = here, Tunnel{}
	}
	*p = Packet{
		VLANs:       p.VLANs,
		NumVLANs:    p.NumVLANs,
		Encap:       p.Encap | bit,
		Tunnel:      tun,
		InnerTunnel: inner,
	}
	var s Status
	switch kind {
	case innerEthernet:
		s = decodeEthernet(b, p, depth)
	case innerEtherType:
		s = decodeEtherType(et, b, p, depth)
	case innerIP:
		s = decodeIPByVersion(b, p, depth)
		if s == StatusTruncatedLink {
			s = StatusTruncatedTunnel
		}
	case innerPPP:
		proto, rest, ok := pppProtocol(b)
		if !ok {
			s = StatusTruncatedTunnel
		} else {
			s = decodePPP(proto, rest, p, depth)
		}
	case innerIEEE80211:
		s = decodeIEEE80211(b, p, depth)
		if s == StatusTruncatedLink {
			s = StatusTruncatedTunnel
		}
	case innerNextProtocol:
		s = decodeNextProtocol(uint8(et), b, p, depth)
	}
	if s == StatusOK {
		return s
	}
	*p = outer
	p.InnerStatus = s
	if s == StatusTooManyLayers {
		return s
	}
	return StatusOK
}

// tunnelTruncated reports a tunnel header cut short: the outer packet stands,
// with InnerStatus StatusTruncatedTunnel.
func tunnelTruncated(p *Packet) Status {
	p.InnerStatus = StatusTruncatedTunnel
	return StatusOK
}
