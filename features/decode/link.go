package decode

import "encoding/binary"

// Link types (pcap LINKTYPE_ values) that Decode understands. They mirror
// reader.LinkType; decode does not import reader so that it stays standalone.
const (
	LinkNull      uint32 = 0   // BSD loopback, host-order 4-byte address family
	LinkEthernet  uint32 = 1   // IEEE 802.3 Ethernet
	LinkPPP       uint32 = 9   // PPP, optionally with HDLC-like address/control
	LinkFDDI      uint32 = 10  // FDDI, 802.2 LLC/SNAP after a 13-byte header
	LinkRawOld12  uint32 = 12  // raw IP (DLT_RAW on most BSDs)
	LinkRawOld14  uint32 = 14  // raw IP (DLT_RAW on OpenBSD)
	LinkPPPHDLC   uint32 = 50  // PPP in HDLC-like framing
	LinkRaw       uint32 = 101 // raw IPv4/IPv6, version nibble decides
	LinkCHDLC     uint32 = 104 // Cisco HDLC
	LinkIEEE80211 uint32 = 105 // IEEE 802.11 without a radio header
	LinkLoop      uint32 = 108 // OpenBSD loopback, network-order family
	LinkLinuxSLL  uint32 = 113 // Linux cooked capture v1
	LinkRadiotap  uint32 = 127 // radiotap header, then IEEE 802.11
	LinkIPv4      uint32 = 228 // raw IPv4
	LinkIPv6      uint32 = 229 // raw IPv6
	LinkLinuxSLL2 uint32 = 276 // Linux cooked capture v2
)

// Ethernet header (IEEE 802.3):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                  Destination MAC (6 bytes)                    |
//	+                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                               |                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+      Source MAC (6 bytes)     +
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   EtherType / length (2)      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type ethernetHeader []byte

const (
	ethDst          = 0
	ethSrc          = 6
	ethType         = 12
	ethernetMinSize = 14
)

func (e ethernetHeader) etherType() uint16 { return binary.BigEndian.Uint16(e[ethType:]) }

// EtherTypes the decoder switches on.
const (
	etherTypeIPv4     = 0x0800
	etherTypeARP      = 0x0806
	etherTypeTEB      = 0x6558 // Transparent Ethernet Bridging
	etherTypeERSPAN3  = 0x22eb
	etherTypeVLAN     = 0x8100
	etherTypeIPv6     = 0x86dd
	etherTypePPP      = 0x880b
	etherTypeMPLS     = 0x8847
	etherTypeMPLSMC   = 0x8848
	etherTypePPPoED   = 0x8863
	etherTypePPPoES   = 0x8864
	etherTypeQinQ     = 0x88a8
	etherTypePBB      = 0x88e7 // IEEE 802.1ah I-TAG
	etherTypeFabric   = 0x8903 // Cisco FabricPath
	etherTypeERSPAN   = 0x88be
	etherTypeVNTag    = 0x8926
	etherTypeQinQOld1 = 0x9100
	etherTypeQinQOld2 = 0x9200
)

// 802.1Q / 802.1ad tag, following the outer EtherType (0x8100, 0x88a8, 0x9100):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| PCP |D|       VLAN ID         |      Inner EtherType          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type vlanTag []byte

const (
	vlanTCI     = 0
	vlanType    = 2
	vlanTagSize = 4
)

func (v vlanTag) id() uint16        { return binary.BigEndian.Uint16(v[vlanTCI:]) & 0x0fff }
func (v vlanTag) etherType() uint16 { return binary.BigEndian.Uint16(v[vlanType:]) }

// Cisco VN-Tag, following EtherType 0x8926:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|D|P|   Destination VIF         |L|R|Ver|    Source VIF         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      Inner EtherType          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
const (
	vnTagType = 4
	vnTagSize = 6
)

