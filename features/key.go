package features

import (
	"net/netip"

	"github.com/flowmeter/flowmeter/features/decode"
)

// KeyOptions select the optional parts of the flow key.
type KeyOptions struct {
	VLAN   bool // separate flows by outer VLAN ID
	Tunnel bool // separate flows by outer tunnel endpoints
}

// icmpPair maps an ICMP/ICMPv6 type to the type of its request, so that a
// request and its reply share a key (the pairs of the Community ID spec).
// ok is false for types without a counterpart.
func icmpPair(v6 bool, t uint8) (uint8, bool) {
	if !v6 {
		switch t {
		case 0, 8:
			return 8, true // echo
		case 13, 14:
			return 13, true // timestamp
		case 15, 16:
			return 15, true // information
		case 9, 10:
			return 10, true // router solicitation/advertisement
		case 17, 18:
			return 17, true // address mask
		}
		return t, false
	}
	switch t {
	case 128, 129:
		return 128, true // echo
	case 133, 134:
		return 133, true // router
	case 135, 136:
		return 135, true // neighbor
	case 130, 131:
		return 130, true // multicast listener query/report
	case 139, 140:
		return 139, true // node information
	case 144, 145:
		return 144, true // home agent address discovery
	}
	return t, false
}

func addr16(a netip.Addr) [16]byte { return a.As16() }

// MakeKey builds the canonical key of a decoded packet and reports whether
// the packet travels from endpoint A to endpoint B. It allocates nothing.
// TCP, UDP, SCTP and other protocols order the endpoints by address, then
// port; ICMP and ICMPv6 put the requester (or a one-way message's sender)
// first, so that flows split exactly as Community IDs do.
// ports overrides the packet's ports for non-first fragments whose first
// fragment was seen (see fragTable); pass p's own ports otherwise.
func MakeKey(p *decode.Packet, opts KeyOptions, sport, dport uint16) (k Key, aToB bool) {
	aToB = makeKey(&k, p, opts, sport, dport)
	return k, aToB
}

// makeKey is MakeKey filling *k in place (the table's per-packet path: no
// 74-byte result copy). k must be zero.
func makeKey(k *Key, p *decode.Packet, opts KeyOptions, sport, dport uint16) (aToB bool) {
	src, dst := addr128(p.Src), addr128(p.Dst)
	k.Proto = p.Proto
	k.IPVersion = p.IPVersion
	if opts.VLAN && p.NumVLANs > 0 {
		k.VLAN = p.VLANs[0]
	}
	if opts.Tunnel && p.Encap&tunnelBits != 0 {
		ta, tb := addr128(p.Tunnel.Src), addr128(p.Tunnel.Dst)
		if tb.less(ta) {
			ta, tb = tb, ta
		}
		k.TunA, k.TunB, k.TunProto = ta, tb, p.Tunnel.Proto
	}
	if p.Proto == 1 || p.Proto == 58 {
		// ICMP follows the Community ID spec (and Zeek): a request and
		// its reply share a key, whose endpoint A is the requester, so
		// that A asking B and B asking A (neighbour solicitations, pings
		// with a reused id) are two flows, as they are two Community IDs.
		// One-way types key by sender, receiver, type and code.
		t, paired := icmpPair(p.Proto == 58, p.ICMPType)
		if !paired {
			k.AddrA, k.AddrB, k.PortA, k.PortB = src, dst, uint16(p.ICMPCode), uint16(t)
			return true
		}
		k.PortA, k.PortB = p.ICMPID, uint16(t)
		if p.ICMPType == t { // a request: the sender is the requester
			k.AddrA, k.AddrB = src, dst
			return true
		}
		k.AddrA, k.AddrB = dst, src
		return false
	}
	if src.less(dst) || (src == dst && sport <= dport) {
		k.AddrA, k.AddrB, k.PortA, k.PortB = src, dst, sport, dport
		return true
	}
	k.AddrA, k.AddrB, k.PortA, k.PortB = dst, src, dport, sport
	return false
}

const tunnelBits = decode.EncapTunnels
