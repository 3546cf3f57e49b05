package decode

import (
	"encoding/binary"
	"net/netip"
)

// IPv4 header (RFC 791):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version|  IHL  |Type of Service|          Total Length         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|         Identification        |Flags|      Fragment Offset    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Time to Live |    Protocol   |         Header Checksum       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       Source Address                          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Destination Address                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Options                    |    Padding    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type ipv4Header []byte

const (
	ipv4VerIHL      = 0
	ipv4TotalLen    = 2
	ipv4ID          = 4
	ipv4FlagsFrag   = 6
	ipv4TTL         = 8
	ipv4Protocol    = 9
	ipv4SrcAddr     = 12
	ipv4DstAddr     = 16
	ipv4MinimumSize = 20

	ipv4FlagMF     = 0x2000
	ipv4FragOffMsk = 0x1fff
)

func (h ipv4Header) version() uint8      { return h[ipv4VerIHL] >> 4 }
func (h ipv4Header) headerLen() int      { return int(h[ipv4VerIHL]&0x0f) * 4 }
func (h ipv4Header) totalLen() int       { return int(binary.BigEndian.Uint16(h[ipv4TotalLen:])) }
func (h ipv4Header) id() uint16          { return binary.BigEndian.Uint16(h[ipv4ID:]) }
func (h ipv4Header) flagsFrag() uint16   { return binary.BigEndian.Uint16(h[ipv4FlagsFrag:]) }
func (h ipv4Header) ttl() uint8          { return h[ipv4TTL] }
func (h ipv4Header) protocol() uint8     { return h[ipv4Protocol] }
func (h ipv4Header) srcAddr() netip.Addr { return netip.AddrFrom4([4]byte(h[ipv4SrcAddr:])) }
func (h ipv4Header) dstAddr() netip.Addr { return netip.AddrFrom4([4]byte(h[ipv4DstAddr:])) }

// decodeIPv4 decodes an IPv4 header and its payload.
//
// A total length above the captured bytes (snaplen truncation) keeps the
// header's value in IPTotalLen and parses what was captured; a total length
// below the captured bytes (Ethernet padding) bounds the payload; a total
// length of 0 (TSO captures) means "the rest of the frame", as in Wireshark.
func decodeIPv4(b []byte, p *Packet, depth int) Status {
	if depth >= MaxDepth {
		return StatusTooManyLayers
	}
	if len(b) == 0 {
		return StatusTruncatedIPv4
	}
	h := ipv4Header(b)
	if h.version() != 4 {
		return StatusBadIPv4
	}
	if len(b) < ipv4MinimumSize {
		return StatusTruncatedIPv4
	}
	ihl := h.headerLen()
	if ihl < ipv4MinimumSize {
		return StatusBadIPv4
	}
	if len(b) < ihl {
		return StatusTruncatedIPv4
	}
	total := h.totalLen()
	if total == 0 {
		total = len(b)
	} else if total < ihl {
		return StatusBadIPv4
	}
	p.IPVersion = 4
	p.Src = h.srcAddr()
	p.Dst = h.dstAddr()
	p.Proto = h.protocol()
	p.TTL = h.ttl()
	p.IPTotalLen = uint32(total)
	p.IPHeaderLen = uint16(ihl)
	ff := h.flagsFrag()
	p.MoreFragments = ff&ipv4FlagMF != 0
	p.FragOffset = ff & ipv4FragOffMsk
	p.FragID = uint32(h.id())
	p.Fragment = p.MoreFragments || p.FragOffset != 0

	end := min(total, len(b))
	payload := b[ihl:end]
	declared := total - ihl
	if p.FragOffset != 0 {
		// Non-first fragment: no transport header here.
		p.PayloadLen = uint32(declared)
		return StatusOK
	}
	return decodeTransport(p.Proto, payload, declared, p, depth+1)
}