// IEEE 802.1ah provider backbone bridging (PBB, MAC-in-MAC), following the
// backbone EtherType 0x88e7: a 4-byte I-TAG, then the customer's Ethernet
// header (C-DA, C-SA, EtherType), as Zeek and Wireshark decode it:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| PCP |D|U|Res|                   I-SID (24)                    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|          customer Ethernet header (14 bytes) ...              |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
const pbbITagSize = 4

// Cisco FabricPath: the 16-byte FabricPath header is an outer Ethernet-like
// header (outer DA 6, outer SA 6, EtherType 0x8903, FTag/TTL 2), followed by
// the classical Ethernet frame (DA, SA, EtherType, ...). After the EtherType
// only the 2-byte FTag/TTL word remains:
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|    FTag (10)      |  TTL (6)  |  inner Ethernet header (14)...
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// (Zeek: packet_analysis/protocol/ethernet skips 16 bytes from the frame
// start; Wireshark: packet-cisco-fp.c, CISCO_FP_HEADER_LEN 16.)
const fabricPathTagSize = 2

// IEEE 802.2 LLC + SNAP, after an 802.3 length field:
//
//	+--------+--------+--------+--------+--------+--------+--------+--------+
//	| DSAP=AA| SSAP=AA| Ctl=03 |         OUI (3)          |  EtherType (2)  |
//	+--------+--------+--------+--------+--------+--------+--------+--------+
const (
	snapType = 6
	snapSize = 8
)

// Linux cooked capture v1 (LINKTYPE_LINUX_SLL), 16 bytes:
//
//	+-----------------+-----------------+-----------------+
//	| packet type (2) | ARPHRD type (2) | addr length (2) |
//	+-----------------+-----------------+-----------------+
//	|            link-layer address (8 bytes)             |
//	+-----------------+-----------------------------------+
//	| protocol (2)    |
//	+-----------------+
const (
	sllProtocol = 14
	sllSize     = 16
)

// Linux cooked capture v2 (LINKTYPE_LINUX_SLL2), 20 bytes:
//
//	+-----------------+-----------------+-----------------------------------+
//	| protocol (2)    | reserved (2)    |       interface index (4)         |
//	+-----------------+--------+--------+-----------------------------------+
//	| ARPHRD type (2) |pkttype | addrlen|
//	+-----------------+--------+--------+
//	|            link-layer address (8 bytes)             |
//	+-----------------------------------------------------+
const (
	sll2Protocol = 0
	sll2Size     = 20
)

// BSD loopback address families (LINKTYPE_NULL / LINKTYPE_LOOP).
const (
	bsdAFInet         = 2
	bsdAFInet6BSD     = 24 // NetBSD, OpenBSD, BSD/OS
	bsdAFInet6FreeBSD = 28
	bsdAFInet6Darwin  = 30
	nullHeaderSize    = 4
)

// Cisco HDLC (LINKTYPE_C_HDLC), 4 bytes:
//
//	+---------+---------+-------------------+
//	| address | control | protocol (2)      |  protocol is an EtherType
//	+---------+---------+-------------------+
const (
	chdlcProtocol = 2
	chdlcSize     = 4
)

// FDDI (LINKTYPE_FDDI): frame control (1), destination (6), source (6), then
// an IEEE 802.2 LLC header, SNAP for IP.
const fddiSize = 13

// PPP protocol numbers.
const (
	pppIPv4 = 0x0021
	pppIPv6 = 0x0057
	pppMPLS = 0x0281
)

// pppProtocol reads a PPP header: an optional HDLC-like 0xff 0x03
// address/control pair, then a 1-byte (compressed, odd) or 2-byte protocol.
func pppProtocol(b []byte) (proto uint16, rest []byte, ok bool) {
	if len(b) >= 2 && b[0] == 0xff && b[1] == 0x03 {
		b = b[2:]
	}
	if len(b) >= 1 && b[0]&1 == 1 {
		return uint16(b[0]), b[1:], true
	}
	if len(b) < 2 {
		return 0, nil, false
	}
	return binary.BigEndian.Uint16(b), b[2:], true
}

