package decode

import "encoding/binary"

// Less common link types: ARCNET, Frame Relay, PKTAP, Juniper Ethernet,
// Solaris ipnet, NFLOG, IP over InfiniBand and IEEE 802.3br mPackets. Each
// is a short header before an EtherType, an Ethernet frame or an IP packet;
// the layouts follow https://www.tcpdump.org/linktypes.html and Wireshark's
// dissectors (packet-arcnet.c, packet-fr.c, packet-pktap.c,
// packet-juniper.c, packet-ipnet.c, packet-nflog.c, packet-ipoib.c,
// packet-fpp.c), which are the peer the corpus tests compare with.
const (
	LinkARCNETBSD       uint32 = 7   // ARCNET, BSD-style header (no offset field)
	LinkFrameRelay      uint32 = 107 // Frame Relay: Q.922 address, then RFC 2427 NLPID or Cisco EtherType
	LinkARCNETLinux     uint32 = 129 // ARCNET, Linux-style header (with the 2-byte offset field)
	LinkUser2           uint32 = 149 // DLT_USER2, which macOS uses for PKTAP
	LinkJuniperEther    uint32 = 178 // Juniper "MGC" header, then Ethernet
	LinkIPNet           uint32 = 226 // Solaris ipnet
	LinkNFLOG           uint32 = 239 // Linux netfilter NFLOG
	LinkIPoIB           uint32 = 242 // IP over InfiniBand with the 40-byte pseudo-GRH
	LinkPKTAP           uint32 = 258 // Apple PKTAP
	LinkEthernetMPacket uint32 = 274 // IEEE 802.3br mPackets (preamble, SMD, frame, CRC)
)

// ARCNET (LINKTYPE_ARCNET_BSD 7 and LINKTYPE_ARCNET_LINUX 129). The Linux
// header has the hardware "offset" field after the addresses; RFC 1201
// protocols then carry a split flag and a sequence number, RFC 1051 ones do
// not. On BSD a split flag of 0xff marks an exception frame: 2 bytes of
// padding, a copy of the protocol ID and the real split flag follow.
//
//	+--------+--------+-----------------+--------+--------+-----------------+
//	| source | dest   | offset (2,Linux)| protID | split  | sequence (2)    |
//	+--------+--------+-----------------+--------+--------+-----------------+
//	                                             |<- RFC 1201 only ------->|
//
// Wireshark does not reassemble split packets; neither do we (a
// continuation fragment fails the IP header checks or decodes as garbage,
// as it does in Wireshark).
const (
	arcnetAddrSize      = 2
	arcnetOffsetSize    = 2 // Linux only
	arcnetFragSize      = 3 // split flag + sequence
	arcnetExceptionSize = 4 // 0xff flag, 2 bytes padding, protocol ID copy
	arcnetIPv4RFC1051   = 240
	arcnetIPv4RFC1201   = 212
	arcnetIPv6          = 196
	arcnetSplitExcept   = 0xff
)

func decodeARCNET(b []byte, linux bool, p *Packet) Status {
	off := arcnetAddrSize
	if linux {
		off += arcnetOffsetSize
	}
	if len(b) < off+1 {
		return StatusTruncatedLink
	}
	proto := b[off]
	off++
	var et uint16
	switch proto {
	case arcnetIPv4RFC1051:
		return decodeEtherType(etherTypeIPv4, b[off:], p, 0)
	case arcnetIPv4RFC1201:
		et = etherTypeIPv4
	case arcnetIPv6:
		et = etherTypeIPv6
	default:
		return StatusNotIP
	}
	if !linux && len(b) > off && b[off] == arcnetSplitExcept {
		off += arcnetExceptionSize
	}
	off += arcnetFragSize
	if len(b) < off {
		return StatusTruncatedLink
	}
	return decodeEtherType(et, b[off:], p, 0)
}

