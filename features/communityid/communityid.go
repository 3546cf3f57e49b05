// Package communityid computes Community ID v1 flow hashes
// (https://github.com/corelight/community-id-spec) without allocating.
//
// A Community ID is the SHA-1 digest of a flow tuple laid out in network byte
// order after the endpoints have been put in a canonical order:
//
//	seed(2) . addrA(4|16) . addrB(4|16) . proto(1) . 0(1) [. portA(2) . portB(2)]
//
// rendered as "1:" followed by the standard base64 (or, for debugging,
// lowercase hex) of the 20-byte digest. The rules follow the Corelight
// reference implementation (pycommunityid), which Zeek, Suricata and tshark
// agree with; see docs/COMMUNITY_ID.md for the ICMP pairing table and the
// known divergences between peers.
//
// The package uses the standard library only. Hasher and Hash are small
// values, safe for concurrent use, and none of Sum, AppendBase64, AppendHex,
// Parse or ParseBytes allocates (String does, once).
package communityid

import (
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"net/netip"
)

// IP protocol numbers whose flows carry ports (or ICMP type/code) in the hash.
const (
	ProtoICMP   uint8 = 1
	ProtoTCP    uint8 = 6
	ProtoUDP    uint8 = 17
	ProtoICMPv6 uint8 = 58
	ProtoSCTP   uint8 = 132
)

// Lengths of the rendered forms, including the "1:" version prefix.
const (
	Base64Len = 2 + 28 // "1:" + base64 of 20 bytes, with one '=' of padding
	HexLen    = 2 + 40 // "1:" + 40 lowercase hex digits
)

// Sentinel errors returned by Parse and ParseBytes. They are returned as is
// (not wrapped) so that parsing allocates nothing; compare with errors.Is.
var (
	// ErrVersion: the string does not start with "1:".
	ErrVersion = errors.New("communityid: not a version 1 Community ID")
	// ErrSyntax: the text after "1:" is neither 28 characters of canonical
	// padded base64 nor 40 hex digits encoding 20 bytes.
	ErrSyntax = errors.New("communityid: malformed digest")
)

// Hash is the 20-byte SHA-1 digest of a flow tuple. The zero Hash is not the
// ID of any flow (in all likelihood) and can mark "no ID". Hash is comparable
// and can be a map key.
type Hash [20]byte

// Hasher computes Community IDs with a fixed seed. The zero value uses seed 0,
// the default that Zeek, Suricata and tshark use unless configured otherwise.
// A Hasher is a 2-byte value: copy it freely; it is safe for concurrent use.
type Hasher struct{ seed uint16 }

// New returns a Hasher that prefixes every tuple with seed (big-endian), as
// the spec's "seed" option does (Suricata's community-id-seed, Zeek's
// CommunityID::seed, tshark's communityid.seed).
func New(seed uint16) Hasher { return Hasher{seed: seed} }

// Seed reports the Hasher's seed.
func (h Hasher) Seed() uint16 { return h.seed }

// maxInput is the longest hash input: seed, two IPv6 addresses, proto,
// padding and two ports.
const maxInput = 2 + 16 + 16 + 1 + 1 + 2 + 2

// Sum orders the endpoints canonically and returns the SHA-1 digest of the
// tuple. It does not allocate.
//
// Ports: TCP (6), UDP (17) and SCTP (132) hash srcPort and dstPort. For ICMP
// (1) and ICMPv6 (58) pass srcPort = type and dstPort = code: Sum applies the
// spec's (Zeek's) pairing internally, replacing the code by the counterpart
// type for request/reply pairs (echo, timestamp, router solicitation, ...)
// so that both directions get one ID, and hashing (type, code) without
// reordering the endpoints for one-way types (unreachable, time exceeded,
// ...). Every other protocol hashes without ports, whatever is passed; so do
// callers that pass hasPorts=false, e.g. for non-first IP fragments (as tshark
// does) or for a transport header that was truncated away.
//
// Ordering: the endpoint with the numerically smaller address comes first;
// if the addresses are equal, the smaller port decides. Zones are ignored.
//
// Addresses are hashed as the caller gives them: 4 bytes for an IPv4 Addr,
// 16 bytes for an IPv6 Addr, including IPv4-mapped IPv6 (::ffff:a.b.c.d),
// which is not unmapped. This matches the reference implementation, which
// hashes the address family of the packet; a decoder that builds Addrs from
// the IP header's bytes (netip.AddrFrom4 / AddrFrom16) gets it right. Mixed
// families and invalid (zero) Addrs do not occur in a real IP header; they
// do not panic (an invalid Addr contributes no bytes) but give IDs no peer
// would produce.
//
// Sum panics only if the process runs with GODEBUG=fips140=only, in which
// crypto/sha1 refuses to hash.
func (h Hasher) Sum(proto uint8, src, dst netip.Addr, srcPort, dstPort uint16, hasPorts bool) Hash {
	oneWay := false
	switch proto {
	case ProtoTCP, ProtoUDP, ProtoSCTP:
	case ProtoICMP:
		if hasPorts {
			srcPort, dstPort, oneWay = icmp4Ports(srcPort, dstPort)
		}
	case ProtoICMPv6:
		if hasPorts {
			srcPort, dstPort, oneWay = icmp6Ports(srcPort, dstPort)
		}
	default:
		hasPorts = false
	}
	if !hasPorts {
		srcPort, dstPort = 0, 0
	}

	// Canonical order: (src, srcPort) first unless it is the larger endpoint.
	// The spec compares addresses as network-order byte strings; As16 keeps
	// that order within a family (IPv4 becomes ::ffff:a.b.c.d).
	if !oneWay {
		c := compare16(src.As16(), dst.As16())
		if c > 0 || (c == 0 && srcPort > dstPort) {
			src, dst = dst, src
			srcPort, dstPort = dstPort, srcPort
		}
	}

	var buf [maxInput]byte
	binary.BigEndian.PutUint16(buf[0:], h.seed)
	n := 2
	n += putAddr(buf[n:], src)
	n += putAddr(buf[n:], dst)
	buf[n] = proto
	buf[n+1] = 0
	n += 2
	if hasPorts {
		binary.BigEndian.PutUint16(buf[n:], srcPort)
		binary.BigEndian.PutUint16(buf[n+2:], dstPort)
		n += 4
	}
	return Hash(sha1.Sum(buf[:n]))
}