// decodeLink dispatches on the capture's link type.
func decodeLink(frame []byte, linkType uint32, p *Packet) Status {
	switch linkType {
	case LinkEthernet:
		return decodeEthernet(frame, p, 0)
	case LinkNull, LinkLoop:
		if len(frame) < nullHeaderSize {
			return StatusTruncatedLink
		}
		var fam uint32
		if linkType == LinkLoop {
			fam = binary.BigEndian.Uint32(frame)
		} else {
			// Host order of the capturing machine: families are small, so a
			// value with high bits set was written big-endian.
			fam = binary.LittleEndian.Uint32(frame)
			if fam > 0xffff {
				fam = binary.BigEndian.Uint32(frame)
			}
		}
		switch fam {
		case bsdAFInet:
			return decodeEtherType(etherTypeIPv4, frame[nullHeaderSize:], p, 0)
		case bsdAFInet6BSD, bsdAFInet6FreeBSD, bsdAFInet6Darwin:
			return decodeEtherType(etherTypeIPv6, frame[nullHeaderSize:], p, 0)
		}
		return StatusNotIP
	case LinkRaw, LinkRawOld12, LinkRawOld14:
		return decodeIPByVersion(frame, p, 0)
	case LinkIPv4:
		return decodeEtherType(etherTypeIPv4, frame, p, 0)
	case LinkIPv6:
		return decodeEtherType(etherTypeIPv6, frame, p, 0)
	case LinkLinuxSLL:
		if len(frame) < sllSize {
			return StatusTruncatedLink
		}
		return decodeEtherType(binary.BigEndian.Uint16(frame[sllProtocol:]), frame[sllSize:], p, 0)
	case LinkLinuxSLL2:
		if len(frame) < sll2Size {
			return StatusTruncatedLink
		}
		return decodeEtherType(binary.BigEndian.Uint16(frame[sll2Protocol:]), frame[sll2Size:], p, 0)
	case LinkPPP, LinkPPPHDLC:
		proto, rest, ok := pppProtocol(frame)
		if !ok {
			return StatusTruncatedLink
		}
		return decodePPP(proto, rest, p, 0)
	case LinkFDDI:
		if len(frame) < fddiSize {
			return StatusTruncatedLink
		}
		return decodeEtherType(0, frame[fddiSize:], p, 0) // 0: an LLC header follows
	case LinkCHDLC:
		if len(frame) < chdlcSize {
			return StatusTruncatedLink
		}
		return decodeEtherType(binary.BigEndian.Uint16(frame[chdlcProtocol:]), frame[chdlcSize:], p, 0)
	case LinkIEEE80211:
		return decodeIEEE80211(frame, p, 0)
	case LinkRadiotap:
		return decodeRadiotap(frame, p)
	case LinkARCNETBSD, LinkARCNETLinux:
		return decodeARCNET(frame, linkType == LinkARCNETLinux, p)
	case LinkFrameRelay:
		return decodeFrameRelay(frame, p)
	case LinkPKTAP, LinkUser2:
		return decodePKTAP(frame, linkType == LinkUser2, p)
	case LinkJuniperEther:
		return decodeJuniperEther(frame, p)
	case LinkIPNet:
		return decodeIPNet(frame, p)
	case LinkNFLOG:
		return decodeNFLOG(frame, p)
	case LinkIPoIB:
		return decodeIPoIB(frame, p)
	case LinkEthernetMPacket:
		return decodeMPacket(frame, p)
	}
	return StatusUnsupportedLink
}

// decodeEthernet decodes an Ethernet header and what follows it.
func decodeEthernet(b []byte, p *Packet, depth int) Status {
	if depth >= MaxDepth {
		return StatusTooManyLayers
	}
	if len(b) < ethernetMinSize {
		return StatusTruncatedLink
	}
	return decodeEtherType(ethernetHeader(b).etherType(), b[ethernetMinSize:], p, depth+1)
}

