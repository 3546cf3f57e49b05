package decode

// VXLAN header (RFC 7348), UDP destination port 4789, then Ethernet:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|R|R|R|R|I|R|R|R|            Reserved                           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                VXLAN Network Identifier (VNI) |   Reserved    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The I flag must be set (a valid VNI); otherwise the UDP packet stands.
const (
	vxlanFlags = 0
	vxlanFlagI = 0x08
	vxlanSize  = 8
)

func decodeVXLAN(b []byte, p *Packet, depth int) Status {
	if len(b) < vxlanSize {
		return tunnelTruncated(p)
	}
	if b[vxlanFlags]&vxlanFlagI == 0 {
		return StatusOK
	}
	return decodeTunnel(b[vxlanSize:], p, depth, EncapVXLAN, innerEthernet, 0)
}
