package tsharkcheck

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/flowmeter/flowmeter/features/decode"
	"github.com/flowmeter/flowmeter/reader"
)

// Class is a documented class of disagreement between our reader/decoder
// and tshark. Each class is recognised by a rule on the packet (never by a
// file name) and may explain only the fields in Explains; a disagreement on
// a field that no matching class explains is ClassUnexplained.
type Class struct {
	Name     string
	Explains Fields
	Rule     string // the rule, in words (docs/TSHARK_AGREEMENT.md repeats it)
	Why      string // why the two tools differ, and whose behaviour it is
	match    func(c *clsCtx) bool
}

// Classes that are not per-packet rules.
const (
	// ClassReaderMissing: tshark printed a frame our reader did not return.
	ClassReaderMissing = "reader-missing-frame"
	// ClassUnexplained: a disagreement no documented class explains.
	ClassUnexplained = "unexplained"
)

type clsCtx struct {
	rp   *reader.Packet
	dp   *decode.Packet
	f    *Frame
	v    *View
	diff Fields
	// at is the index of the tshark layer our innermost header matches
	// (addresses and protocol), -1 if none.
	at int
}

const ipFields = 1<<FieldSrc | 1<<FieldDst | 1<<FieldProto | 1<<FieldTotalLen | 1<<FieldPorts |
	1<<FieldTCPFlags | 1<<FieldICMP | 1<<FieldFrag | 1<<FieldTunnel

const transportFields = 1<<FieldPorts | 1<<FieldTCPFlags | 1<<FieldICMP

// ourL2 are the frame.protocols names of layers below IP that our decoder
// walks too; an IP layer tshark reached only through other names sits in an
// encapsulation we do not decode.
var ourL2 = map[string]bool{
	"eth": true, "ethertype": true, "vlan": true, "sll": true, "null": true, "raw": true,
	"ppp": true, "pppoes": true, "mpls": true, "llc": true, "chdlc": true, "vntag": true,
	"pwethheuristic": true, "pwethcw": true, "pwethnocw": true, "mplspwcw": true,
	"ip": true, "ipv6": true, "gre": true, "udp": true, "vxlan": true, "geneve": true,
	"gtp": true, "teredo": true, "erspan": true, "ieee8021ah": true, "cfp": true,
	"cmd": true, "nsh": true, "ayiya": true,
}

// deeperWhy lists the encapsulations tshark decodes beyond an IP layer where
// our decoder stops, by their signature: the first two frame.protocols names
// between that IP layer and the next one, with the GRE protocol type after
// "gre/". Only these signatures are a documented class; any other is
// unexplained, so a tunnel our decoder should have decoded (VXLAN on 4789,
// GENEVE, GTP-U on 2152, GRE carrying IP/Ethernet/PPP/ERSPAN/WCCP/Cisco
// MetaData, IP-in-IP, Teredo, AYIYA, GRE-in-UDP, MPLS-in-UDP, VXLAN-GPE/NSH)
// cannot hide here.
var deeperWhy = map[string]string{
	"udp:gtpprime":    "GTP' (charging, UDP 3386) is not a user-plane tunnel; tshark dissects the IP packets these test captures put in it. We decode GTP-U on UDP 2152 only.",
	"udp:sflow":       "sFlow datagrams carry sampled packet headers; tshark dissects them, we report the sFlow datagram itself (not a tunnel).",
	"tcp:openflow":    "OpenFlow packet-in/packet-out messages carry a packet; tshark dissects it, we report the OpenFlow TCP segment (not a tunnel).",
	"pim":             "PIM Register messages carry the registered multicast packet; tshark dissects it, we report the PIM packet (not a tunnel).",
	"gre/0x2001:nhrp": "NHRP (GRE protocol 0x2001) error indications quote the offending packet; tshark dissects it, we report the NHRP packet (not a tunnel).",
	"eth:ethertype":   "IPv6 next header 143 (Ethernet, RFC 8986 SRv6 L2 services): tshark decodes the Ethernet frame inside; our decoder reports protocol 143 without a transport.",
}

