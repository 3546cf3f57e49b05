package decode

// GTP-U version 1 header (3GPP TS 29.281), UDP port 2152:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| Ver |P|R|E|S|N| Message Type  |            Length             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|          Tunnel Endpoint Identifier (TEID)                    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|    Sequence Number (E|S|N)    | N-PDU Number  | Next Ext Type |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// With E set, extension headers follow while Next Ext Type != 0; each is
// (length in 4-byte units) | contents | next extension type. Message type
// 255 (G-PDU) carries an IPv4 or IPv6 packet; other messages (echo,
// error indication, ...) leave the UDP packet as the result.
const (
	gtpFlags        = 0
	gtpMsgType      = 1
	gtpNextExt      = 11
	gtpMinimumSize  = 8
	gtpOptionalSize = 12

	gtpFlagPT   = 0x10
	gtpFlagE    = 0x04
	gtpFlagsESN = 0x07
	gtpGPDU     = 255
)

func decodeGTPU(b []byte, p *Packet, depth int) Status {
	if len(b) < gtpMinimumSize {
		return tunnelTruncated(p)
	}
	f := b[gtpFlags]
	if f>>5 != 1 || f&gtpFlagPT == 0 || b[gtpMsgType] != gtpGPDU {
		return StatusOK
	}
	n := gtpMinimumSize
	if f&gtpFlagsESN != 0 {
		n = gtpOptionalSize
		if len(b) < n {
			return tunnelTruncated(p)
		}
		if f&gtpFlagE != 0 {
			next := b[gtpNextExt]
			for next != 0 {
				if len(b) < n+1 {
					return tunnelTruncated(p)
				}
				l := int(b[n]) * 4
				if l == 0 || len(b) < n+l {
					return tunnelTruncated(p)
				}
				next = b[n+l-1]
				n += l
			}
		}
	}
	return decodeTunnel(b[n:], p, depth, EncapGTPU, innerIP, 0)
}
