package gencap

import (
	"bufio"
	"net/netip"
	"strconv"
	"time"
)

// logWriters holds the optional text outputs: truth TSV, Zeek conn.log and
// Suricata eve.json. Rows are appended into one reused buffer.
type logWriters struct {
	truth, conn, eve *bufio.Writer
	buf              []byte
}

func (l *logWriters) init(g *gen, opt Options) {
	l.buf = make([]byte, 0, 1024)
	if opt.Truth != nil {
		l.truth = bufio.NewWriterSize(opt.Truth, 256<<10)
		l.truth.WriteString(TruthHeader)
	}
	if opt.Conn != nil {
		l.conn = bufio.NewWriterSize(opt.Conn, 256<<10)
		l.buf = appendZeekHeader(l.buf[:0], g.start)
		l.conn.Write(l.buf)
	}
	if opt.Eve != nil {
		l.eve = bufio.NewWriterSize(opt.Eve, 256<<10)
	}
}

// flow writes one capture flow to every open output.
func (l *logWriters) flow(g *gen, f *Flow) {
	if l.truth != nil {
		l.buf = AppendTruthRow(l.buf[:0], f)
		l.truth.Write(l.buf)
	}
	if l.conn != nil {
		l.buf = g.appendZeekRow(l.buf[:0], f)
		l.conn.Write(l.buf)
		g.st.ConnRecords++
	}
	if l.eve != nil {
		l.buf = g.appendEveRow(l.buf[:0], f)
		l.eve.Write(l.buf)
		g.st.EveRecords++
	}
}

// extra tops conn.log and eve.json up with flows that are not in the
// capture, then writes the conn.log footer.
func (l *logWriters) extra(g *gen) error {
	var nConn, nEve int
	if l.conn != nil && g.opt.ConnRecords > int(g.st.ConnRecords) {
		nConn = g.opt.ConnRecords - int(g.st.ConnRecords)
	}
	if l.eve != nil && g.opt.EveRecords > int(g.st.EveRecords) {
		nEve = g.opt.EveRecords - int(g.st.EveRecords)
	}
	closeNs := max(g.st.LastNs, g.start)
	if n := max(nConn, nEve); n > 0 {
		// A scratch generator with its own seed makes the flows; its client
		// addresses are moved to 100.64.0.0/10 and fd64::/16.
		x := &gen{}
		x.rng.Seed(g.opt.Seed^0xa5a5a5a5a5a5a5a5, 0x7f4a7c159e3779b9)
		for v := range x.ephem {
			for h := range x.ephem[v] {
				x.ephem[v][h] = uint16(32768 + x.rng.Uint64()%28000)
			}
		}
		x.nextIdx = 1 // skip the forced long-lived flow 0
		span := g.st.LastNs - g.st.FirstNs
		t0 := g.st.FirstNs
		if g.st.Packets == 0 {
			t0, span = g.start, int64(time.Hour)
		}
		span = max(span, 1)
		var f flow
		for i := 0; i < n; i++ {
			t := t0 + int64(x.rng.Uint64()%uint64(span))
			x.newFlow(&f, t)
			if f.kind == kindTCPPersistent {
				f.kind = kindTCPShort
				f.roundsLeft = int32(1 + f.intn(50))
				f.end = EndFin
			}
			for done := false; !done; {
				var p pkt
				var gap int64
				p, gap, done = f.step()
				ipLen, frameLen := f.lengths(&p)
				f.account(&p, t, ipLen, frameLen)
				t += gap
			}
			if f.ipv == 4 {
				f.addr[0][0], f.addr[0][1] = 100, 64+f.addr[0][1]&0x3f
			} else {
				f.addr[0][1] = 0x64
			}
			closeNs = max(closeNs, f.last)
			f.idx = g.st.Flows + uint64(i)
			fl := f.public()
			if i < nConn {
				l.buf = g.appendZeekRow(l.buf[:0], &fl)
				l.conn.Write(l.buf)
				g.st.ConnRecords++
			}
			if i < nEve {
				l.buf = g.appendEveRow(l.buf[:0], &fl)
				l.eve.Write(l.buf)
				g.st.EveRecords++
			}
		}
	}
	if l.conn != nil {
		l.buf = append(l.buf[:0], "#close\t"...)
		l.buf = appendZeekTime(l.buf, closeNs)
		l.buf = append(l.buf, '\n')
		l.conn.Write(l.buf)
	}
	return nil
}

