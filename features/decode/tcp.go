package decode

import "encoding/binary"

// TCP header (RFC 9293, with the NS bit of RFC 3540):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|          Source Port          |       Destination Port        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                        Sequence Number                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Acknowledgment Number                      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Data |     |N|C|E|U|A|P|R|S|F|                               |
//	| Offset| Rsv |S|W|C|R|C|S|S|Y|I|            Window             |
//	|       |     | |R|E|G|K|H|T|N|N|                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           Checksum            |         Urgent Pointer        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type tcpHeader []byte

const (
	tcpSrcPort     = 0
	tcpDstPort     = 2
	tcpSeq         = 4
	tcpAck         = 8
	tcpDataOffset  = 12
	tcpFlags       = 13
	tcpWindow      = 14
	tcpMinimumSize = 20
)

func (t tcpHeader) srcPort() uint16 { return binary.BigEndian.Uint16(t[tcpSrcPort:]) }
func (t tcpHeader) dstPort() uint16 { return binary.BigEndian.Uint16(t[tcpDstPort:]) }
func (t tcpHeader) seq() uint32     { return binary.BigEndian.Uint32(t[tcpSeq:]) }
func (t tcpHeader) ack() uint32     { return binary.BigEndian.Uint32(t[tcpAck:]) }
func (t tcpHeader) dataOffset() int { return int(t[tcpDataOffset]>>4) * 4 }
func (t tcpHeader) flags() uint16 {
	return uint16(t[tcpFlags]) | uint16(t[tcpDataOffset]&1)<<8
}
func (t tcpHeader) window() uint16 { return binary.BigEndian.Uint16(t[tcpWindow:]) }

// decodeTCP fills the TCP fields. Options cut short by the capture do not
// matter (the fixed 20 bytes carry every field we keep); a data offset beyond
// the IP payload length is StatusBadTCP.
func decodeTCP(b []byte, declared int, p *Packet) Status {
	if len(b) < tcpMinimumSize {
		return truncatedL4(p, StatusTruncatedTCP)
	}
	t := tcpHeader(b)
	doff := t.dataOffset()
	if doff < tcpMinimumSize || doff > declared {
		return StatusBadTCP
	}
	p.HasTransport = true
	p.SrcPort = t.srcPort()
	p.DstPort = t.dstPort()
	p.TCPSeq = t.seq()
	p.TCPAck = t.ack()
	p.TCPFlags = t.flags()
	p.TCPWindow = t.window()
	p.L4HeaderLen = uint16(doff)
	p.PayloadLen = uint32(declared - doff)
	return StatusOK
}

// truncatedL4 handles a transport header that does not fit: in a first
// fragment (more fragments follow) that is the fragmentation's doing and the
// packet is still OK without transport; otherwise it is status s.
func truncatedL4(p *Packet, s Status) Status {
	if p.MoreFragments {
		return StatusOK
	}
	return s
}
