package enricher

import (
	"errors"
	"io"
	"math"
	"strconv"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/formats/zeek"
)

// ErrZeekNeedsTSV: Zeek TSV output copies the input's columns, so it needs
// a Zeek TSV input.
var ErrZeekNeedsTSV = errors.New("enricher: Zeek TSV output needs a Zeek TSV log as input")

// ColumnPrefix starts the names of the appended Zeek TSV and Parquet columns.
const ColumnPrefix = "flowmeter_"

// ZeekType is the Zeek #types entry of a feature column kind.
func ZeekType(k features.Kind) string {
	switch k {
	case features.KindInt:
		return "int"
	case features.KindFloat:
		return "double"
	case features.KindTime:
		return "time"
	case features.KindAddr:
		return "addr"
	}
	return "string"
}

// ZeekColumns returns the appended columns: the four match columns, then
// one flowmeter_<name> column per feature of schema.
func ZeekColumns(schema *features.Schema) []zeek.Column {
	cols := []zeek.Column{
		{Name: ColumnPrefix + MetaMatch, Type: "string"},
		{Name: ColumnPrefix + MetaFlows, Type: "count"},
		{Name: ColumnPrefix + MetaIDSource, Type: "string"},
		{Name: ColumnPrefix + MetaSwapped, Type: "bool"},
	}
	for _, c := range schema.Columns {
		cols = append(cols, zeek.Column{Name: ColumnPrefix + c.Name, Type: ZeekType(c.Kind)})
	}
	return cols
}

// ZeekWriter writes Zeek TSV: every input column unchanged, then the
// flowmeter_* columns, under a #fields/#types header extended accordingly
// (zeek-cut and Zeek's readers accept it). Unmatched records have the
// feature columns unset ("-"). It allocates nothing per record in steady
// state.
type ZeekWriter struct {
	zw     *zeek.Writer
	schema *features.Schema
	cs     string
	hdr    *zeek.Header // last input header, for flows written on their own
	arena  []byte
	spans  [][2]int32
	vals   [][]byte
	frec   zeek.Record
}

// NewZeekWriter returns a writer to w. hdr is the input's header when known
// (it is written even if no record follows); nil is fine.
func NewZeekWriter(w io.Writer, schema *features.Schema, hdr *zeek.Header) *ZeekWriter {
	z := &ZeekWriter{hdr: hdr}
	z.schema = FeatureSchema(schema, &z.cs)
	z.zw = zeek.NewWriter(w, hdr, ZeekColumns(schema))
	n := 4 + len(schema.Columns)
	z.vals = make([][]byte, n)
	z.spans = make([][2]int32, n)
	return z
}

// Write writes rec with the match outcome and features appended.
func (z *ZeekWriter) Write(rec *Record, res *Result) error {
	if rec.Kind != LogZeekTSV {
		return ErrZeekNeedsTSV
	}
	z.hdr = rec.Zeek.Header
	var f *features.Flow
	if res.Reason == Matched {
		f = &res.Flow
		z.cs = res.ConnState
	}
	z.fill(res.Reason.String(), res, f)
	return z.zw.Write(rec.Zeek, z.vals)
}

// WriteFlow writes a flow without a record as a row whose conn.log columns
// are filled from the flow where they have an equivalent (ts, id.*, proto,
// duration, packet and byte counts, conn_state, history, community_id) and
// unset otherwise.
func (z *ZeekWriter) WriteFlow(f *features.Flow) error {
	if z.hdr == nil {
		z.hdr = defaultConnHeader()
	}
	h := z.hdr
	z.cs = f.ConnState()
	z.fill(MatchFlowOnly, nil, f)
	// Build the record's values in the arena after the extra values, then
	// point them there (the arena does not grow while slicing).
	type span struct{ off, n int }
	sp := make([]span, len(h.Fields)) // small; flows on their own are the rare path
	for i, name := range h.Fields {
		off := len(z.arena)
		z.arena = appendConnField(z.arena, name, f, z.cs, h)
		sp[i] = span{off, len(z.arena) - off}
	}
	z.frec.Header = h
	z.frec.Values = z.frec.Values[:0]
	for _, s := range sp {
		z.frec.Values = append(z.frec.Values, z.arena[s.off:s.off+s.n:s.off+s.n])
	}
	// Re-point the extra values: the arena may have moved.
	z.point()
	return z.zw.Write(&z.frec, z.vals)
}

