package decode

import "encoding/binary"

// Cisco MetaData (CMD, EtherType 0x8909) carries a Security Group Tag
// (Cisco TrustSec). Its 8 bytes are laid out differently after an Ethernet
// header and inside GRE (Wireshark's packet-cmd.c, dissect_cmd_eth and
// dissect_cmd_gre):
//
//	After Ethernet (EtherType 0x8909), the next EtherType comes last:
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|    Version    |    Length     |            Options            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|       SGT                     |          EtherType            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//	Inside GRE (protocol 0x8909), the next GRE protocol type comes first:
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Protocol Type (EtherType)   |    Version    |    Length     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|            Options            |              SGT              |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// CMD is a tag, not a tunnel: it has no Encap bit (like LLC/SNAP).
const (
	etherTypeCMD    = 0x8909
	cmdSize         = 8
	cmdEthEtherType = 6 // next EtherType, after Ethernet
	cmdGREProtocol  = 0 // next GRE protocol type, inside GRE
)

func cmdEthNext(b []byte) uint16 { return binary.BigEndian.Uint16(b[cmdEthEtherType:]) }
func cmdGRENext(b []byte) uint16 { return binary.BigEndian.Uint16(b[cmdGREProtocol:]) }