// Frame Relay (LINKTYPE_FRELAY 107): a Q.922 address of 2 to 4 bytes (the
// EA bit, bit 0, ends it), then either the RFC 2427 / FRF.3.2 UI control
// byte 0x03 with an NLPID (after an optional 0x00 pad), or Cisco's
// encapsulation, an EtherType straight after the address:
//
//	+--------+--------+--------+--------+--------+---------------------
//	| DLCI hi|DLCI lo |  0x03  | (0x00) | NLPID  |  IPv4 0xcc, IPv6 0x8e,
//	|      EA=0     EA=1       |  pad   |        |  SNAP 0x80, PPP 0xcf
//	+--------+--------+--------+--------+--------+---------------------
//	+--------+--------+-----------------+-------
//	| DLCI hi|DLCI lo | EtherType (2)   | ...     Cisco
//	+--------+--------+-----------------+-------
//
// As in Wireshark, a non-UI frame on DLCI 0 (LAPF signalling) and an XID
// frame (control 0xaf) are not Cisco-encapsulated. SNAP carries an
// EtherType under OUI 00-00-00, or a bridged Ethernet frame under OUI
// 00-80-C2 (PID 0x0001 with FCS, 0x0007 without).
const (
	frEA         = 0x01
	frDC         = 0x02
	frControlUI  = 0x03
	frControlXID = 0xaf
	nlpidPad     = 0x00
	nlpidIPv4    = 0xcc
	nlpidIPv6    = 0x8e
	nlpidSNAP    = 0x80
	nlpidPPP     = 0xcf
	frSNAPSize   = 5 // OUI (3) + PID (2), after the NLPID
	frMaxAddr    = 4
)

func decodeFrameRelay(b []byte, p *Packet) Status {
	if len(b) < 2 {
		return StatusTruncatedLink
	}
	if b[0]&frEA != 0 {
		return StatusNotIP // a one-byte address is not Q.922
	}
	dlci := uint32(b[0]>>2)<<4 | uint32(b[1]>>4)
	off := 2
	if b[1]&frEA == 0 {
		// 3 or 4 address bytes: an optional middle byte with 7 more DLCI
		// bits, then a last byte with 6 DLCI bits or DL-CORE control.
		for {
			if off >= frMaxAddr {
				return StatusNotIP // more than 4 address bytes
			}
			if off >= len(b) {
				return StatusTruncatedLink
			}
			o := b[off]
			off++
			if o&frEA == 0 {
				dlci = dlci<<7 | uint32(o>>1)
				continue
			}
			if o&frDC == 0 {
				dlci = dlci<<6 | uint32(o>>2)
			}
			break
		}
	}
	if off >= len(b) {
		return StatusTruncatedLink
	}
	if b[off] != frControlUI {
		if len(b) < off+2 {
			return StatusTruncatedLink
		}
		if dlci == 0 || b[off] == frControlXID {
			return StatusNotIP
		}
		return decodeEtherType(binary.BigEndian.Uint16(b[off:]), b[off+2:], p, 0)
	}
	off++
	if off < len(b) && b[off] == nlpidPad {
		off++
	}
	if off >= len(b) {
		return StatusTruncatedLink
	}
	nlpid := b[off]
	off++
	switch nlpid {
	case nlpidIPv4:
		return decodeEtherType(etherTypeIPv4, b[off:], p, 0)
	case nlpidIPv6:
		return decodeEtherType(etherTypeIPv6, b[off:], p, 0)
	case nlpidPPP:
		proto, rest, ok := pppProtocol(b[off:])
		if !ok {
			return StatusTruncatedLink
		}
		return decodePPP(proto, rest, p, 0)
	case nlpidSNAP:
		if len(b) < off+frSNAPSize {
			return StatusTruncatedLink
		}
		oui := uint32(b[off])<<16 | uint32(b[off+1])<<8 | uint32(b[off+2])
		pid := binary.BigEndian.Uint16(b[off+3:])
		rest := b[off+frSNAPSize:]
		switch {
		case oui == 0:
			return decodeEtherType(pid, rest, p, 0)
		case oui == 0x0080c2 && (pid == 0x0001 || pid == 0x0007):
			return decodeEthernet(rest, p, 0)
		}
	}
	return StatusNotIP
}

