package decode

import (
	"encoding/binary"
	"net/netip"
)

// IPv6 header (RFC 8200):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version| Traffic Class |           Flow Label                  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|         Payload Length        |  Next Header  |   Hop Limit   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                                                               |
//	+                     Source Address (16)                       +
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                                                               |
//	+                  Destination Address (16)                     +
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type ipv6Header []byte

const (
	ipv6VersionTC   = 0
	ipv6PayloadLen  = 4
	ipv6NextHeader  = 6
	ipv6HopLimit    = 7
	ipv6SrcAddr     = 8
	ipv6DstAddr     = 24
	ipv6MinimumSize = 40
)

func (h ipv6Header) version() uint8      { return h[ipv6VersionTC] >> 4 }
func (h ipv6Header) payloadLen() int     { return int(binary.BigEndian.Uint16(h[ipv6PayloadLen:])) }
func (h ipv6Header) nextHeader() uint8   { return h[ipv6NextHeader] }
func (h ipv6Header) hopLimit() uint8     { return h[ipv6HopLimit] }
func (h ipv6Header) srcAddr() netip.Addr { return netip.AddrFrom16([16]byte(h[ipv6SrcAddr:])) }
func (h ipv6Header) dstAddr() netip.Addr { return netip.AddrFrom16([16]byte(h[ipv6DstAddr:])) }

// IPv6 extension headers skipped on the way to the transport.
//
// Hop-by-hop (0), routing (43), destination options (60); length in 8-byte
// units, not counting the first 8:
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Next Header  |  Hdr Ext Len  |  type-specific data ...       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Fragment (44), always 8 bytes:
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         Identification                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Authentication header (51, RFC 4302): Payload Len in 4-byte units minus 2.
const (
	ipv6ExtNext     = 0
	ipv6ExtLen      = 1
	ipv6FragOffFlag = 2
	ipv6FragID      = 4
	ipv6FragSize    = 8

	protoHopByHop = 0
	protoRouting  = 43
	protoFragment = 44
	protoAH       = 51
	protoNoNext   = 59
	protoDstOpts  = 60
)

// decodeIPv6 decodes an IPv6 header, walks its extension headers and decodes
// the transport. A payload length of 0 means the rest of the frame when it
// can stand for a jumbogram (a Hop-by-Hop header follows, RFC 2675) or for
// a segment captured before offload (TCP or UDP follows); otherwise it is
// taken literally (an empty payload), as Zeek and tshark count it, so that
// Ethernet padding is never counted as IP bytes.
func decodeIPv6(b []byte, p *Packet, depth int) Status {
	if depth >= MaxDepth {
		return StatusTooManyLayers
	}
	if len(b) == 0 {
		return StatusTruncatedIPv6
	}
	h := ipv6Header(b)
	if h.version() != 6 {
		return StatusBadIPv6
	}
	if len(b) < ipv6MinimumSize {
		return StatusTruncatedIPv6
	}
	total := ipv6MinimumSize + h.payloadLen()
	if nh := h.nextHeader(); h.payloadLen() == 0 && (nh == protoHopByHop || nh == 6 || nh == 17) {
		total = len(b)
	}
	p.IPVersion = 6
	p.Src = h.srcAddr()
	p.Dst = h.dstAddr()
	p.TTL = h.hopLimit()
	p.IPTotalLen = uint32(total)
	p.IPHeaderLen = ipv6MinimumSize // grows with the extension headers
	next := h.nextHeader()
	p.Proto = next
	payload := b[ipv6MinimumSize:min(total, len(b))]
	declared := total - ipv6MinimumSize
	hdrLen := ipv6MinimumSize

	for {
		var l int
		switch next {
		case protoHopByHop, protoRouting, protoDstOpts:
			if len(payload) < 2 {
				return StatusBadIPv6Ext
			}
			l = (int(payload[ipv6ExtLen]) + 1) * 8
		case protoAH:
			if len(payload) < 2 {
				return StatusBadIPv6Ext
			}
			l = (int(payload[ipv6ExtLen]) + 2) * 4
		case protoFragment:
			if len(payload) < ipv6FragSize {
				return StatusBadIPv6Ext
			}
			fo := binary.BigEndian.Uint16(payload[ipv6FragOffFlag:])
			p.FragOffset = fo >> 3
			p.MoreFragments = fo&1 != 0
			p.FragID = binary.BigEndian.Uint32(payload[ipv6FragID:])
			p.Fragment = p.MoreFragments || p.FragOffset != 0
			l = ipv6FragSize
		default:
			p.Proto = next
			if hdrLen > 0xffff {
				return StatusBadIPv6Ext
			}
			p.IPHeaderLen = uint16(hdrLen)
			return decodeTransport(next, payload, declared, p, depth+1)
		}
		if len(payload) < l || declared < l {
			return StatusBadIPv6Ext
		}
		next = payload[ipv6ExtNext]
		payload = payload[l:]
		declared -= l
		hdrLen += l
		if p.FragOffset != 0 {
			// Non-first fragment: the rest is not a header chain.
			p.Proto = next
			if hdrLen > 0xffff {
				return StatusBadIPv6Ext
			}
			p.IPHeaderLen = uint16(hdrLen)
			p.PayloadLen = uint32(declared)
			return StatusOK
		}
	}
}
