// Package tsharkcheck compares what flowmeter's reader and decoder make of
// each packet with what Wireshark's tshark shows for the same packet: the
// timestamp in nanoseconds, frame lengths, IP addresses, IP protocol, IP total
// length, ports, TCP flags, ICMP type and code, fragment fields and, for
// tunnelled packets, the outer tuple.
//
// tshark's per-packet fields come from scripts/tshark-fields.sh (the one place
// that states the tshark command and its options); RunScript runs it and
// ParseTSV reads its output. View turns one tshark row into IP layers,
// Compare sets it against a decoded packet and classifies every disagreement
// by rule (see Classes), and Summary aggregates the rates that
// docs/TSHARK_AGREEMENT.md reports.
//
// This is test tooling: it allocates freely and is not meant for hot paths.
package tsharkcheck

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
)

// Column names of scripts/tshark-fields.sh, located by the header line.
const (
	colNumber   = "frame.number"
	colTime     = "frame.time_epoch"
	colLen      = "frame.len"
	colCapLen   = "frame.cap_len"
	colProtos   = "frame.protocols"
	colCBPen    = "frame.cb_pen"
	colIPSrc    = "ip.src"
	colIPDst    = "ip.dst"
	colIPProto  = "ip.proto"
	colIPLen    = "ip.len"
	colIPMF     = "ip.flags.mf"
	colIPFrag   = "ip.frag_offset"
	col6Src     = "ipv6.src"
	col6Dst     = "ipv6.dst"
	col6Nxt     = "ipv6.nxt"
	col6Plen    = "ipv6.plen"
	col6FragOff = "ipv6.fraghdr.offset"
	col6FragMF  = "ipv6.fraghdr.more"
	colTCPSrc   = "tcp.srcport"
	colTCPDst   = "tcp.dstport"
	colTCPFlags = "tcp.flags"
	colUDPSrc   = "udp.srcport"
	colUDPDst   = "udp.dstport"
	colSCTPSrc  = "sctp.srcport"
	colSCTPDst  = "sctp.dstport"
	colICMPT    = "icmp.type"
	colICMPC    = "icmp.code"
	colICMP6T   = "icmpv6.type"
	colICMP6C   = "icmpv6.code"
	colGREProto = "gre.proto"
)

// extNextField maps the frame.protocols name of an IPv6 extension header
// that tshark dissects (and our decoder skips) to its next-header field.
var extNextField = map[string]string{
	"ipv6.hopopts": "ipv6.hopopts.nxt",
	"ipv6.routing": "ipv6.routing.nxt",
	"ipv6.dstopts": "ipv6.dstopts.nxt",
	"ipv6.fraghdr": "ipv6.fraghdr.nxt",
	"ah":           "ah.next_header",
}

// requiredColumns must all be in the header of the script's output.
var requiredColumns = []string{
	colNumber, colTime, colLen, colCapLen, colProtos, colCBPen,
	colIPSrc, colIPDst, colIPProto, colIPLen, colIPMF, colIPFrag,
	col6Src, col6Dst, col6Nxt, col6Plen, col6FragOff, col6FragMF,
	"ipv6.hopopts.nxt", "ipv6.routing.nxt", "ipv6.dstopts.nxt", "ipv6.fraghdr.nxt", "ah.next_header",
	colTCPSrc, colTCPDst, colTCPFlags, colUDPSrc, colUDPDst, colSCTPSrc, colSCTPDst,
	colICMPT, colICMPC, colICMP6T, colICMP6C, colGREProto,
}

// Frame is one tshark row: the frame number and time, and every occurrence
// of every column (outermost layer first).
type Frame struct {
	Number  int
	TimeNS  int64 // frame.time_epoch as nanoseconds since the epoch
	TimeOK  bool  // frame.time_epoch parsed
	TimeRaw string
	// CustomBlock marks the pseudo-frame tshark makes of a pcapng Custom
	// Block (frame.cb_pen set): not a packet, our reader skips it.
	CustomBlock bool
	Len         int // frame.len, -1 if absent
	CapLen      int // frame.cap_len, -1 if absent
	Protocols   []string
	fields      map[string][]string
}

// Occ returns the occurrences of column name ("ip.src", ...).
func (f *Frame) Occ(name string) []string { return f.fields[name] }