// Apple PKTAP (LINKTYPE_PKTAP 258, and DLT_USER2 149 as macOS writes it),
// all fields little-endian (the host order of every Mac):
//
//	+-------------------------------+-------------------------------+
//	| header length (4)             | record type (4, 1 = packet)   |
//	+-------------------------------+-------------------------------+
//	| DLT of the payload (4)        | interface name (24) ...       |
//	+-------------------------------+-------------------------------+
//	| flags, protocol family, pre/post lengths, pid, command, service |
//	| class, interface type/unit, effective pid and command (...)     |
//	+-----------------------------------------------------------------+
//	| payload, a frame of the DLT above, at "header length"           |
//	+-----------------------------------------------------------------+
//
// Wireshark requires a header length of at least 108 and dissects the
// payload only for record type 1. The payload's DLT is decoded like a
// capture's link type, except PKTAP itself (no nesting).
const (
	pktapHeaderLen = 0
	pktapRecType   = 4
	pktapDLT       = 8
	pktapMinSize   = 108
	pktapRecPacket = 1
)

func decodePKTAP(b []byte, user2 bool, p *Packet) Status {
	if len(b) < pktapMinSize {
		if user2 {
			return StatusUnsupportedLink
		}
		return StatusTruncatedLink
	}
	hl := binary.LittleEndian.Uint32(b[pktapHeaderLen:])
	rec := binary.LittleEndian.Uint32(b[pktapRecType:])
	if hl < pktapMinSize || hl > uint32(len(b)) || (user2 && rec != pktapRecPacket) {
		if user2 {
			return StatusUnsupportedLink // DLT_USER2 that is not PKTAP
		}
		return StatusTruncatedLink
	}
	if rec != pktapRecPacket {
		return StatusNotIP
	}
	dlt := binary.LittleEndian.Uint32(b[pktapDLT:])
	if dlt == LinkPKTAP || dlt == LinkUser2 {
		return StatusNotIP
	}
	s := decodeLink(b[hl:], dlt, p)
	if s == StatusUnsupportedLink {
		s = StatusNotIP
	}
	return s
}

// Juniper (LINKTYPE_JUNIPER_ETHER 178): the "MGC" magic, a flags byte and,
// when flag 0x80 is set, a 2-byte big-endian length of TLV extensions that
// follow it. Then the Ethernet frame, or, when flag 0x02 (no L2 header) is
// set, a 4-byte little-endian protocol code and the packet:
//
//	+--------+--------+--------+--------+-----------------+------------------
//	|  'M'   |  'G'   |  'C'   | flags  | ext length (2)  | extensions (...)
//	+--------+--------+--------+--------+-----------------+------------------
//	| Ethernet frame ...  or, with no L2: protocol (4, LE) | IP / MPLS ...
//	+------------------------------------------------------------------------
const (
	juniperMagic     = 0x4d4743 // "MGC"
	juniperFlags     = 3
	juniperExtLen    = 4
	juniperBaseSize  = 4
	juniperExtSize   = 6
	juniperFlagNoL2  = 0x02
	juniperFlagExt   = 0x80
	juniperProtoSize = 4
	juniperIPv4      = 2
	juniperMPLSIPv4  = 3
	juniperIPv4MPLS  = 4
	juniperMPLS      = 5
	juniperIPv6      = 6
	juniperMPLSIPv6  = 7
	juniperIPv6MPLS  = 8
)