// appendConnField appends the escaped conn.log value of column name for a
// flow written on its own.
func appendConnField(b []byte, name string, f *features.Flow, cs string, h *zeek.Header) []byte {
	switch name {
	case "ts":
		return zeek.AppendNanos(b, f.Start)
	case "id.orig_h":
		return f.Src.AppendTo(b)
	case "id.resp_h":
		return f.Dst.AppendTo(b)
	case "id.orig_p":
		return strconv.AppendUint(b, uint64(f.SrcPort), 10)
	case "id.resp_p":
		return strconv.AppendUint(b, uint64(f.DstPort), 10)
	case "proto":
		if n := protoName(f.Proto); n != "" {
			if n == "ipv6-icmp" {
				n = "icmp"
			}
			return append(b, n...)
		}
		return append(b, "unknown_transport"...)
	case "ip_proto":
		return strconv.AppendUint(b, uint64(f.Proto), 10)
	case "duration":
		return zeek.AppendNanos(b, f.Duration())
	case "orig_pkts":
		return strconv.AppendInt(b, f.Fwd.IPBytes.N, 10)
	case "resp_pkts":
		return strconv.AppendInt(b, f.Bwd.IPBytes.N, 10)
	case "orig_ip_bytes":
		return strconv.AppendInt(b, f.Fwd.IPBytes.Sum, 10)
	case "resp_ip_bytes":
		return strconv.AppendInt(b, f.Bwd.IPBytes.Sum, 10)
	case "orig_bytes":
		return strconv.AppendInt(b, f.Fwd.Payload.Sum, 10)
	case "resp_bytes":
		return strconv.AppendInt(b, f.Bwd.Payload.Sum, 10)
	case "conn_state":
		return append(b, cs...)
	case "history":
		if f.HistoryLen > 0 {
			return zeek.AppendValue(b, f.History[:f.HistoryLen], h, false)
		}
	case "community_id":
		return f.CommunityID.AppendBase64(b)
	}
	return append(b, h.UnsetField...)
}

func defaultConnHeader() *zeek.Header {
	return zeek.NewHeader("conn",
		[]string{"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "duration",
			"orig_bytes", "resp_bytes", "conn_state", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "community_id"},
		[]string{"time", "string", "addr", "port", "addr", "port", "enum", "interval",
			"count", "count", "string", "string", "count", "count", "count", "count", "string"})
}

// fill renders the extra values (plain text, unescaped) into the arena.
func (z *ZeekWriter) fill(match string, res *Result, f *features.Flow) {
	z.arena = z.arena[:0]
	k := 0
	mark := func() int { return len(z.arena) }
	set := func(off int) {
		z.spans[k] = [2]int32{int32(off), int32(len(z.arena) - off)}
		k++
	}
	unset := func() {
		z.spans[k] = [2]int32{0, -1}
		k++
	}
	o := mark()
	z.arena = append(z.arena, match...)
	set(o)
	o = mark()
	n, src, sw := 0, "none", false
	if res != nil {
		n, src, sw = res.N, res.Source.String(), res.Swapped
	}
	z.arena = strconv.AppendInt(z.arena, int64(n), 10)
	set(o)
	o = mark()
	z.arena = append(z.arena, src...)
	set(o)
	o = mark()
	if sw {
		z.arena = append(z.arena, 'T')
	} else {
		z.arena = append(z.arena, 'F')
	}
	set(o)
	cols := z.schema.Columns
	for i := range cols {
		if f == nil {
			unset()
			continue
		}
		c := &cols[i]
		o = mark()
		switch c.Kind {
		case features.KindInt:
			z.arena = strconv.AppendInt(z.arena, c.Int(f), 10)
		case features.KindTime:
			z.arena = appendZeekTimeNs(z.arena, c.Int(f))
		case features.KindFloat:
			v := c.Float(f)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				unset()
				continue
			}
			z.arena = strconv.AppendFloat(z.arena, v, 'f', -1, 64)
		case features.KindAddr:
			a := c.Addr(f)
			if !a.IsValid() {
				unset()
				continue
			}
			z.arena = a.AppendTo(z.arena)
		case features.KindString:
			z.arena = c.String(z.arena, f)
		}
		set(o)
	}
	z.point()
}

// point slices the arena into vals.
func (z *ZeekWriter) point() {
	for i, s := range z.spans {
		if s[1] < 0 {
			z.vals[i] = nil
			continue
		}
		z.vals[i] = z.arena[s[0] : s[0]+s[1] : s[0]+s[1]]
	}
}

// appendZeekTimeNs writes ns since the epoch as seconds with nine decimals
// (Zeek's time type is a double; its readers take any decimal text).
func appendZeekTimeNs(b []byte, ns int64) []byte {
	if ns < 0 {
		b = append(b, '-')
		ns = -ns
	}
	b = strconv.AppendInt(b, ns/1e9, 10)
	frac := ns % 1e9
	var d [10]byte
	d[0] = '.'
	for i := 9; i >= 1; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, d[:]...)
}

// Close ends the log (#close) and flushes.
func (z *ZeekWriter) Close() error { return z.zw.Close() }

// Flush writes the buffered lines to the underlying writer (the streaming
// join calls it whenever it waits for input).
func (z *ZeekWriter) Flush() error { return z.zw.Flush() }