func (l *logWriters) flush() error {
	for _, w := range []*bufio.Writer{l.truth, l.conn, l.eve} {
		if w != nil {
			if err := w.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// ---- Zeek conn.log ----

// ZeekFields and ZeekTypes are the conn.log columns written.
const (
	ZeekFields = "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tcommunity_id"
	ZeekTypes  = "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\tstring"
)

func appendZeekTime(b []byte, ns int64) []byte {
	return time.Unix(0, ns).UTC().AppendFormat(b, "2006-01-02-15-04-05")
}

func appendZeekHeader(b []byte, start int64) []byte {
	b = append(b, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t"...)
	b = appendZeekTime(b, start)
	b = append(b, "\n#fields\t"+ZeekFields+"\n#types\t"+ZeekTypes+"\n"...)
	return b
}

// appendSecs appends ns as seconds with 6 decimals (Zeek's time/interval).
func appendSecs(b []byte, ns int64) []byte {
	b = strconv.AppendInt(b, ns/1e9, 10)
	us := (ns % 1e9) / 1e3
	b = append(b, '.')
	for d := int64(100000); d > 0; d /= 10 {
		b = append(b, byte('0'+us/d%10))
	}
	return b
}

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func (g *gen) appendUID(b []byte, idx uint64) []byte {
	b = append(b, 'C')
	x, y := mix64(g.opt.Seed^idx*0x9e3779b97f4a7c15), mix64(idx+0x632be59bd9b4e019^g.opt.Seed)
	for i := 0; i < 17; i++ {
		if i == 10 {
			x = y
		}
		b = append(b, base62[x%62])
		x /= 62
	}
	return b
}

func service(f *Flow) string {
	if f.Proto == 17 {
		switch f.DstPort {
		case 53:
			return "dns"
		case 443:
			return "quic"
		}
		return "-"
	}
	switch f.DstPort {
	case 443:
		return "ssl"
	case 80, 8080:
		return "http"
	case 22:
		return "ssh"
	case 25:
		return "smtp"
	case 993:
		return "imap"
	}
	return "-"
}

func connState(f *Flow) string {
	switch f.End {
	case EndFin:
		return "SF"
	case EndRst:
		if f.Rejected {
			return "REJ"
		}
		if f.EndDir == 0 {
			return "RSTO"
		}
		return "RSTR"
	case EndOpen:
		return "S1"
	}
	if f.Pkts[1] > 0 {
		return "SF"
	}
	return "S0"
}

func appendHistory(b []byte, f *Flow) []byte {
	if f.Proto == 17 {
		b = append(b, 'D')
		if f.Pkts[1] > 0 {
			b = append(b, 'd')
		}
		return b
	}
	if f.Rejected {
		return append(b, "Sr"...)
	}
	b = append(b, "ShA"...)
	if f.PayloadBytes[0] > 0 {
		b = append(b, 'D')
	}
	if f.PayloadBytes[1] > 0 {
		b = append(b, "ad"...)
	}
	switch f.End {
	case EndFin:
		if f.EndDir == 0 {
			b = append(b, "Ff"...)
		} else {
			b = append(b, "fF"...)
		}
	case EndRst:
		if f.EndDir == 0 {
			b = append(b, 'R')
		} else {
			b = append(b, 'r')
		}
	}
	return b
}

func (g *gen) appendCommunityID(b []byte, f *Flow) []byte {
	h := g.cid.Sum(f.Proto, f.Src, f.Dst, f.SrcPort, f.DstPort, true)
	return h.AppendBase64(b)
}

// appendZeekRow appends one conn.log line. Flows of a single packet have
// duration and byte counts unset, as Zeek writes them.
func (g *gen) appendZeekRow(b []byte, f *Flow) []byte {
	b = appendSecs(b, f.FirstNs)
	b = append(b, '\t')
	b = g.appendUID(b, f.Index)
	b = append(b, '\t')
	b = f.Src.AppendTo(b)
	b = append(b, '\t')
	b = strconv.AppendUint(b, uint64(f.SrcPort), 10)
	b = append(b, '\t')
	b = f.Dst.AppendTo(b)
	b = append(b, '\t')
	b = strconv.AppendUint(b, uint64(f.DstPort), 10)
	if f.Proto == 6 {
		b = append(b, "\ttcp\t"...)
	} else {
		b = append(b, "\tudp\t"...)
	}
	b = append(b, service(f)...)
	b = append(b, '\t')
	if f.Pkts[0]+f.Pkts[1] > 1 {
		b = appendSecs(b, f.LastNs-f.FirstNs)
		b = append(b, '\t')
		b = strconv.AppendUint(b, f.PayloadBytes[0], 10)
		b = append(b, '\t')
		b = strconv.AppendUint(b, f.PayloadBytes[1], 10)
	} else {
		b = append(b, "-\t-\t-"...)
	}
	b = append(b, '\t')
	b = append(b, connState(f)...)
	b = append(b, "\t-\t-\t0\t"...)
	b = appendHistory(b, f)
	for _, v := range [4]uint64{f.Pkts[0], f.IPBytes[0], f.Pkts[1], f.IPBytes[1]} {
		b = append(b, '\t')
		b = strconv.AppendUint(b, v, 10)
	}
	b = append(b, "\t-\t"...)
	b = g.appendCommunityID(b, f)
	return append(b, '\n')
}

// ---- Suricata eve.json ----

func appendEveTime(b []byte, ns int64) []byte {
	return time.Unix(0, ns).UTC().AppendFormat(b, "2006-01-02T15:04:05.000000-0700")
}

// appendEveAddr writes IPv6 the way Suricata does: eight zero-padded groups.
func appendEveAddr(b []byte, a netip.Addr) []byte {
	if a.Is4() {
		return a.AppendTo(b)
	}
	x := a.As16()
	const hexd = "0123456789abcdef"
	for i := 0; i < 16; i += 2 {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hexd[x[i]>>4], hexd[x[i]&15], hexd[x[i+1]>>4], hexd[x[i+1]&15])
	}
	return b
}

func (g *gen) flowID(idx uint64) uint64 {
	return mix64(idx^g.opt.Seed*0xd1b54a32d192ed03)&(1<<51-1) | 1<<50
}

// appendEveRow appends one eve.json flow event. Byte counts are frame bytes
// (Suricata counts the whole packet); the event time is the flow's end.
func (g *gen) appendEveRow(b []byte, f *Flow) []byte {
	b = append(b, `{"timestamp":"`...)
	b = appendEveTime(b, f.LastNs)
	b = append(b, `","flow_id":`...)
	b = strconv.AppendUint(b, g.flowID(f.Index), 10)
	b = append(b, `,"event_type":"flow","src_ip":"`...)
	b = appendEveAddr(b, f.Src)
	b = append(b, `","src_port":`...)
	b = strconv.AppendUint(b, uint64(f.SrcPort), 10)
	b = append(b, `,"dest_ip":"`...)
	b = appendEveAddr(b, f.Dst)
	b = append(b, `","dest_port":`...)
	b = strconv.AppendUint(b, uint64(f.DstPort), 10)
	if f.Proto == 6 {
		b = append(b, `,"proto":"TCP"`...)
	} else {
		b = append(b, `,"proto":"UDP"`...)
	}
	if f.VLAN != 0 {
		b = append(b, `,"vlan":[`...)
		b = strconv.AppendUint(b, uint64(f.VLAN), 10)
		b = append(b, ']')
	}
	b = append(b, `,"community_id":"`...)
	b = g.appendCommunityID(b, f)
	b = append(b, `","flow":{"pkts_toserver":`...)
	b = strconv.AppendUint(b, f.Pkts[0], 10)
	b = append(b, `,"pkts_toclient":`...)
	b = strconv.AppendUint(b, f.Pkts[1], 10)
	b = append(b, `,"bytes_toserver":`...)
	b = strconv.AppendUint(b, f.FrameBytes[0], 10)
	b = append(b, `,"bytes_toclient":`...)
	b = strconv.AppendUint(b, f.FrameBytes[1], 10)
	b = append(b, `,"start":"`...)
	b = appendEveTime(b, f.FirstNs)
	b = append(b, `","end":"`...)
	b = appendEveTime(b, f.LastNs)
	b = append(b, `","age":`...)
	b = strconv.AppendInt(b, f.LastNs/1e9-f.FirstNs/1e9, 10)
	state, reason := "closed", "timeout"
	switch {
	case f.End == EndOpen:
		state, reason = "established", "shutdown"
	case f.End == EndUDP && f.Pkts[1] > 0:
		state = "established"
	case f.End == EndUDP:
		state = "new"
	}
	b = append(b, `,"state":"`...)
	b = append(b, state...)
	b = append(b, `","reason":"`...)
	b = append(b, reason...)
	b = append(b, `","alerted":false}}`...)
	return append(b, '\n')
}