func decodeJuniperEther(b []byte, p *Packet) Status {
	if len(b) < juniperBaseSize {
		return StatusTruncatedLink
	}
	if uint32(b[0])<<16|uint32(b[1])<<8|uint32(b[2]) != juniperMagic {
		return StatusNotIP
	}
	flags := b[juniperFlags]
	off := juniperBaseSize
	if flags&juniperFlagExt != 0 {
		if len(b) < juniperExtSize {
			return StatusTruncatedLink
		}
		off = juniperExtSize + int(binary.BigEndian.Uint16(b[juniperExtLen:]))
	}
	if flags&juniperFlagNoL2 == 0 {
		if len(b) < off {
			return StatusTruncatedLink
		}
		return decodeEthernet(b[off:], p, 0)
	}
	if len(b) < off+juniperProtoSize {
		return StatusTruncatedLink
	}
	rest := b[off+juniperProtoSize:]
	switch binary.LittleEndian.Uint32(b[off:]) {
	case juniperIPv4, juniperMPLSIPv4:
		return decodeEtherType(etherTypeIPv4, rest, p, 0)
	case juniperIPv6, juniperMPLSIPv6:
		return decodeEtherType(etherTypeIPv6, rest, p, 0)
	case juniperMPLS, juniperIPv4MPLS, juniperIPv6MPLS:
		return decodeEtherType(etherTypeMPLS, rest, p, 0)
	}
	return StatusNotIP
}

// Solaris ipnet (LINKTYPE_IPNET 226), 24 bytes, big-endian:
//
//	+--------+--------+-----------------+-----------------------------------+
//	| version| family | hook type (2)   | packet length (4)                 |
//	+--------+--------+-----------------+-----------------------------------+
//	| interface index (4)               | group interface index (4)         |
//	+-----------------------------------+-----------------------------------+
//	| source zone (4)                   | destination zone (4)              |
//	+-----------------------------------+-----------------------------------+
//
// Family 2 is IPv4 and 26 IPv6 (Solaris' AF_INET6).
const (
	ipnetFamily  = 1
	ipnetSize    = 24
	ipnetAFInet  = 2
	ipnetAFInet6 = 26
)

func decodeIPNet(b []byte, p *Packet) Status {
	if len(b) < ipnetSize {
		return StatusTruncatedLink
	}
	switch b[ipnetFamily] {
	case ipnetAFInet:
		return decodeEtherType(etherTypeIPv4, b[ipnetSize:], p, 0)
	case ipnetAFInet6:
		return decodeEtherType(etherTypeIPv6, b[ipnetSize:], p, 0)
	}
	return StatusNotIP
}

// Linux NFLOG (LINKTYPE_NFLOG 239): a 4-byte header, then TLVs, each
// padded to a multiple of 4 bytes. The packet is the value of TLV type 9
// (NFULA_PAYLOAD), an IPv4 or IPv6 packet by the header's address family.
//
//	+--------+--------+-----------------+
//	| family | version| resource ID (2) |   family 2 = IPv4, 10 = IPv6
//	+--------+--------+-----------------+
//	| TLV length (2)  | TLV type (2)    |   length includes these 4 bytes
//	+-----------------+-----------------+
//	| value (length - 4), padded to 4 ...
//	+-----------------------------------+
//
// TLV length and type are in the capturing host's byte order (libpcap and
// Wireshark swap them for a file of the other order; we see raw frames): the
// order is little-endian unless that makes the first TLV's length invalid
// and big-endian does not. The type's top bit (NLA_F_NESTED) is masked, as
// in Wireshark. A TLV length below 4 ends the walk (malformed).
const (
	nflogFamily   = 0
	nflogSize     = 4
	nflogTLVSize  = 4
	nflogPayload  = 9
	nflogAFInet   = 2
	nflogAFInet6  = 10
	nflogTypeMask = 0x7fff
)

func decodeNFLOG(b []byte, p *Packet) Status {
	if len(b) < nflogSize {
		return StatusTruncatedLink
	}
	fam := b[nflogFamily]
	var bo binary.ByteOrder = binary.LittleEndian
	if len(b) >= nflogSize+nflogTLVSize {
		rest := len(b) - nflogSize
		le := int(binary.LittleEndian.Uint16(b[nflogSize:]))
		be := int(binary.BigEndian.Uint16(b[nflogSize:]))
		if (le < nflogTLVSize || le > rest) && be >= nflogTLVSize && be <= rest {
			bo = binary.BigEndian
		}
	}
	for off := nflogSize; len(b)-off >= nflogTLVSize; {
		n := int(bo.Uint16(b[off:]))
		typ := bo.Uint16(b[off+2:]) & nflogTypeMask
		if n < nflogTLVSize {
			return StatusTruncatedLink
		}
		if typ == nflogPayload {
			end := min(off+n, len(b)) // the capture may cut the value
			v := b[off+nflogTLVSize : end]
			switch fam {
			case nflogAFInet:
				return decodeEtherType(etherTypeIPv4, v, p, 0)
			case nflogAFInet6:
				return decodeEtherType(etherTypeIPv6, v, p, 0)
			}
			return StatusNotIP
		}
		off += (n + 3) &^ 3
	}
	return StatusNotIP
}

