// Package decode turns frame bytes into a compact packet summary without
// allocating. It uses the standard library only.
//
// One entry point, Decode, fills a caller-owned *Packet. A frame that cannot
// be decoded is not an error: its Status says why (truncated IPv4 header,
// unsupported link type, ...) and the caller counts it.
package decode

import "net/netip"

// Encap is a bit set of the encapsulations seen on the way to the innermost
// IP header.
type Encap uint16

const (
	EncapVLAN       Encap = 1 << iota // 802.1Q / 802.1ad tag(s)
	EncapMPLS                         // MPLS label stack
	EncapPPPoE                        // PPPoE session
	EncapGRE                          // GRE (incl. ERSPAN-less GRE carrying IP/Ethernet)
	EncapVXLAN                        // VXLAN, UDP 4789
	EncapGENEVE                       // GENEVE, UDP 6081
	EncapGTPU                         // GTP-U, UDP 2152
	EncapIPinIP                       // IPv4/IPv6 in IPv4/IPv6 (proto 4 / 41, incl. 6in4)
	EncapTeredo                       // IPv6 in UDP 3544
	EncapERSPAN                       // ERSPAN type I/II/III inside GRE (EncapGRE is set too)
	EncapVNTag                        // Cisco VN-Tag (EtherType 0x8926)
	EncapPBB                          // IEEE 802.1ah provider backbone bridging (EtherType 0x88e7)
	EncapFabricPath                   // Cisco FabricPath (EtherType 0x8903)
	EncapAMSDU                        // 802.11 A-MSDU: only the first subframe was decoded
	EncapAYIYA                        // AYIYA (Anything In Anything), UDP 5072
	EncapUDPEncap                     // GRE-in-UDP (RFC 8086, UDP 4754; EncapGRE set too) or MPLS-in-UDP (RFC 7510, UDP 6635; EncapMPLS set too)
)

// All 16 bits of Encap are in use: the next encapsulation needs a wider
// type (and callers that loop over 16 bits must follow).

// EncapTunnels are the Encap bits of tunnels: when any is set, Packet.Tunnel
// holds the outermost tunnel's tuple. VXLAN-GPE (UDP 4790) sets EncapVXLAN.
const EncapTunnels = EncapGRE | EncapVXLAN | EncapGENEVE | EncapGTPU | EncapIPinIP | EncapTeredo | EncapERSPAN |
	EncapAYIYA | EncapUDPEncap

// encapTunnels are the Encap bits that set Packet.Tunnel.
const encapTunnels = EncapTunnels

// TCP flag bits as in the TCP header's flags byte, plus NS in bit 8.
const (
	TCPFin uint16 = 1 << iota
	TCPSyn
	TCPRst
	TCPPsh
	TCPAck
	TCPUrg
	TCPEce
	TCPCwr
	TCPNs
)

// Tunnel is the outer tuple of a tunnelled packet (the outermost IP header
// and, for UDP-based tunnels, its ports). Zero when Encap has no tunnel bit.
//
// IPTotalLen and TTL are the outermost IP header's total length (IPv6:
// payload length + 40, with the same snaplen/TSO rules as
// Packet.IPTotalLen) and TTL / hop limit, so that a caller can account for
// the outer tunnel connection the way Zeek logs it (its orig_ip_bytes count
// the outer IP lengths).
type Tunnel struct {
	Src, Dst         netip.Addr
	Proto            uint8
	SrcPort, DstPort uint16
	IPTotalLen       uint32
	TTL              uint8
}

// Packet is the decoded summary of one frame. Decode resets every field, so a
// Packet reused across frames never keeps stale values.
type Packet struct {
	// The fields are ordered for the flow table, which reads this summary
	// on another core than the one that decoded it: what it reads for
	// every packet comes first, in 97 bytes (the first two cache lines of
	// an engine batch item, features.TestItemLayout); fragment details
	// and the tunnels, which it reads only for fragments and tunnelled
	// packets, come last.

	Status Status // OK, or why decoding stopped

	// Network layer (the innermost IP header).
	IPVersion uint8 // 4 or 6; 0 when no IP header was decoded
	Proto     uint8 // IP protocol of the transport (after IPv6 extension headers)
	TTL       uint8 // TTL or hop limit

	// Transport layer. Ports are 0 when absent (non-first fragments,
	// port-less protocols).
	HasTransport bool  // the transport header was present and decoded
	Fragment     bool  // the packet is a fragment (offset > 0 or more-fragments set)
	ICMPType     uint8 // ICMP / ICMPv6
	ICMPCode     uint8

	Src, Dst    netip.Addr
	IPTotalLen  uint32 // IPv4 total length; IPv6 payload length + 40
	PayloadLen  uint32 // transport payload bytes, from the IP lengths (not the capture)
	SrcPort     uint16
	DstPort     uint16
	TCPFlags    uint16 // TCPFin | TCPSyn | ...
	TCPWindow   uint16 // raw window (unscaled)
	TCPSeq      uint32
	TCPAck      uint32
	L4HeaderLen uint16 // TCP data offset*4, UDP 8, ICMP 8, SCTP 12
	IPHeaderLen uint16 // IPv4 IHL*4; IPv6 40 + extension headers
	FragOffset  uint16 // in 8-byte units (Fragment)
	ICMPID      uint16 // echo identifier, when the message has one

	// Link layer.
	Encap    Encap
	VLANs    [3]uint16 // VLAN IDs, outermost first
	NumVLANs uint8     // how many tags were seen (may exceed len(VLANs); extra IDs dropped)

	// InnerStatus is set when a tunnel was recognised but its inner packet
	// could not be decoded (truncated, not IP, ...). The summary then
	// describes the outer packet (Status OK, the tunnel's Encap bit clear)
	// and InnerStatus says why the inner packet was given up.
	InnerStatus   Status
	EtherType     uint16 // EtherType of the network layer (0x0800, 0x86dd, ...), 0 if none
	MoreFragments bool   // the IPv4 MF flag or the IPv6 fragment header's M flag
	FragID        uint32 // IPv4 identification or the IPv6 fragment header's id

	Tunnel Tunnel // outermost tunnel layer
	// InnerTunnel is the innermost tunnel layer when tunnels nest (VXLAN in
	// GENEVE, Teredo in GTP-U): the tuple of the packet that carried the
	// final inner packet. Zero for a single tunnel (Tunnel has it). Layers
	// between the two are not kept.
	InnerTunnel Tunnel
}
