package decode

// MPLS label stack entry (RFC 3032), repeated until S (bottom of stack) is set:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                Label                  | TC  |S|      TTL      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The payload type is not signalled: a first nibble of 4 is IPv4, 6 is IPv6,
// and 0 is a pseudowire control word (RFC 4385, 4 bytes) followed by Ethernet.
const (
	mplsBoS       = 2 // byte holding the S bit (0x01)
	mplsEntrySize = 4
	mplsCWSize    = 4
)

func decodeMPLS(b []byte, p *Packet, depth int) Status {
	p.Encap |= EncapMPLS
	for {
		if len(b) < mplsEntrySize {
			return StatusTruncatedMPLS
		}
		bos := b[mplsBoS]&1 == 1
		b = b[mplsEntrySize:]
		if bos {
			break
		}
	}
	if len(b) == 0 {
		return StatusTruncatedMPLS
	}
	switch b[0] >> 4 {
	case 4:
		return decodeEtherType(etherTypeIPv4, b, p, depth)
	case 6:
		return decodeEtherType(etherTypeIPv6, b, p, depth)
	case 0:
		if len(b) < mplsCWSize+ethernetMinSize {
			return StatusTruncatedMPLS
		}
		return decodeEthernet(b[mplsCWSize:], p, depth)
	}
	return StatusNotIP
}