// IP over InfiniBand (LINKTYPE_IPOIB 242): a 40-byte pseudo-header (the
// InfiniBand global route header, or, when its first two bytes are zero,
// the 20-byte destination address at offset 20), then the RFC 4391 section
// 6 encapsulation header:
//
//	+-----------------------------------------------------------------+
//	| GRH / destination address (40)                                   |
//	+-----------------+-----------------+------------------------------+
//	| type (2)        | reserved (2)    |  EtherType: IPv4, IPv6, ARP
//	+-----------------+-----------------+
//
// As in Wireshark only IPv4 and IPv6 (and ARP, not IP) are dissected.
const (
	ipoibType = 40
	ipoibSize = 44
)

func decodeIPoIB(b []byte, p *Packet) Status {
	if len(b) < ipoibSize {
		return StatusTruncatedLink
	}
	et := binary.BigEndian.Uint16(b[ipoibType:])
	if et != etherTypeIPv4 && et != etherTypeIPv6 {
		p.EtherType = et
		return StatusNotIP
	}
	return decodeEtherType(et, b[ipoibSize:], p, 0)
}

// IEEE 802.3br mPackets (LINKTYPE_ETHERNET_MPACKET 274): the 8 bytes of
// preamble as sent, with the start-of-mPacket delimiter (SMD) in the last
// one or two, then the MAC data and a 4-byte CRC or mCRC:
//
//	+----+----+----+----+----+----+----+----+-------------------+--------+
//	| 55 | 55 | 55 | 55 | 55 | 55 | 55 |SMD | Ethernet frame... | CRC (4)|
//	+----+----+----+----+----+----+----+----+-------------------+--------+
//	| 55 | 55 | 55 | 55 | 55 | 55 |SMD-C|FC | continuation data | mCRC   |
//	+----+----+----+----+----+----+----+----+-------------------+--------+
//
// SMD-E 0xd5 is an express frame; SMD-S 0xe6/0x4c/0x7f/0xb3 starts a
// preemptable frame, whole or its first fragment (the CRC tells which).
// Both begin with the Ethernet header and are decoded; a first fragment is
// decoded like a snaplen-cut frame. Continuation fragments (byte 6 is an
// SMD-C) hold no headers, and verify/respond mPackets no frame: StatusNotIP.
// Wireshark instead reassembles fragments and counts the packet at its last
// fragment; the packet count per flow is the same.
const (
	mpacketSMD       = 7
	mpacketPreamble  = 8
	mpacketCRCSize   = 4
	mpacketOctet55   = 0x55
	mpacketSMDE      = 0xd5
	mpacketSMDS0     = 0xe6
	mpacketSMDS1     = 0x4c
	mpacketSMDS2     = 0x7f
	mpacketSMDS3     = 0xb3
	mpacketMinFrame  = mpacketPreamble + mpacketCRCSize
	mpacketPreambleC = 6 // where a continuation's SMD-C is
)

func decodeMPacket(b []byte, p *Packet) Status {
	if len(b) < mpacketMinFrame {
		return StatusTruncatedLink
	}
	if b[mpacketPreambleC] != mpacketOctet55 {
		return StatusNotIP // continuation fragment
	}
	switch b[mpacketSMD] {
	case mpacketSMDE, mpacketSMDS0, mpacketSMDS1, mpacketSMDS2, mpacketSMDS3:
		return decodeEthernet(b[mpacketPreamble:len(b)-mpacketCRCSize], p, 0)
	}
	return StatusNotIP
}
