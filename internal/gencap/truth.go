package gencap

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// TruthHeader is the first line of a truth file. Columns are tab separated;
// "fwd" is initiator to responder. proto is the IP protocol number (6, 17).
// ip_bytes are sums of IP total length (IPv6: payload length + 40),
// payload_bytes sums of TCP/UDP payload lengths, frame_bytes sums of frame
// lengths (Ethernet without FCS, padded to 60). end is fin, rst, open or udp.
// Rows are written when a flow ends (flows open at the end come last, in
// index order), so they are not sorted by flow index.
const TruthHeader = "flow\tip_version\tproto\tinit_addr\tinit_port\tresp_addr\tresp_port\tvlan\tfirst_ts_ns\tlast_ts_ns\tpkts_fwd\tpkts_bwd\tip_bytes_fwd\tip_bytes_bwd\tpayload_bytes_fwd\tpayload_bytes_bwd\tframe_bytes_fwd\tframe_bytes_bwd\tend\n"

const truthColumns = 19

// AppendTruthRow appends f as one truth line (with the newline) to b.
func AppendTruthRow(b []byte, f *Flow) []byte {
	b = strconv.AppendUint(b, f.Index, 10)
	b = append(b, '\t')
	b = strconv.AppendUint(b, uint64(f.IPVersion), 10)
	b = append(b, '\t')
	b = strconv.AppendUint(b, uint64(f.Proto), 10)
	b = append(b, '\t')
	b = f.Src.AppendTo(b)
	b = append(b, '\t')
	b = strconv.AppendUint(b, uint64(f.SrcPort), 10)
	b = append(b, '\t')
	b = f.Dst.AppendTo(b)
	b = append(b, '\t')
	b = strconv.AppendUint(b, uint64(f.DstPort), 10)
	b = append(b, '\t')
	b = strconv.AppendUint(b, uint64(f.VLAN), 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, f.FirstNs, 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, f.LastNs, 10)
	for _, v := range [8]uint64{f.Pkts[0], f.Pkts[1], f.IPBytes[0], f.IPBytes[1],
		f.PayloadBytes[0], f.PayloadBytes[1], f.FrameBytes[0], f.FrameBytes[1]} {
		b = append(b, '\t')
		b = strconv.AppendUint(b, v, 10)
	}
	b = append(b, '\t')
	b = append(b, f.End.String()...)
	return append(b, '\n')
}

// ErrTruth reports a malformed truth file; it is wrapped with the line number.
var ErrTruth = errors.New("gencap: malformed truth file")

// ReadTruth parses a truth file. It allocates the returned slice; it is
// meant for tests and tools, not hot paths. EndDir and Rejected are not in
// the file and stay zero.
func ReadTruth(r io.Reader) ([]Flow, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []Flow
	line := 0
	for sc.Scan() {
		line++
		if line == 1 {
			if sc.Text()+"\n" != TruthHeader {
				return nil, fmt.Errorf("%w: line 1: unexpected header", ErrTruth)
			}
			continue
		}
		col := strings.Split(sc.Text(), "\t")
		if len(col) != truthColumns {
			return nil, fmt.Errorf("%w: line %d: %d columns, want %d", ErrTruth, line, len(col), truthColumns)
		}
		var f Flow
		var err error
		u := func(i int, bitSize int) uint64 {
			v, e := strconv.ParseUint(col[i], 10, bitSize)
			if e != nil && err == nil {
				err = e
			}
			return v
		}
		s := func(i int) int64 {
			v, e := strconv.ParseInt(col[i], 10, 64)
			if e != nil && err == nil {
				err = e
			}
			return v
		}
		a := func(i int) netip.Addr {
			v, e := netip.ParseAddr(col[i])
			if e != nil && err == nil {
				err = e
			}
			return v
		}
		f.Index = u(0, 64)
		f.IPVersion = uint8(u(1, 8))
		f.Proto = uint8(u(2, 8))
		f.Src, f.SrcPort = a(3), uint16(u(4, 16))
		f.Dst, f.DstPort = a(5), uint16(u(6, 16))
		f.VLAN = uint16(u(7, 16))
		f.FirstNs, f.LastNs = s(8), s(9)
		f.Pkts = [2]uint64{u(10, 64), u(11, 64)}
		f.IPBytes = [2]uint64{u(12, 64), u(13, 64)}
		f.PayloadBytes = [2]uint64{u(14, 64), u(15, 64)}
		f.FrameBytes = [2]uint64{u(16, 64), u(17, 64)}
		switch col[18] {
		case "fin":
			f.End = EndFin
		case "rst":
			f.End = EndRst
		case "open":
			f.End = EndOpen
		case "udp":
			f.End = EndUDP
		default:
			err = errors.New("unknown end " + strconv.Quote(col[18]))
		}
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrTruth, line, err)
		}
		out = append(out, f)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if line == 0 {
		return nil, fmt.Errorf("%w: empty", ErrTruth)
	}
	return out, nil
}
