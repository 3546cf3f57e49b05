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

	portVXLAN  = 4789
	portGENEVE = 6081
	portGTPU   = 2152
	portTeredo = 3544
)

func (u udpHeader) srcPort() uint16 { return binary.BigEndian.Uint16(u[udpSrcPort:]) }
func (u udpHeader) dstPort() uint16 { return binary.BigEndian.Uint16(u[udpDstPort:]) }

// decodeUDP fills the UDP fields and, for plain UDP, looks for UDP tunnels
// by port: VXLAN (dst 4789), GENEVE (dst 6081), GTP-U (2152 either side),
// Teredo (3544 either side).
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
	switch {
	case p.DstPort == portVXLAN:
		return decodeVXLAN(payload, p, depth)
	case p.DstPort == portGENEVE:
		return decodeGENEVE(payload, p, depth)
	case p.DstPort == portGTPU || p.SrcPort == portGTPU:
		return decodeGTPU(payload, p, depth)
	case p.DstPort == portTeredo || p.SrcPort == portTeredo:
		return decodeTeredo(payload, int(p.PayloadLen), p, depth)
	}
	return StatusOK
}
