package tsharkcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/flowmeter/flowmeter/features/decode"
	"github.com/flowmeter/flowmeter/reader"
)

// Field is one compared property of a packet.
type Field uint8

const (
	FieldTime     Field = iota // timestamp, exact nanoseconds
	FieldWireLen               // original length (frame.len)
	FieldCapLen                // captured length (frame.cap_len)
	FieldIP                    // both or neither found an IP header
	FieldSrc                   // innermost source address
	FieldDst                   // innermost destination address
	FieldProto                 // IP protocol (after IPv6 extension headers)
	FieldTotalLen              // IPv4 total length, IPv6 payload length + 40
	FieldPorts                 // TCP/UDP/UDP-Lite/SCTP ports, or none on both sides
	FieldTCPFlags              // TCP flags incl. NS
	FieldICMP                  // ICMP/ICMPv6 type and code
	FieldFrag                  // more-fragments flag and fragment offset
	FieldTunnel                // outer tuple of a tunnel we decoded (tshark's first layer)
	NumFields
)

var fieldNames = [NumFields]string{"time", "wire_len", "cap_len", "ip", "src", "dst", "proto", "ip_len", "ports", "tcp_flags", "icmp", "frag", "tunnel"}

func (f Field) String() string {
	if f < NumFields {
		return fieldNames[f]
	}
	return "field?"
}

// Fields is a bit set of Field.
type Fields uint32

// Has reports whether f is in s.
func (s Fields) Has(f Field) bool { return s&(1<<f) != 0 }

func (s Fields) String() string {
	out := ""
	for f := Field(0); f < NumFields; f++ {
		if s.Has(f) {
			if out != "" {
				out += ","
			}
			out += f.String()
		}
	}
	return out
}

// tunnelEncap are the decode.Encap bits that mean "the IP fields are the
// inner packet of a tunnel" (decode.Packet.Tunnel is set).
const tunnelEncap = decode.EncapTunnels

// Result is the comparison of one packet.
type Result struct {
	Compared Fields // fields that were compared
	Diff     Fields // fields that disagree
	Class    string // disagreement class (Classes) when Diff != 0
	Detail   string // ours vs tshark for the differing fields
	// Rejected is set when tshark found an IP header and our decoder did
	// not; Status is then why.
	Rejected bool
	Status   decode.Status
}

// Compare sets our view of a frame (rp as read by reader, dp as decoded)
// against tshark's row f for the same frame.
func Compare(rp *reader.Packet, dp *decode.Packet, f *Frame) Result {
	v := f.View()
	var r Result
	d := &differ{r: &r}

	theirTime := any(f.TimeNS)
	if !f.TimeOK {
		theirTime = "(" + f.TimeRaw + ")"
	}
	d.check(FieldTime, f.TimeOK && rp.Timestamp == f.TimeNS, rp.Timestamp, theirTime)
	d.check(FieldWireLen, int64(rp.Length) == int64(f.Len), rp.Length, f.Len)
	d.check(FieldCapLen, int64(rp.CaptureLength) == int64(f.CapLen), rp.CaptureLength, f.CapLen)

	l := v.Last()
	oursIP := dp.IPVersion != 0
	d.check(FieldIP, oursIP == (l != nil), ipDesc(dp), v.Protocols)
	r.Status = dp.Status
	r.Rejected = !oursIP && l != nil
	if oursIP && l != nil {
		compareLayer(d, dp, l)
		if dp.Encap&tunnelEncap != 0 {
			o := &v.Layers[0]
			ok := dp.Tunnel.Src == o.Src && dp.Tunnel.Dst == o.Dst && int(dp.Tunnel.Proto) == o.Proto
			if ok && o.HasPorts && dp.Tunnel.Proto == 17 {
				ok = dp.Tunnel.SrcPort == o.SrcPort && dp.Tunnel.DstPort == o.DstPort
			}
			d.check(FieldTunnel, ok,
				fmt.Sprintf("%v>%v/%d", dp.Tunnel.Src, dp.Tunnel.Dst, dp.Tunnel.Proto),
				fmt.Sprintf("%v>%v/%d", o.Src, o.Dst, o.Proto))
		}
	}
	if r.Diff != 0 {
		r.Class = Classify(rp, dp, f, &v, r.Diff)
		if strings.HasPrefix(r.Class, ClassUnexplained) {
			r.Detail += fmt.Sprintf(" [ours: status=%s inner=%s encap=%#x link=%d; tshark: %s]",
				dp.Status, dp.InnerStatus, uint16(dp.Encap), rp.LinkType, v.Protocols)
		}
	}
	return r
}

func ipDesc(dp *decode.Packet) string {
	if dp.IPVersion == 0 {
		return "no IP (" + dp.Status.String() + ")"
	}
	return fmt.Sprintf("IPv%d", dp.IPVersion)
}

