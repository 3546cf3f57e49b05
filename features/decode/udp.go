package decode

import "encoding/binary"

// UDP header (RFC 768); UDP-Lite (RFC 3828) has the same layout with a
// checksum coverage in place of the length:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|          Source Port          |       Destination Port        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|       Length / Coverage       |           Checksum            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type udpHeader []byte

const (
	udpSrcPort     = 0
	udpDstPort     = 2
	udpMinimumSize = 8

	portVXLAN   = 4789
	portGENEVE  = 6081
	portGTPU    = 2152
	portTeredo  = 3544
	portGREUDP  = 4754 // RFC 8086 GRE-in-UDP
	portMPLSUDP = 6635 // RFC 7510 MPLS-in-UDP
)

func (u udpHeader) srcPort() uint16 { return binary.BigEndian.Uint16(u[udpSrcPort:]) }
func (u udpHeader) dstPort() uint16 { return binary.BigEndian.Uint16(u[udpDstPort:]) }

// decodeUDP fills the UDP fields and, for plain UDP, looks for UDP tunnels
// by port: VXLAN (dst 4789), VXLAN-GPE (dst 4790), GENEVE (dst 6081), GTP-U
// (2152 either side), Teredo (3544 either side), AYIYA (5072 either side),
// GRE-in-UDP (4754 either side) and MPLS-in-UDP (6635 either side). The
// destination port is tried first: a packet from port 3544 to port 6635 is
// MPLS-in-UDP.
func decodeUDP(b []byte, declared int, proto uint8, p *Packet, depth int) Status {
	if len(b) < udpMinimumSize {
		return truncatedL4(p, StatusTruncatedUDP)
	}
	u := udpHeader(b)
	p.HasTransport = true
	p.SrcPort = u.srcPort()
	p.DstPort = u.dstPort()
	p.L4HeaderLen = udpMinimumSize
	if declared < udpMinimumSize {
		declared = udpMinimumSize
	}
	p.PayloadLen = uint32(declared - udpMinimumSize)
	if proto != protoUDP || p.Fragment {
		return StatusOK
	}
	payload := b[udpMinimumSize:]
	if s, ok := decodeUDPTunnel(p.DstPort, payload, p, depth); ok {
		return s
	}
	if s, ok := decodeUDPTunnel(p.SrcPort, payload, p, depth); ok {
		return s
	}
	return StatusOK
}

// decodeUDPTunnel decodes payload as the tunnel of UDP port port, if it is
// one (ok). VXLAN, VXLAN-GPE and GENEVE are matched on the destination port
// only.
func decodeUDPTunnel(port uint16, payload []byte, p *Packet, depth int) (s Status, ok bool) {
	switch port {
	case portVXLAN, portVXLANGPE, portGENEVE:
		if port != p.DstPort {
			return 0, false
		}
		switch port {
		case portVXLAN:
			return decodeVXLAN(payload, p, depth), true
		case portVXLANGPE:
			return decodeVXLANGPE(payload, p, depth), true
		}
		return decodeGENEVE(payload, p, depth), true
	case portGTPU:
		return decodeGTPU(payload, p, depth), true
	case portTeredo:
		return decodeTeredo(payload, int(p.PayloadLen), p, depth), true
	case portAYIYA:
		return decodeAYIYA(payload, p, depth), true
	case portGREUDP:
		return decodeGRE(payload, p, depth, EncapGRE|EncapUDPEncap), true
	case portMPLSUDP:
		return decodeTunnel(payload, p, depth, EncapUDPEncap, innerEtherType, etherTypeMPLS), true
	}
	return 0, false
}
