package decode

// VXLAN Generic Protocol Extension (draft-ietf-nvo3-vxlan-gpe), UDP
// destination port 4790: the VXLAN header with a P flag and a Next Protocol
// byte:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|R|R|Ver|I|P|B|O|       Reserved                |Next Protocol  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                VXLAN Network Identifier (VNI) |   Reserved    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Next Protocol: 1 IPv4, 2 IPv6, 3 Ethernet, 4 NSH, 5 MPLS. Without the P
// flag the payload is Ethernet, as in VXLAN. Version must be 0 and the I
// flag set, otherwise the UDP packet stands. The tunnel sets EncapVXLAN.
const (
	portVXLANGPE    = 4790
	gpeFlags        = 0
	gpeNextProtocol = 3
	gpeSize         = 8
	gpeVersionMask  = 0x30
	gpeFlagI        = 0x08
	gpeFlagP        = 0x04
)

// Next Protocol values shared by VXLAN-GPE and NSH (IANA "NSH Next
// Protocol" registry).
const (
	npIPv4     = 1
	npIPv6     = 2
	npEthernet = 3
	npNSH      = 4
	npMPLS     = 5
)

func decodeVXLANGPE(b []byte, p *Packet, depth int) Status {
	if len(b) < gpeSize {
		return tunnelTruncated(p)
	}
	f := b[gpeFlags]
	if f&gpeVersionMask != 0 || f&gpeFlagI == 0 {
		return StatusOK
	}
	np := uint8(npEthernet)
	if f&gpeFlagP != 0 {
		np = b[gpeNextProtocol]
	}
	return decodeTunnel(b[gpeSize:], p, depth, EncapVXLAN, innerNextProtocol, uint16(np))
}

// Network Service Header (RFC 8300), after VXLAN-GPE (next protocol 4) or
// EtherType 0x894F:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Ver|O|U|    TTL    |   Length  |U|U|U|U|MD Type| Next Protocol |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|          Service Path Identifier (SPI)        | Service Index |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                  Context headers (MD type 1 or 2) ...         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Length is the whole NSH header in 4-byte words (at least 2). Version must
// be 0. NSH is a service header, not a tunnel: it has no Encap bit of its
// own, and each NSH header counts as a layer against MaxDepth.
const (
	etherTypeNSH    = 0x894f
	nshVerLen       = 0 // version in the top 2 bits of byte 0
	nshLength       = 1 // low 6 bits, in 4-byte words
	nshNextProtocol = 3
	nshMinimumSize  = 8
)

func decodeNSH(b []byte, p *Packet, depth int) Status {
	if depth >= MaxDepth {
		return StatusTooManyLayers
	}
	if len(b) < nshMinimumSize {
		return StatusTruncatedTunnel
	}
	if b[nshVerLen]>>6 != 0 {
		return StatusNotIP
	}
	n := int(b[nshLength]&0x3f) * 4
	if n < nshMinimumSize {
		return StatusNotIP
	}
	if len(b) < n {
		return StatusTruncatedTunnel
	}
	return decodeNextProtocol(b[nshNextProtocol], b[n:], p, depth+1)
}

// decodeNextProtocol decodes b by a VXLAN-GPE/NSH Next Protocol value.
func decodeNextProtocol(np uint8, b []byte, p *Packet, depth int) Status {
	switch np {
	case npIPv4:
		return decodeEtherType(etherTypeIPv4, b, p, depth)
	case npIPv6:
		return decodeEtherType(etherTypeIPv6, b, p, depth)
	case npEthernet:
		return decodeEthernet(b, p, depth)
	case npNSH:
		p.EtherType = etherTypeNSH
		return decodeNSH(b, p, depth)
	case npMPLS:
		return decodeEtherType(etherTypeMPLS, b, p, depth)
	}
	return StatusNotIP
}
