package decode

// AYIYA, Anything In Anything (draft-massar-v6ops-ayiya), UDP port 5072 on
// either side:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| IDLen | IDType| SigLen| HshMeth| AutMeth| OpCode | Next Header |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         Epoch Time                            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|        Identity (2^IDLen bytes) ... Signature (SigLen*4 bytes)|
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 payload (Next Header) ...                     |
//
// Only OpCode 1 (forward) carries a packet, as in Zeek (AYIYA.cc) and
// Wireshark (packet-ayiya.c); its Next Header is an IP protocol number, of
// which 4 (IPv4) and 41 (IPv6) are decoded. Any other message, or a header
// longer than the payload, leaves the UDP packet standing.
const (
	portAYIYA       = 5072
	ayiyaIDLen      = 0 // high nibble: log2 of the identity length
	ayiyaSigLen     = 1 // high nibble: signature length in 4-byte words
	ayiyaOpCode     = 2 // low nibble
	ayiyaNextHeader = 3
	ayiyaFixedSize  = 8
	ayiyaOpForward  = 1
)

func decodeAYIYA(b []byte, p *Packet, depth int) Status {
	if len(b) < ayiyaFixedSize {
		return StatusOK
	}
	if b[ayiyaOpCode]&0x0f != ayiyaOpForward {
		return StatusOK
	}
	n := ayiyaFixedSize + 1<<(b[ayiyaIDLen]>>4) + int(b[ayiyaSigLen]>>4)*4
	if len(b) < n {
		return tunnelTruncated(p)
	}
	switch b[ayiyaNextHeader] {
	case protoIPIP:
		return decodeTunnel(b[n:], p, depth, EncapAYIYA, innerEtherType, etherTypeIPv4)
	case protoIPv6:
		return decodeTunnel(b[n:], p, depth, EncapAYIYA, innerEtherType, etherTypeIPv6)
	}
	return StatusOK
}
