package decode

import "encoding/binary"

// GENEVE header (RFC 8926), UDP destination port 6081:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|        Virtual Network Identifier (VNI)       |    Reserved   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Variable-Length Options (Opt Len * 4)      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Protocol type 0x6558 carries Ethernet; others are EtherTypes (IPv4, IPv6).
const (
	geneveVerOptLen   = 0
	geneveProtocol    = 2
	geneveMinimumSize = 8
)

func decodeGENEVE(b []byte, p *Packet, depth int) Status {
	if len(b) < geneveMinimumSize {
		return tunnelTruncated(p)
	}
	if b[geneveVerOptLen]>>6 != 0 {
		return StatusOK // unknown version: the UDP packet stands
	}
	n := geneveMinimumSize + int(b[geneveVerOptLen]&0x3f)*4
	if len(b) < n {
		return tunnelTruncated(p)
	}
	proto := binary.BigEndian.Uint16(b[geneveProtocol:])
	if proto == etherTypeTEB {
		return decodeTunnel(b[n:], p, depth, EncapGENEVE, innerEthernet, 0)
	}
	return decodeTunnel(b[n:], p, depth, EncapGENEVE, innerEtherType, proto)
}