// ErrFormat reports tshark output that is not what scripts/tshark-fields.sh prints.
var ErrFormat = errors.New("tsharkcheck: unexpected tshark output")

// ParseTSV reads the output of scripts/tshark-fields.sh: a header line
// naming the columns, then one line per frame.
func ParseTSV(r io.Reader) ([]Frame, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 16<<20)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, err
		}
		return nil, nil // tshark printed nothing (could not open the file)
	}
	header := strings.Split(sc.Text(), "\t")
	idx := map[string]int{}
	for i, h := range header {
		idx[h] = i
	}
	for _, c := range requiredColumns {
		if _, ok := idx[c]; !ok {
			return nil, fmt.Errorf("%w: header lacks column %s", ErrFormat, c)
		}
	}
	var out []Frame
	line := 1
	for sc.Scan() {
		line++
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != len(header) {
			return out, fmt.Errorf("%w: line %d has %d columns, header %d", ErrFormat, line, len(cols), len(header))
		}
		f := Frame{Len: -1, CapLen: -1, fields: make(map[string][]string, len(header))}
		for i, h := range header {
			if cols[i] != "" {
				f.fields[h] = strings.Split(cols[i], ",")
			}
		}
		var err error
		if f.Number, err = strconv.Atoi(cols[idx[colNumber]]); err != nil {
			return out, fmt.Errorf("%w: line %d: frame.number %q", ErrFormat, line, cols[idx[colNumber]])
		}
		f.TimeRaw = cols[idx[colTime]]
		f.TimeNS, f.TimeOK = ParseEpochNS(f.TimeRaw)
		f.CustomBlock = cols[idx[colCBPen]] != ""
		if v, err := strconv.Atoi(cols[idx[colLen]]); err == nil {
			f.Len = v
		}
		if v, err := strconv.Atoi(cols[idx[colCapLen]]); err == nil {
			f.CapLen = v
		}
		if p := cols[idx[colProtos]]; p != "" {
			f.Protocols = strings.Split(p, ":")
		}
		out = append(out, f)
	}
	return out, sc.Err()
}

// ParseEpochNS parses frame.time_epoch ("1467818432.675392000", up to 9
// decimals, optionally negative) as exact nanoseconds, without floating point.
//
// tshark prints the fraction as a %09d count of nanoseconds, so a record whose
// sub-second field is 1e9 ns or more (classic pcap usec >= 1e6) prints ten or
// more digits ("1418145370.1000000000"): such a fraction is read as a count
// of nanoseconds added to the seconds, which is the instant tshark means and
// the one our reader normalises to.
func ParseEpochNS(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	sec, frac, _ := strings.Cut(s, ".")
	if sec == "" || len(frac) > 18 || (len(frac) > 9 && frac[0] == '0') {
		return 0, false
	}
	secs, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0, false
	}
	var ns int64
	if frac != "" {
		v, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || frac[0] == '-' || frac[0] == '+' {
			return 0, false
		}
		for i := len(frac); i < 9; i++ { // a short fraction is decimal digits
			v *= 10
		}
		ns = v
	}
	t := secs*1_000_000_000 + ns
	if neg {
		t = -t
	}
	return t, true
}

// RunResult is the outcome of running scripts/tshark-fields.sh on a capture.
type RunResult struct {
	Frames   []Frame
	ExitCode int    // tshark's exit status (2: file cut short or corrupt after the frames printed)
	Stderr   string // tshark's messages, without the running-as-root warning
}

// RunScript runs the script (scripts/tshark-fields.sh) on capture and parses
// its output. A non-zero exit status of tshark is not an error: tshark
// prints the frames it could read before a problem, and ExitCode says so.
func RunScript(ctx context.Context, script, capture string) (RunResult, error) {
	cmd := exec.CommandContext(ctx, "sh", script, capture)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := RunResult{Stderr: cleanStderr(stderr.String())}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return res, err
		}
		res.ExitCode = ee.ExitCode()
	}
	frames, perr := ParseTSV(&stdout)
	res.Frames = frames
	if perr != nil {
		return res, fmt.Errorf("%s: %w", capture, perr)
	}
	return res, nil
}

func cleanStderr(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if l == "" || strings.HasPrefix(l, "Running as user \"root\"") {
			continue
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}
