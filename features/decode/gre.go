package decode

import "encoding/binary"

// GRE header (RFC 2784 / RFC 2890 / RFC 1701 routing; version 1 is the
// enhanced GRE of PPTP, RFC 2637, which adds an acknowledgment number):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      Checksum (optional)      |       Offset (optional)       |  C or R
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         Key (optional)                        |  K
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 Sequence Number (optional)                    |  S
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|               Acknowledgment Number (optional)                |  A, v1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Routing (optional, R, v0)                  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Each routing Source Route Entry is address family (2), offset (1),
// length (1) and length bytes; the list ends with family 0 and length 0.
const (
	greFlags       = 0
	greVersion     = 1
	greProtocol    = 2
	greMinimumSize = 4

	greFlagC = 0x80 // in byte 0
	greFlagR = 0x40
	greFlagK = 0x20
	greFlagS = 0x10
	greFlagA = 0x80 // in byte 1 (version 1)
)

// ERSPAN type II header (8 bytes) and type III header (12 bytes, plus an
// 8-byte platform-specific subheader when O is set):
//
//	Type II:
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Ver  |          VLAN         | COS | En|T|    Session ID     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      Reserved         |                 Index                 |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	Type III:
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Ver  |          VLAN         | COS |BSO|T|    Session ID     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                          Timestamp                            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|             SGT               |P|    FT   |   Hw ID   |D|Gra|O|
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// ERSPAN type I uses protocol 0x88be without a GRE sequence number and has
// no ERSPAN header: Ethernet follows GRE directly.
const (
	erspan2Size      = 8
	erspan3Size      = 12
	erspan3Flags     = 11
	erspan3FlagO     = 0x01
	erspan3PlatfSize = 8
)

// WCCP redirection (GRE protocol 0x883e): WCCPv1 puts the redirected IPv4
// packet right after the GRE header; WCCPv2 first adds a 4-byte redirect
// header:
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|D|A|dPri(6)|sPri(6)| Reserved  |   Service ID  |  Alt Bucket   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 redirected IPv4 packet ...                    |
//
// Wireshark (packet-gre.c) and the Linux ip_wccp module tell them apart by
// the first byte after the GRE header: a version nibble of 4 is WCCPv1's
// IPv4 header, anything else is the WCCPv2 header (whose first bits are
// reserved as zero). The inner packet is always IPv4.
const (
	greProtoWCCP   = 0x883e
	wccp2RedirSize = 4
)

// decodeGRE decodes the GRE packet b. bit is the Encap bit(s) of the tunnel:
// EncapGRE, or EncapGRE|EncapUDPEncap for GRE-in-UDP.
func decodeGRE(b []byte, p *Packet, depth int, bit Encap) Status {
	if len(b) < greMinimumSize {
		return tunnelTruncated(p)
	}
	f, v := b[greFlags], b[greVersion]
	ver := v & 0x07
	if ver > 1 || (ver == 1 && bit&EncapUDPEncap != 0) {
		return StatusOK // not a GRE we know (RFC 8086 allows version 0 only); the outer packet stands
	}
	hdr := greMinimumSize
	if f&(greFlagC|greFlagR) != 0 {
		hdr += 4
	}
	if f&greFlagK != 0 {
		hdr += 4
	}
	if f&greFlagS != 0 {
		hdr += 4
	}
	if ver == 1 && v&greFlagA != 0 {
		hdr += 4
	}
	if ver == 0 && f&greFlagR != 0 {
		for {
			if len(b) < hdr+4 {
				return tunnelTruncated(p)
			}
			af := binary.BigEndian.Uint16(b[hdr:])
			l := int(b[hdr+3])
			hdr += 4 + l
			if af == 0 && l == 0 {
				break
			}
		}
	}
	if len(b) < hdr {
		return tunnelTruncated(p)
	}
	proto := binary.BigEndian.Uint16(b[greProtocol:])
	inner := b[hdr:]
	if ver == 1 {
		if proto != etherTypePPP || len(inner) == 0 {
			return StatusOK // PPTP acknowledgment without payload
		}
		return decodeTunnel(inner, p, depth, bit, innerPPP, 0)
	}
	if proto == etherTypeCMD {
		// Cisco MetaData: the real protocol type follows (cmd.go).
		if len(inner) < cmdSize {
			return tunnelTruncated(p)
		}
		proto, inner = cmdGRENext(inner), inner[cmdSize:]
	}
	switch proto {
	case etherTypeTEB:
		return decodeTunnel(inner, p, depth, bit, innerEthernet, 0)
	case etherTypeERSPAN:
		if f&greFlagS != 0 { // type II
			if len(inner) < erspan2Size {
				return tunnelTruncated(p)
			}
			inner = inner[erspan2Size:]
		}
		return decodeTunnel(inner, p, depth, bit|EncapERSPAN, innerEthernet, 0)
	case etherTypeERSPAN3:
		if len(inner) < erspan3Size {
			return tunnelTruncated(p)
		}
		n := erspan3Size
		if inner[erspan3Flags]&erspan3FlagO != 0 {
			n += erspan3PlatfSize
		}
		if len(inner) < n {
			return tunnelTruncated(p)
		}
		return decodeTunnel(inner[n:], p, depth, bit|EncapERSPAN, innerEthernet, 0)
	case etherTypePPP:
		return decodeTunnel(inner, p, depth, bit, innerPPP, 0)
	case greProtoWCCP:
		if len(inner) == 0 {
			return tunnelTruncated(p)
		}
		if inner[0]>>4 != 4 {
			if len(inner) < wccp2RedirSize {
				return tunnelTruncated(p)
			}
			inner = inner[wccp2RedirSize:]
		}
		return decodeTunnel(inner, p, depth, bit, innerEtherType, etherTypeIPv4)
	}
	if arubaGREProto(proto) {
		return decodeTunnel(inner, p, depth, bit, innerIEEE80211, 0)
	}
	return decodeTunnel(inner, p, depth, bit, innerEtherType, proto)
}

// arubaGREProto reports the GRE protocol types with which Aruba access
// points tunnel raw IEEE 802.11 frames to their controller: 0x8200-0x82f0
// and 0x8300-0x8370 in steps of 0x10, and 0x9000. This is the set both Zeek
// (packet_analysis/protocol/gre) and Wireshark (the "gre.proto" table of
// packet-ieee80211.c) hand to their 802.11 dissector.
func arubaGREProto(proto uint16) bool {
	if proto&0x0f != 0 {
		return false
	}
	return (proto >= 0x8200 && proto <= 0x82f0) || (proto >= 0x8300 && proto <= 0x8370) || proto == 0x9000
}
