package decode

import "encoding/binary"

// ICMP (RFC 792) and ICMPv6 (RFC 4443) header; the second word is
// message-specific, an identifier and sequence number for echo-like types:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Type      |     Code      |          Checksum             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           Identifier          |        Sequence Number        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
const (
	icmpType        = 0
	icmpCode        = 1
	icmpID          = 4
	icmpMinimumSize = 8
)

// icmpHasID reports whether an ICMP message type carries an identifier:
// echo reply/request (0/8), timestamp (13/14), information (15/16), address
// mask (17/18).
func icmpHasID(t uint8) bool {
	switch t {
	case 0, 8, 13, 14, 15, 16, 17, 18:
		return true
	}
	return false
}

// icmpv6HasID: echo request/reply (128/129).
func icmpv6HasID(t uint8) bool { return t == 128 || t == 129 }

// decodeICMP fills type, code and, where the type has one, the identifier.
// Fewer than 8 bytes is StatusTruncatedICMP (type and code are kept when
// present).
func decodeICMP(b []byte, declared int, v6 bool, p *Packet) Status {
	if len(b) >= 2 {
		p.ICMPType = b[icmpType]
		p.ICMPCode = b[icmpCode]
	}
	if len(b) < icmpMinimumSize {
		return truncatedL4(p, StatusTruncatedICMP)
	}
	p.HasTransport = true
	if (!v6 && icmpHasID(p.ICMPType)) || (v6 && icmpv6HasID(p.ICMPType)) {
		p.ICMPID = binary.BigEndian.Uint16(b[icmpID:])
	}
	p.L4HeaderLen = icmpMinimumSize
	p.PayloadLen = uint32(max(declared-icmpMinimumSize, 0))
	return StatusOK
}
