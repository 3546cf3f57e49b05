package tsharkcheck

import (
	"net/netip"
	"strconv"
	"strings"
)

// Layer is one IP header as tshark dissected it, with what follows it.
// Values tshark did not print are left at their "unknown" marks (invalid
// addresses, -1).
type Layer struct {
	Version  uint8 // 4 or 6
	Src, Dst netip.Addr
	// Proto is the protocol after the header: ip.proto, or for IPv6 the
	// next-header value of the last extension header tshark dissected
	// (hop-by-hop, routing, destination options, fragment, AH), like our
	// decoder's Proto. -1 if tshark printed none.
	Proto    int
	TotalLen int // ip.len, or ipv6.plen+40; -1 if absent

	HasFrag    bool // IPv4 always (flags/offset printed); IPv6 with a fragment header
	MF         bool
	FragOffset int // in 8-byte units, -1 if absent

	// GREProto is the GRE protocol type (gre.proto) when Next starts with
	// "gre", else -1.
	GREProto int
	// Transport is the frame.protocols name right after the header chain
	// ("tcp", "udp", "data", ...), "" when the frame ends there.
	Transport string
	// Next lists the frame.protocols names from Transport up to the next IP
	// layer (exclusive) or the end: what carried the next layer.
	Next []string

	HasPorts         bool // TCP, UDP, UDP-Lite or SCTP ports printed
	SrcPort, DstPort uint16
	HasFlags         bool
	TCPFlags         uint16 // tcp.flags (12 bits; NS/AE is 0x100)
	HasICMP          bool
	ICMPType         uint8
	ICMPCode         uint8
}

// View is tshark's picture of one frame as a list of IP layers.
type View struct {
	// Layers holds the IP headers outermost first. It stops at the first
	// ICMP or ICMPv6 layer: IP headers quoted inside an ICMP error are not
	// a further layer (our decoder reports the ICMP packet itself).
	Layers []Layer
	// ICMPQuoted reports that tshark dissected an IP header quoted in an
	// ICMP error after the last layer.
	ICMPQuoted bool
	// Protocols is frame.protocols, for messages.
	Protocols string
}

// Last returns the innermost layer, or nil when tshark saw no IP.
func (v *View) Last() *Layer {
	if len(v.Layers) == 0 {
		return nil
	}
	return &v.Layers[len(v.Layers)-1]
}

// occName maps a frame.protocols entry to the name whose fields it fills:
// UDP-Lite uses the udp.* fields in tshark 4.0.
func occName(p string) string {
	if p == "udplite" {
		return "udp"
	}
	return p
}

func isIP(p string) bool { return p == "ip" || p == "ipv6" }

// View builds the layer view of f.
func (f *Frame) View() View {
	v := View{Protocols: strings.Join(f.Protocols, ":")}
	occ := make([]int, len(f.Protocols))
	seen := map[string]int{}
	for i, p := range f.Protocols {
		n := occName(p)
		occ[i] = seen[n]
		seen[n]++
	}
	for i := 0; i < len(f.Protocols); i++ {
		p := f.Protocols[i]
		if !isIP(p) {
			continue
		}
		k := occ[i]
		l := Layer{Proto: -1, TotalLen: -1, FragOffset: -1, GREProto: -1}
		j := i + 1
		if p == "ip" {
			l.Version = 4
			l.Src = f.addr(colIPSrc, k)
			l.Dst = f.addr(colIPDst, k)
			l.Proto = f.num(colIPProto, k)
			l.TotalLen = f.num(colIPLen, k)
			l.FragOffset = f.num(colIPFrag, k)
			mf := f.num(colIPMF, k)
			l.HasFrag = l.FragOffset >= 0 || mf >= 0
			l.MF = mf == 1
		} else {
			l.Version = 6
			l.Src = f.addr(col6Src, k)
			l.Dst = f.addr(col6Dst, k)
			l.Proto = f.num(col6Nxt, k)
			if pl := f.num(col6Plen, k); pl >= 0 {
				l.TotalLen = pl + 40
			}
			for ; j < len(f.Protocols); j++ {
				e := f.Protocols[j]
				field, ok := extNextField[e]
				if !ok {
					break
				}
				if n := f.num(field, occ[j]); n >= 0 {
					l.Proto = n
				}
				if e == "ipv6.fraghdr" {
					l.HasFrag = true
					l.FragOffset = f.num(col6FragOff, occ[j])
					l.MF = f.num(col6FragMF, occ[j]) == 1
				}
			}
		}
		end := j
		for end < len(f.Protocols) && !isIP(f.Protocols[end]) {
			end++
		}
		l.Next = f.Protocols[j:end]
		if j < len(f.Protocols) {
			l.Transport = f.Protocols[j]
			t := occ[j]
			switch l.Transport {
			case "tcp":
				l.SrcPort, l.DstPort, l.HasPorts = f.ports(colTCPSrc, colTCPDst, t)
				if s, ok := f.at(colTCPFlags, t); ok {
					if n, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 16); err == nil {
						l.TCPFlags, l.HasFlags = uint16(n), true
					}
				}
			case "udp", "udplite":
				l.SrcPort, l.DstPort, l.HasPorts = f.ports(colUDPSrc, colUDPDst, t)
			case "sctp":
				l.SrcPort, l.DstPort, l.HasPorts = f.ports(colSCTPSrc, colSCTPDst, t)
			case "gre":
				if s, ok := f.at(colGREProto, t); ok {
					if n, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 16); err == nil {
						l.GREProto = int(n)
					}
				}
			case "icmp", "icmpv6":
				tc, cc := colICMPT, colICMPC
				if l.Transport == "icmpv6" {
					tc, cc = colICMP6T, colICMP6C
				}
				ty, co := f.num(tc, t), f.num(cc, t)
				if ty >= 0 {
					l.HasICMP, l.ICMPType = true, uint8(ty)
					if co >= 0 {
						l.ICMPCode = uint8(co)
					}
				}
			}
		}
		if !l.Src.IsValid() || !l.Dst.IsValid() {
			// tshark named the protocol but could not read the header
			// (bad version or header length, cut short): no layer.
			i = end - 1
			continue
		}
		v.Layers = append(v.Layers, l)
		if l.Transport == "icmp" || l.Transport == "icmpv6" {
			v.ICMPQuoted = end < len(f.Protocols)
			break
		}
		i = end - 1
	}
	return v
}

func (f *Frame) at(col string, k int) (string, bool) {
	o := f.fields[col]
	if k < 0 || k >= len(o) {
		return "", false
	}
	return o[k], true
}

func (f *Frame) num(col string, k int) int {
	s, ok := f.at(col, k)
	if !ok {
		return -1
	}
	switch s {
	case "True":
		return 1
	case "False":
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

func (f *Frame) addr(col string, k int) netip.Addr {
	s, ok := f.at(col, k)
	if !ok {
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a
}

func (f *Frame) ports(src, dst string, k int) (uint16, uint16, bool) {
	s, d := f.num(src, k), f.num(dst, k)
	if s < 0 || d < 0 || s > 0xffff || d > 0xffff {
		return 0, 0, false
	}
	return uint16(s), uint16(d), true
}