// Classes is the ordered list of documented per-packet classes. A packet's
// class name joins the names of every class whose rule matched ("+"),
// except for tshark-deeper, whose name carries the signature.
var Classes = []*Class{
	{
		Name: "pcapng-spb-no-timestamp", Explains: 1 << FieldTime,
		Rule: "tshark prints an empty frame.time_epoch",
		Why: "A pcapng Simple Packet Block has no timestamp: tshark prints none, our reader carries the previous packet's " +
			"timestamp (reader.Stats.NoTimestamp counts them). Not a bug on either side.",
		match: func(c *clsCtx) bool { return c.f.TimeRaw == "" },
	},
	{
		Name: "pcap-subsecond-out-of-range", Explains: 1 << FieldTime,
		Rule: "tshark prints ten or more fraction digits (a sub-second field >= 1e9 ns), or our timestamp is at least one second after tshark's whole seconds",
		Why: "The record's sub-second field is out of range (classic pcap usec >= 1e6 or nsec >= 1e9; the reader counts it in " +
			"Stats.BadSubsecond). Our reader adds the whole field to the seconds; tshark 4.0 multiplies a usec field into a " +
			"32-bit nanosecond count, which wraps (for usec >= 4294968, or an nsec field >= 2^31, it even prints a negative time). The file is invalid; " +
			"fields below 4294968 usec agree (ParseEpochNS reads tshark's 10-digit fractions).",
		match: func(c *clsCtx) bool {
			sec, frac, ok := strings.Cut(c.f.TimeRaw, ".")
			if !ok {
				return false
			}
			if len(frac) > 9 { // tshark's %09d of a sub-second field >= 1e9 ns
				return true
			}
			n, err := strconv.ParseInt(sec, 10, 64)
			return err == nil && c.rp.Timestamp/1_000_000_000 > n
		},
	},
	{
		Name: "link-pseudo-header-length", Explains: 1<<FieldWireLen | 1<<FieldCapLen,
		Rule: "our decoder does not know the link type, and our captured and original lengths both exceed tshark's by the same amount",
		Why: "For some link types (SunATM 123, ...) tshark's frame.len/frame.cap_len exclude the link pseudo-header that the " +
			"pcap record counts; our reader reports the record's lengths.",
		match: func(c *clsCtx) bool {
			d := int64(c.rp.Length) - int64(c.f.Len)
			return c.dp.Status == decode.StatusUnsupportedLink && d > 0 && int64(c.rp.CaptureLength)-int64(c.f.CapLen) == d
		},
	},
	{
		Name: "unsupported-link-type", Explains: 1 << FieldIP,
		Rule: "our decoder returns StatusUnsupportedLink",
		Why: "tshark knows link types our decoder does not (in the corpus: IEEE 802.15.4 with 6LoWPAN). " +
			"Expected: flowmeter supports the link types listed as decode.Link* constants.",
		match: func(c *clsCtx) bool { return c.dp.Status == decode.StatusUnsupportedLink },
	},
	{
		Name: "l2-encapsulation-not-decoded", Explains: 1 << FieldIP,
		Rule: "we find no IP (StatusNotIP) and tshark reaches its first IP layer through a frame.protocols name our decoder does not walk",
		Why: "Layer-2 encapsulations our decoder does not walk: Cisco FabricPath (cfp), 802.1ah PBB, Arista timestamp (avsp), " +
			"MACsec, ... tshark decodes the IP inside.",
		match: func(c *clsCtx) bool {
			if c.dp.IPVersion != 0 || c.dp.Status != decode.StatusNotIP || len(c.v.Layers) == 0 {
				return false
			}
			for _, p := range c.f.Protocols {
				if p == "ip" || p == "ipv6" {
					break
				}
				if !ourL2[p] {
					return true
				}
			}
			return false
		},
	},
	{
		Name: "ip-header-truncated", Explains: 1 << FieldIP,
		Rule: "our decoder returns StatusTruncatedIPv4 or StatusTruncatedIPv6 (no IP decoded) and tshark printed the addresses",
		Why: "The IP header (with its options, for IPv4) is cut short by the capture or the frame; tshark shows the fields that " +
			"were captured, our decoder needs the whole header before it reports an IP packet.",
		match: func(c *clsCtx) bool {
			return c.dp.IPVersion == 0 && (c.dp.Status == decode.StatusTruncatedIPv4 || c.dp.Status == decode.StatusTruncatedIPv6)
		},
	},
	{
		Name: "ip-header-invalid", Explains: 1 << FieldIP,
		Rule: "our decoder returns StatusBadIPv4 or StatusBadIPv6 (no IP decoded) and tshark printed addresses",
		Why: "The IP header is invalid: a version nibble that does not match the EtherType (tshark's IPv4 dissector hands a " +
			"version-6 header to IPv6), an IHL below 5 or a total length below the header. tshark still shows addresses; " +
			"our decoder rejects the header.",
		match: func(c *clsCtx) bool {
			return c.dp.IPVersion == 0 && (c.dp.Status == decode.StatusBadIPv4 || c.dp.Status == decode.StatusBadIPv6)
		},
	},
	{
		Name: "ipv6-ext-chain-invalid", Explains: 1<<FieldProto | 1<<FieldFrag | transportFields,
		Rule: "our decoder returns StatusBadIPv6Ext",
		Why: "An IPv6 extension header is cut short or longer than the payload length. Our decoder stops with StatusBadIPv6Ext " +
			"and keeps the IPv6 header's Next Header as Proto; tshark reports the next-header value of the last extension " +
			"header it could read (and marks the packet malformed).",
		match: func(c *clsCtx) bool { return c.dp.Status == decode.StatusBadIPv6Ext },
	},
	{
		Name: "transport-header-truncated", Explains: transportFields,
		Rule: "our decoder returns StatusTruncatedTCP/UDP/SCTP/ICMP",
		Why: "The transport header is cut short by the capture (snaplen) or the IP length; tshark shows the fields that were " +
			"captured (e.g. the ports of a 4-byte TCP stub), our decoder reports no transport.",
		match: func(c *clsCtx) bool {
			switch c.dp.Status {
			case decode.StatusTruncatedTCP, decode.StatusTruncatedUDP, decode.StatusTruncatedSCTP, decode.StatusTruncatedICMP:
				return true
			}
			return false
		},
	},
	{
		Name: "tcp-bad-data-offset", Explains: 1<<FieldPorts | 1<<FieldTCPFlags,
		Rule: "our decoder returns StatusBadTCP",
		Why: "The TCP data offset is below 5 or beyond the IP payload: tshark still prints ports and flags, our decoder " +
			"rejects the header.",
		match: func(c *clsCtx) bool { return c.dp.Status == decode.StatusBadTCP },
	},
	{
		Name: "ipv6-payload-length-zero", Explains: 1<<FieldTotalLen | 1<<FieldProto | 1<<FieldFrag | transportFields,
		Rule: "tshark's innermost IPv6 payload length is 0 and ours is larger",
		Why: "IPv6 payload length 0 (jumbogram with a hop-by-hop Jumbo option, or a BIG TCP/GSO capture): our decoder takes the " +
			"rest of the frame as the payload (as both tools do for IPv4 total length 0), tshark keeps ipv6.plen 0 and hands " +
			"an empty payload on, so it prints no extension-header next header, fragment fields, ports or flags.",
		match: func(c *clsCtx) bool {
			l := c.v.Last()
			return l != nil && l.Version == 6 && l.TotalLen == 40 && c.dp.IPVersion == 6 && c.dp.IPTotalLen > 40
		},
	},
	{
		Name: "ipv6-ext-header-malformed-option", Explains: transportFields,
		Rule: "tshark's frame.protocols ends with an IPv6 hop-by-hop or destination options header and our decoder found a transport",
		Why: "An option inside a hop-by-hop/destination options header claims more bytes than the header has: tshark throws " +
			"a malformed-packet exception and dissects nothing further; our decoder skips the header by its own length field " +
			"(RFC 8200) and decodes the transport.",
		match: func(c *clsCtx) bool {
			n := len(c.f.Protocols)
			return n > 0 && (c.f.Protocols[n-1] == "ipv6.dstopts" || c.f.Protocols[n-1] == "ipv6.hopopts") && c.dp.HasTransport
		},
	},
	{
		Name: "too-many-layers", Explains: 1<<FieldIP | ipFields,
		Rule: "our decoder returns StatusTooManyLayers",
		Why: "Our decoder gives up after decode.MaxDepth nested Ethernet/IP headers (a guard against hostile recursion, e.g. " +
			"dozens of nested 802.1ah PBB headers); tshark goes on and finds the IP packet inside.",
		match: func(c *clsCtx) bool { return c.dp.Status == decode.StatusTooManyLayers },
	},
	{
		Name: "amsdu-first-subframe", Explains: ipFields,
		Rule: "our decoder sets decode.EncapAMSDU",
		Why: "An 802.11 A-MSDU (here inside Aruba GRE) aggregates several subframes, each with its own IP packet; tshark " +
			"dissects all of them (its last IP layer is the last subframe), our decoder reports the first one.",
		match: func(c *clsCtx) bool { return c.dp.Encap&decode.EncapAMSDU != 0 },
	},
	{
		Name: "fabricpath-fcs-assumed", Explains: 1<<FieldIP | transportFields,
		Rule: "our decoder sets decode.EncapFabricPath (and the frame is not snaplen-truncated)",
		Why: "tshark's cfp dissector always takes the last 4 bytes of a Cisco FabricPath frame for an FCS and hands the inner " +
			"Ethernet frame on without them. The captured frames carry no FCS (in cisco-fabric-path.pcap the inner IPv4 total " +
			"length or IPv6 header fills the frame exactly), so when the inner IPv6 header or the transport header reaches the " +
			"frame's end, tshark finds it cut short (no IPv6 addresses, no SCTP ports). Our decoder, like Zeek's FabricPath " +
			"analyzer, reads no FCS. tshark's side of the difference.",
		match: func(c *clsCtx) bool { return c.dp.Encap&decode.EncapFabricPath != 0 && c.f.Len == c.f.CapLen },
	},
	{
		Name: "tunnel-in-first-fragment", Explains: ipFields,
		Rule: "our innermost header is a tshark IP layer other than the last, and it is a first fragment (MF set, offset 0)",
		Why: "Our decoder does not decode a tunnel (GRE, ERSPAN, GTP-U, VXLAN, IP-in-IP) inside an IP fragment, since the " +
			"inner packet is incomplete; with reassembly off tshark still dissects the first fragment's inner headers.",
		match: func(c *clsCtx) bool {
			return c.at >= 0 && c.at < len(c.v.Layers)-1 && c.dp.MoreFragments && c.dp.FragOffset == 0
		},
	},
	{
		Name: "ours-deeper-udp-length-invalid", Explains: ipFields,
		Rule: "we decoded a VXLAN/GENEVE tunnel whose outer tuple is tshark's last IP layer, and tshark stopped at that layer's UDP header",
		Why: "tshark stops at a UDP header whose length field is invalid (0 in BIG TCP/GSO super-packets over 64 KiB); our " +
			"decoder uses the IP length and decodes the tunnel by port.",
		match: func(c *clsCtx) bool {
			l := c.v.Last()
			return l != nil && c.dp.Encap&(decode.EncapVXLAN|decode.EncapGENEVE) != 0 &&
				c.dp.Tunnel.Src == l.Src && c.dp.Tunnel.Dst == l.Dst && signature(l) == "udp"
		},
	},
}

