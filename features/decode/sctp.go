package decode

import "encoding/binary"

// SCTP common header (RFC 9260):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Source Port Number        |     Destination Port Number   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                      Verification Tag                         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                           Checksum                            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
const (
	sctpSrcPort     = 0
	sctpDstPort     = 2
	sctpMinimumSize = 12
)

func decodeSCTP(b []byte, declared int, p *Packet) Status {
	if len(b) < sctpMinimumSize {
		return truncatedL4(p, StatusTruncatedSCTP)
	}
	p.HasTransport = true
	p.SrcPort = binary.BigEndian.Uint16(b[sctpSrcPort:])
	p.DstPort = binary.BigEndian.Uint16(b[sctpDstPort:])
	p.L4HeaderLen = sctpMinimumSize
	p.PayloadLen = uint32(max(declared-sctpMinimumSize, 0))
	return StatusOK
}
