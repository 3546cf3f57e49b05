package decode

import "encoding/binary"

// Teredo (RFC 4380), UDP port 3544 on either side: an IPv6 packet in UDP,
// optionally preceded by an authentication and/or an origin indicator:
//
//	Authentication indicator:
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|        Indicator type = 1     |  ID-len       |  AU-len       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Client identifier (ID-len bytes) | Authentication value (AU-len)
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         Nonce (8 bytes)                       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| Confirmation  |
//	+-+-+-+-+-+-+-+-+
//
//	Origin indication:
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|        Indicator type = 0     | Obscured origin port number   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                  Obscured origin IPv4 address                 |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Port 3544 is not proof of Teredo: the inner packet is decoded only when it
// looks like IPv6 (version 6, and 40 + payload length fits in the UDP
// payload left); otherwise the UDP packet stands. Bytes after the IPv6
// packet (padding after a bubble) are allowed, as tshark allows them, but
// only when the inner packet then decodes (an IPv6-looking prefix of some
// other payload stays plain UDP, without InnerStatus); they are not counted
// as IP bytes.
const (
	teredoAuthFixed  = 4 + 8 + 1 // type, lengths, nonce, confirmation
	teredoOriginSize = 8
	teredoAuthIDLen  = 2
	teredoAuthAuLen  = 3
)

// decodeTeredo: b is the UDP payload as captured, declared its length from
// the IP header.
func decodeTeredo(b []byte, declared int, p *Packet, depth int) Status {
	if len(b) >= teredoAuthFixed && b[0] == 0 && b[1] == 1 {
		n := teredoAuthFixed + int(b[teredoAuthIDLen]) + int(b[teredoAuthAuLen])
		if len(b) < n {
			return StatusOK
		}
		b, declared = b[n:], declared-n
	}
	if len(b) >= teredoOriginSize && b[0] == 0 && b[1] == 0 {
		b, declared = b[teredoOriginSize:], declared-teredoOriginSize
	}
	if len(b) < 8 || b[0]>>4 != 6 {
		return StatusOK
	}
	n := ipv6MinimumSize + int(binary.BigEndian.Uint16(b[ipv6PayloadLen:]))
	if n > declared {
		return StatusOK
	}
	if n == declared {
		return decodeTunnel(b, p, depth, EncapTeredo, innerEtherType, etherTypeIPv6)
	}
	// Trailing bytes: Teredo only if the IPv6 packet decodes; a failure
	// is taken for plain UDP (no InnerStatus), not for a broken tunnel.
	in := p.InnerStatus
	s := decodeTunnel(b, p, depth, EncapTeredo, innerEtherType, etherTypeIPv6)
	if s == StatusOK && p.Encap&EncapTeredo == 0 {
		p.InnerStatus = in
	}
	return s
}
