package decode

import "encoding/binary"

// PPPoE session header (RFC 2516) and the PPP protocol field after it:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  VER  | TYPE  |      CODE     |          SESSION_ID           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|            LENGTH             |      PPP protocol             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
const (
	pppoeVerType  = 0
	pppoeCode     = 1
	pppoeProtocol = 6
	pppoeSize     = 8 // including the 2-byte PPP protocol
)

func decodePPPoE(b []byte, p *Packet, depth int) Status {
	p.Encap |= EncapPPPoE
	if len(b) < pppoeSize {
		return StatusTruncatedPPPoE
	}
	if b[pppoeVerType] != 0x11 || b[pppoeCode] != 0 {
		return StatusNotIP
	}
	return decodePPP(binary.BigEndian.Uint16(b[pppoeProtocol:]), b[pppoeSize:], p, depth)
}