// decodeIPByVersion decodes b as IPv4 or IPv6 by its version nibble.
func decodeIPByVersion(b []byte, p *Packet, depth int) Status {
	if len(b) == 0 {
		return StatusTruncatedLink
	}
	switch b[0] >> 4 {
	case 4:
		return decodeEtherType(etherTypeIPv4, b, p, depth)
	case 6:
		return decodeEtherType(etherTypeIPv6, b, p, depth)
	}
	return StatusNotIP
}

// decodePPP decodes a PPP payload of the given PPP protocol.
func decodePPP(proto uint16, b []byte, p *Packet, depth int) Status {
	switch proto {
	case pppIPv4:
		return decodeEtherType(etherTypeIPv4, b, p, depth)
	case pppIPv6:
		return decodeEtherType(etherTypeIPv6, b, p, depth)
	case pppMPLS:
		return decodeEtherType(etherTypeMPLS, b, p, depth)
	}
	return StatusNotIP
}

// decodeEtherType walks tags (VLAN, VN-Tag, Cisco MetaData, LLC/SNAP, PBB,
// FabricPath, NSH, MPLS, PPPoE) from the EtherType et until it reaches IP or something it does not
// decode. PBB and FabricPath carry a whole Ethernet frame and count as an
// Ethernet layer against MaxDepth.
func decodeEtherType(et uint16, b []byte, p *Packet, depth int) Status {
	for {
		p.EtherType = et
		switch et {
		case etherTypeIPv4:
			return decodeIPv4(b, p, depth)
		case etherTypeIPv6:
			return decodeIPv6(b, p, depth)
		case etherTypeVLAN, etherTypeQinQ, etherTypeQinQOld1, etherTypeQinQOld2:
			if len(b) < vlanTagSize {
				return StatusTruncatedVLAN
			}
			t := vlanTag(b)
			if int(p.NumVLANs) < len(p.VLANs) {
				p.VLANs[p.NumVLANs] = t.id()
			}
			if p.NumVLANs < 255 {
				p.NumVLANs++
			}
			p.Encap |= EncapVLAN
			et, b = t.etherType(), b[vlanTagSize:]
		case etherTypeVNTag:
			if len(b) < vnTagSize {
				return StatusTruncatedVLAN
			}
			p.Encap |= EncapVNTag
			et, b = binary.BigEndian.Uint16(b[vnTagType:]), b[vnTagSize:]
		case etherTypePBB:
			if len(b) < pbbITagSize+ethernetMinSize {
				return StatusTruncatedLink
			}
			p.Encap |= EncapPBB
			return decodeEthernet(b[pbbITagSize:], p, depth)
		case etherTypeFabric:
			if len(b) < fabricPathTagSize+ethernetMinSize {
				return StatusTruncatedLink
			}
			p.Encap |= EncapFabricPath
			return decodeEthernet(b[fabricPathTagSize:], p, depth)
		case etherTypeCMD:
			if len(b) < cmdSize {
				return StatusTruncatedVLAN
			}
			et, b = cmdEthNext(b), b[cmdSize:]
		case etherTypeNSH:
			return decodeNSH(b, p, depth)
		case etherTypeMPLS, etherTypeMPLSMC:
			return decodeMPLS(b, p, depth)
		case etherTypePPPoES:
			return decodePPPoE(b, p, depth)
		default:
			if et <= 1500 && len(b) >= snapSize && b[0] == 0xaa && b[1] == 0xaa && b[2] == 0x03 {
				// 802.3 length + LLC/SNAP carrying an EtherType.
				et, b = binary.BigEndian.Uint16(b[snapType:]), b[snapSize:]
				if et <= 1500 {
					p.EtherType = 0
					return StatusNotIP
				}
				continue
			}
			if et <= 1500 {
				p.EtherType = 0 // a length, not an EtherType
			}
			return StatusNotIP
		}
	}
}
