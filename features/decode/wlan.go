package decode

import "encoding/binary"

// Radiotap header (LINKTYPE_IEEE802_11_RADIOTAP), little endian, followed by
// an IEEE 802.11 frame:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  version = 0  |      pad      |        length (LE, 2)         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    present bitmap (LE, 4) ...                 |  bit 31: another word follows
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  fields, each aligned to its natural size: TSFT (bit 0, 8),   |
//	|  Flags (bit 1, 1), ...                                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Only the Flags field is read, for its "data pad" bit: the 802.11 header is
// then padded to a 4-byte boundary before the payload (as Wireshark honours;
// Zeek ignores the bit).
const (
	radiotapLen        = 2
	radiotapPresent    = 4
	radiotapMinSize    = 8
	radiotapPresentExt = 1 << 31
	radiotapTSFT       = 1 << 0
	radiotapFlags      = 1 << 1
	radiotapFlagPad    = 0x20
)

// IEEE 802.11 MAC header of a data frame (fields little endian):
//
//	+------+------+----------+----------+----------+----------+----------+----------+-----------+
//	| FC 0 | FC 1 | duration | address 1| address 2| address 3| seq ctl  | address 4| QoS ctl   | HT ctl
//	|  1   |  1   |    2     |    6     |    6     |    6     |    2     | 6 if To  | 2 if QoS  | 4 if QoS
//	|      |      |          |          |          |          |          | and From | subtype   | and Order
//	+------+------+----------+----------+----------+----------+----------+----------+-----------+
//
// FC 0: protocol version (bits 0-1, must be 0), type (bits 2-3: 2 = data),
// subtype (bits 4-7: bit 6 set = no data, bit 7 set = QoS). FC 1: To DS
// 0x01, From DS 0x02, protected 0x40, order / +HTC 0x80. QoS control bit 7
// (0x80 of its first byte) marks an A-MSDU, whose payload is a list of
// subframes, each a 14-byte header (DA 6, SA 6, length 2, big endian) and
// an LLC/SNAP-encapsulated packet, padded to 4 bytes. The payload of a
// plain data frame is LLC/SNAP: AA AA 03, OUI 00-00-00 (RFC 1042) or
// 00-00-F8 (802.1H bridge tunnel), EtherType.
const (
	wlanFC0          = 0
	wlanFC1          = 1
	wlanHeaderSize   = 24
	wlanAddr4Size    = 6
	wlanQoSSize      = 2
	wlanHTCSize      = 4
	wlanTypeMask     = 0x0c
	wlanTypeData     = 0x08
	wlanVersionMask  = 0x03
	wlanSubtypeNull  = 0x40 // in FC 0: data subtypes without a payload
	wlanSubtypeQoS   = 0x80 // in FC 0
	wlanToFromDS     = 0x03 // in FC 1
	wlanProtected    = 0x40 // in FC 1
	wlanOrder        = 0x80 // in FC 1
	wlanQoSAMSDU     = 0x80 // in the first QoS control byte
	amsduHeaderSize  = 14
	amsduLength      = 12
	llcSNAPSize      = 8
	llcSNAPEtherType = 6
)

// decodeRadiotap skips a radiotap header and decodes the 802.11 frame.
func decodeRadiotap(b []byte, p *Packet) Status {
	if len(b) < radiotapMinSize {
		return StatusTruncatedLink
	}
	n := int(binary.LittleEndian.Uint16(b[radiotapLen:]))
	if b[0] != 0 || n < radiotapMinSize {
		return StatusNotIP // not a radiotap header we know
	}
	if n > len(b) {
		return StatusTruncatedLink
	}
	// Find the Flags field: skip the extra present words, then TSFT.
	present := binary.LittleEndian.Uint32(b[radiotapPresent:])
	off := radiotapPresent + 4
	for w := present; w&radiotapPresentExt != 0; {
		if off+4 > n {
			return StatusTruncatedLink
		}
		w = binary.LittleEndian.Uint32(b[off:])
		off += 4
	}
	pad := false
	if present&radiotapFlags != 0 {
		if present&radiotapTSFT != 0 {
			off = (off+7)&^7 + 8
		}
		if off < n {
			pad = b[off]&radiotapFlagPad != 0
		}
	}
	return decodeIEEE80211Frame(b[n:], p, 0, pad)
}

// decodeIEEE80211 decodes an IEEE 802.11 frame without a radio header.
func decodeIEEE80211(b []byte, p *Packet, depth int) Status {
	return decodeIEEE80211Frame(b, p, depth, false)
}

// decodeIEEE80211Frame decodes an 802.11 data frame carrying LLC/SNAP. pad
// says the payload starts on a 4-byte boundary (radiotap's data-pad flag).
// Management and control frames, data subtypes without a payload and
// protected (encrypted) frames are StatusNotIP. Of an A-MSDU only the first
// subframe is decoded (EncapAMSDU is set).
func decodeIEEE80211Frame(b []byte, p *Packet, depth int, pad bool) Status {
	if depth >= MaxDepth {
		return StatusTooManyLayers
	}
	if len(b) < wlanHeaderSize {
		return StatusTruncatedLink
	}
	fc0, fc1 := b[wlanFC0], b[wlanFC1]
	if fc0&wlanVersionMask != 0 || fc0&wlanTypeMask != wlanTypeData || fc0&wlanSubtypeNull != 0 {
		return StatusNotIP
	}
	hdr := wlanHeaderSize
	if fc1&wlanToFromDS == wlanToFromDS {
		hdr += wlanAddr4Size
	}
	amsdu := false
	if fc0&wlanSubtypeQoS != 0 {
		if len(b) < hdr+wlanQoSSize {
			return StatusTruncatedLink
		}
		amsdu = b[hdr]&wlanQoSAMSDU != 0
		hdr += wlanQoSSize
		if fc1&wlanOrder != 0 {
			hdr += wlanHTCSize
		}
	}
	if fc1&wlanProtected != 0 {
		return StatusNotIP // encrypted payload
	}
	if pad {
		hdr = (hdr + 3) &^ 3
	}
	if len(b) < hdr {
		return StatusTruncatedLink
	}
	b = b[hdr:]
	if amsdu {
		if len(b) < amsduHeaderSize {
			return StatusTruncatedLink
		}
		n := int(binary.BigEndian.Uint16(b[amsduLength:]))
		b = b[amsduHeaderSize:]
		if n < len(b) {
			b = b[:n]
		}
		p.Encap |= EncapAMSDU
	}
	if len(b) < llcSNAPSize {
		return StatusTruncatedLink
	}
	if b[0] != 0xaa || b[1] != 0xaa || b[2] != 0x03 || b[3] != 0 || b[4] != 0 || (b[5] != 0 && b[5] != 0xf8) {
		return StatusNotIP
	}
	et := binary.BigEndian.Uint16(b[llcSNAPEtherType:])
	if et <= 1500 {
		return StatusNotIP
	}
	return decodeEtherType(et, b[llcSNAPSize:], p, depth+1)
}