// DeeperPrefix prefixes the class of packets where tshark decodes an
// encapsulation beyond our innermost header; the signature follows.
const DeeperPrefix = "tshark-deeper:"

// DeeperWhy returns the explanation of a tshark-deeper signature and
// whether it is documented.
func DeeperWhy(sig string) (string, bool) {
	w, ok := deeperWhy[sig]
	return w, ok
}

// DeeperSignatures returns the documented tshark-deeper signatures, sorted.
func DeeperSignatures() []string {
	out := make([]string, 0, len(deeperWhy))
	for k := range deeperWhy {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// signature is the connector after IP layer l: up to two frame.protocols
// names, GRE qualified by its protocol type ("gre/0x8909:cmd").
func signature(l *Layer) string {
	next := l.Next
	if len(next) > 2 {
		next = next[:2]
	}
	parts := make([]string, len(next))
	for i, p := range next {
		parts[i] = p
		if i == 0 && p == "gre" && l.GREProto >= 0 {
			parts[i] = fmt.Sprintf("gre/%#04x", l.GREProto)
		}
	}
	return strings.Join(parts, ":")
}

// Classify names the class of a disagreement (diff != 0): the names of all
// matching documented classes joined with "+", or ClassUnexplained when the
// matching classes do not explain every differing field.
func Classify(rp *reader.Packet, dp *decode.Packet, f *Frame, v *View, diff Fields) string {
	c := &clsCtx{rp: rp, dp: dp, f: f, v: v, diff: diff, at: -1}
	if dp.IPVersion != 0 {
		for i := len(v.Layers) - 1; i >= 0; i-- {
			l := &v.Layers[i]
			if l.Src == dp.Src && l.Dst == dp.Dst && l.Proto == int(dp.Proto) {
				c.at = i
				break
			}
		}
	}
	var names []string
	left := diff
	for _, cl := range Classes {
		if cl.Explains&left != 0 && cl.match(c) {
			names = append(names, cl.Name)
			left &^= cl.Explains
		}
	}
	if left&ipFields != 0 && c.at >= 0 && c.at < len(v.Layers)-1 {
		sig := signature(&v.Layers[c.at])
		if _, ok := deeperWhy[sig]; ok {
			names = append(names, DeeperPrefix+sig)
			left &^= ipFields
		} else {
			return ClassUnexplained + " (" + DeeperPrefix + sig + " not documented)"
		}
	}
	if left != 0 {
		return ClassUnexplained
	}
	return strings.Join(names, "+")
}