func compareLayer(d *differ, dp *decode.Packet, l *Layer) {
	d.check(FieldSrc, dp.Src == l.Src, dp.Src, l.Src)
	d.check(FieldDst, dp.Dst == l.Dst, dp.Dst, l.Dst)
	d.check(FieldProto, int(dp.Proto) == l.Proto, dp.Proto, l.Proto)
	d.check(FieldTotalLen, int64(dp.IPTotalLen) == int64(l.TotalLen), dp.IPTotalLen, l.TotalLen)

	oursPorts := dp.SrcPort != 0 || dp.DstPort != 0 || (dp.HasTransport && hasPorts(dp.Proto))
	if l.HasPorts || oursPorts {
		d.check(FieldPorts, l.HasPorts && oursPorts && dp.SrcPort == l.SrcPort && dp.DstPort == l.DstPort,
			portDesc(oursPorts, dp.SrcPort, dp.DstPort), portDesc(l.HasPorts, l.SrcPort, l.DstPort))
	}
	if l.HasFlags || dp.TCPFlags != 0 {
		d.check(FieldTCPFlags, l.HasFlags && dp.TCPFlags == l.TCPFlags&0x1ff,
			fmt.Sprintf("%#03x", dp.TCPFlags), fmt.Sprintf("%#03x", l.TCPFlags))
	}
	// A truncated ICMP header still has its type and code when 2 bytes were captured.
	oursICMP := (dp.Proto == 1 || dp.Proto == 58) && (dp.HasTransport || dp.Status == decode.StatusTruncatedICMP)
	if l.HasICMP || oursICMP {
		d.check(FieldICMP, l.HasICMP && oursICMP && dp.ICMPType == l.ICMPType && dp.ICMPCode == l.ICMPCode,
			fmt.Sprintf("%d/%d", dp.ICMPType, dp.ICMPCode), fmt.Sprintf("%d/%d", l.ICMPType, l.ICMPCode))
	}
	if l.HasFrag {
		d.check(FieldFrag, dp.MoreFragments == l.MF && int(dp.FragOffset) == l.FragOffset,
			fmt.Sprintf("mf=%v off=%d", dp.MoreFragments, dp.FragOffset), fmt.Sprintf("mf=%v off=%d", l.MF, l.FragOffset))
	} else if dp.MoreFragments || dp.FragOffset != 0 {
		d.check(FieldFrag, false, fmt.Sprintf("mf=%v off=%d", dp.MoreFragments, dp.FragOffset), "no fragment header")
	}
}

func hasPorts(proto uint8) bool { return proto == 6 || proto == 17 || proto == 132 || proto == 136 }

func portDesc(ok bool, s, d uint16) string {
	if !ok {
		return "none"
	}
	return fmt.Sprintf("%d>%d", s, d)
}

type differ struct{ r *Result }

func (d *differ) check(f Field, ok bool, ours, theirs any) {
	d.r.Compared |= 1 << f
	if ok {
		return
	}
	d.r.Diff |= 1 << f
	if len(d.r.Detail) < 300 {
		if d.r.Detail != "" {
			d.r.Detail += "; "
		}
		d.r.Detail += fmt.Sprintf("%s ours=%v tshark=%v", f, ours, theirs)
	}
}

// CaptureResult is the comparison of one capture.
type CaptureResult struct {
	Path       string
	TsharkExit int
	TsharkErr  string
	Frames     int // packet frames tshark printed (custom-block pseudo-frames excluded)
	Ours       int // packets our reader returned
	// TsharkCustomBlocks counts tshark's pseudo-frames for pcapng Custom
	// Blocks; OursCustomBlocks is our reader's Stats.CB+DCB. They should agree.
	TsharkCustomBlocks, OursCustomBlocks int
	ReaderErr                            error    // our reader's error (nil at a clean io.EOF)
	Results                              []Result // one per frame tshark printed
}

// CheckCapture runs scripts/tshark-fields.sh (script) on path, reads path
// with our reader and decoder, and compares frame by frame. Frames tshark
// printed that our reader did not return are compared as missing (class
// by Classify's reader rules); packets our reader returned beyond tshark's
// frames are counted in Ours only.
func CheckCapture(ctx context.Context, script, path string) (CaptureResult, error) {
	cr := CaptureResult{Path: path}
	rr, err := RunScript(ctx, script, path)
	if err != nil {
		return cr, err
	}
	frames := rr.Frames[:0:0]
	for _, f := range rr.Frames {
		if f.CustomBlock {
			cr.TsharkCustomBlocks++
			continue
		}
		frames = append(frames, f)
	}
	rr.Frames = frames
	cr.TsharkExit, cr.TsharkErr, cr.Frames = rr.ExitCode, rr.Stderr, len(rr.Frames)
	if len(rr.Frames) == 0 && cr.TsharkCustomBlocks == 0 {
		return cr, nil
	}
	r, err := reader.Open(path)
	if err != nil {
		cr.ReaderErr = err
	}
	var dp decode.Packet
	i := 0
	for r != nil {
		p, err := r.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				cr.ReaderErr = err
			}
			break
		}
		cr.Ours++
		if i >= len(rr.Frames) {
			continue
		}
		decode.Decode(p.Data, uint32(p.LinkType), &dp)
		cr.Results = append(cr.Results, Compare(&p, &dp, &rr.Frames[i]))
		i++
	}
	if r != nil {
		st := r.Stats()
		cr.OursCustomBlocks = int(st.CB + st.DCB)
		r.Close()
	}
	for ; i < len(rr.Frames); i++ {
		cr.Results = append(cr.Results, Result{
			Compared: 1 << FieldTime, Diff: 1 << FieldTime, Class: ClassReaderMissing,
			Detail: fmt.Sprintf("frame %d not returned by our reader (%v)", rr.Frames[i].Number, cr.ReaderErr),
		})
	}
	return cr, nil
}