// compare16 compares two 16-byte addresses as big-endian integers.
func compare16(a, b [16]byte) int {
	ah, bh := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])
	if ah != bh {
		if ah < bh {
			return -1
		}
		return 1
	}
	al, bl := binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(b[8:])
	switch {
	case al < bl:
		return -1
	case al > bl:
		return 1
	}
	return 0
}

// putAddr writes a's bytes (4 for IPv4, 16 for IPv6, none if invalid) into
// dst, which has room for 16, and returns how many it wrote.
func putAddr(dst []byte, a netip.Addr) int {
	switch {
	case a.Is4():
		b := a.As4()
		return copy(dst, b[:])
	case a.Is6():
		b := a.As16()
		return copy(dst, b[:])
	}
	return 0
}

// ICMPPorts returns the port pair Sum hashes for an ICMP (proto 1) or
// ICMPv6 (proto 58) message of the given type and code: (type, counterpart
// type, false) for request/reply pairs, (type, code, true) for one-way
// types, whose endpoints Sum does not reorder. For other protocols it returns
// (typ, code, false). Flow tables can use it to key both directions of an
// ICMP exchange the way the Community ID does. It does not allocate.
func ICMPPorts(proto uint8, typ, code uint16) (sport, dport uint16, oneWay bool) {
	switch proto {
	case ProtoICMP:
		return icmp4Ports(typ, code)
	case ProtoICMPv6:
		return icmp6Ports(typ, code)
	}
	return typ, code, false
}

// ICMPv4 message types that have a counterpart (RFC 792, RFC 950), as in
// pycommunityid's icmp.py and Zeek's ICMP4_counterpart.
const (
	icmpEchoReply     = 0
	icmpEcho          = 8
	icmpRouterAdvert  = 9
	icmpRouterSolicit = 10
	icmpTimestamp     = 13
	icmpTimestampRepl = 14
	icmpInfoRequest   = 15
	icmpInfoReply     = 16
	icmpMaskRequest   = 17
	icmpMaskReply     = 18
)

// icmp4Ports maps an ICMP type and code to the port pair the spec hashes.
// For a type with a counterpart it returns (type, counterpart, false);
// otherwise (type, code, true): a one-way message.
func icmp4Ports(typ, code uint16) (sport, dport uint16, oneWay bool) {
	switch typ {
	case icmpEcho:
		return typ, icmpEchoReply, false
	case icmpEchoReply:
		return typ, icmpEcho, false
	case icmpTimestamp:
		return typ, icmpTimestampRepl, false
	case icmpTimestampRepl:
		return typ, icmpTimestamp, false
	case icmpInfoRequest:
		return typ, icmpInfoReply, false
	case icmpInfoReply:
		return typ, icmpInfoRequest, false
	case icmpRouterSolicit:
		return typ, icmpRouterAdvert, false
	case icmpRouterAdvert:
		return typ, icmpRouterSolicit, false
	case icmpMaskRequest:
		return typ, icmpMaskReply, false
	case icmpMaskReply:
		return typ, icmpMaskRequest, false
	}
	return typ, code, true
}

// ICMPv6 message types that have a counterpart, as in pycommunityid's
// icmp6.py and Zeek's ICMP6_counterpart.
const (
	icmp6EchoRequest    = 128
	icmp6EchoReply      = 129
	icmp6MLDQuery       = 130
	icmp6MLDReport      = 131
	icmp6RouterSolicit  = 133
	icmp6RouterAdvert   = 134
	icmp6NeighborSolict = 135
	icmp6NeighborAdvert = 136
	icmp6NodeInfoQuery  = 139 // "who are you" request (RFC 4620)
	icmp6NodeInfoReply  = 140
	icmp6HAADRequest    = 144 // Home Agent Address Discovery (RFC 6275)
	icmp6HAADReply      = 145
)

// icmp6Ports is icmp4Ports for ICMPv6.
func icmp6Ports(typ, code uint16) (sport, dport uint16, oneWay bool) {
	switch typ {
	case icmp6EchoRequest:
		return typ, icmp6EchoReply, false
	case icmp6EchoReply:
		return typ, icmp6EchoRequest, false
	case icmp6MLDQuery:
		return typ, icmp6MLDReport, false
	case icmp6MLDReport:
		return typ, icmp6MLDQuery, false
	case icmp6RouterSolicit:
		return typ, icmp6RouterAdvert, false
	case icmp6RouterAdvert:
		return typ, icmp6RouterSolicit, false
	case icmp6NeighborSolict:
		return typ, icmp6NeighborAdvert, false
	case icmp6NeighborAdvert:
		return typ, icmp6NeighborSolict, false
	case icmp6NodeInfoQuery:
		return typ, icmp6NodeInfoReply, false
	case icmp6NodeInfoReply:
		return typ, icmp6NodeInfoQuery, false
	case icmp6HAADRequest:
		return typ, icmp6HAADReply, false
	case icmp6HAADReply:
		return typ, icmp6HAADRequest, false
	}
	return typ, code, true
}
