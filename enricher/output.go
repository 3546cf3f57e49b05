package enricher

import (
	"io"
	"math"
	"net/netip"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/formats"
	"github.com/flowmeter/flowmeter/formats/zeek"
)

// Sink receives enriched records. Write is called once per log record (res
// says whether and how it matched); WriteFlow once per flow that no record
// matched, when those are emitted. Both borrow their arguments for the
// call only. Close flushes; it does not close the underlying io.Writer.
type Sink interface {
	Write(rec *Record, res *Result) error
	WriteFlow(f *features.Flow) error
	Close() error
}

// Meta column names, written first in the flowmeter object / as
// flowmeter_* columns.
const (
	MetaMatch    = "match"         // Reason (or "flow_only" for a flow without a record)
	MetaFlows    = "matched_flows" // number of flows merged
	MetaIDSource = "id_source"     // logged, computed, zeek_sctp
	MetaSwapped  = "swapped"       // directions swapped to the record's orientation
)

// MatchFlowOnly is the match value of a flow written without a record.
const MatchFlowOnly = "flow_only"

// FeatureSchema returns a copy of base whose conn_state column reads
// *connState instead of recomputing it from the flow, so that a swapped
// aggregate reports the mirrored state (see Result.ConnState). The writer
// sets *connState before each row.
func FeatureSchema(base *features.Schema, connState *string) *features.Schema {
	s := &features.Schema{Name: base.Name, Columns: make([]features.Column, len(base.Columns))}
	copy(s.Columns, base.Columns)
	for i := range s.Columns {
		if s.Columns[i].Name == "conn_state" && s.Columns[i].Kind == features.KindString {
			s.Columns[i].String = func(d []byte, _ *features.Flow) []byte { return append(d, *connState...) }
		}
	}
	return s
}

// ---- JSON lines ----

// JSONLOptions configure JSONLWriter.
type JSONLOptions struct {
	// ECS adds Elastic Common Schema copies of the identity fields:
	// source.ip/port, destination.ip/port, network.transport,
	// network.iana_number, network.community_id and event.kind/category/
	// start/end/duration. The original fields are kept.
	ECS bool
	// Header is the Zeek TSV header used to convert TSV records to JSON;
	// it is taken from each record, this is only a fallback.
	Seed uint16
}

// JSONLWriter writes one JSON object per line: the original record (Zeek
// TSV records converted as Zeek's JSON writer does) plus a "flowmeter"
// object with the match outcome and the features. Lines are appended into
// one reused buffer; it allocates nothing per record in steady state.
type JSONLWriter struct {
	w      io.Writer
	opt    JSONLOptions
	schema *features.Schema
	cs     string
	buf    []byte
	err    error
}

// NewJSONLWriter returns a writer of the columns of schema.
func NewJSONLWriter(w io.Writer, schema *features.Schema, opt JSONLOptions) *JSONLWriter {
	j := &JSONLWriter{w: w, opt: opt}
	j.schema = FeatureSchema(schema, &j.cs)
	return j
}

func (j *JSONLWriter) flush(force bool) error {
	if j.err != nil {
		return j.err
	}
	if len(j.buf) >= 256<<10 || (force && len(j.buf) > 0) {
		_, j.err = j.w.Write(j.buf)
		j.buf = j.buf[:0]
	}
	return j.err
}

// Write appends one enriched record.
func (j *JSONLWriter) Write(rec *Record, res *Result) error {
	b := j.buf
	var body []byte
	switch rec.Kind {
	case LogZeekTSV:
		b = append(b, '{')
		b = AppendZeekJSON(b, rec.Zeek)
		if len(b) > 1 {
			b = append(b, ',')
		}
	default:
		body = trimObject(rec.JSON)
		b = append(b, '{')
		b = append(b, body...)
		if len(body) > 0 {
			b = append(b, ',')
		}
	}
	b = append(b, `"flowmeter":{`...)
	b = j.appendMeta(b, res.Reason.String(), res)
	if res.Reason == Matched {
		j.cs = res.ConnState
		b = append(b, ',')
		b = formats.AppendJSONFields(b, j.schema, &res.Flow)
	}
	b = append(b, '}')
	if j.opt.ECS {
		var f *features.Flow
		if res.Reason == Matched {
			f = &res.Flow
		}
		b = appendECS(b, &rec.Query, f, res)
	}
	b = append(b, '}', '\n')
	j.buf = b
	return j.flush(false)
}

// WriteFlow appends a flow that no record matched, as an object with only
// the flowmeter member (and ECS fields when enabled).
func (j *JSONLWriter) WriteFlow(f *features.Flow) error {
	b := append(j.buf, `{"flowmeter":{`...)
	b = j.appendMeta(b, MatchFlowOnly, nil)
	j.cs = f.ConnState()
	b = append(b, ',')
	b = formats.AppendJSONFields(b, j.schema, f)
	b = append(b, '}')
	if j.opt.ECS {
		q := Query{Proto: f.Proto, Orig: f.Src, Resp: f.Dst, OrigPort: f.SrcPort, RespPort: f.DstPort,
			Start: f.Start, End: f.End, HasTime: true}
		res := Result{Reason: Matched, ID: f.CommunityID, Source: IDComputed}
		b = appendECS(b, &q, f, &res)
	}
	b = append(b, '}', '\n')
	j.buf = b
	return j.flush(false)
}

func (j *JSONLWriter) appendMeta(b []byte, match string, res *Result) []byte {
	b = append(b, `"`+MetaMatch+`":"`...)
	b = append(b, match...)
	b = append(b, `","`+MetaFlows+`":`...)
	n, src, sw := 0, "none", false
	if res != nil {
		n, src, sw = res.N, res.Source.String(), res.Swapped
	}
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `,"`+MetaIDSource+`":"`...)
	b = append(b, src...)
	b = append(b, `","`+MetaSwapped+`":`...)
	b = strconv.AppendBool(b, sw)
	return b
}

// Close flushes the buffered lines.
func (j *JSONLWriter) Close() error { return j.flush(true) }

// Flush writes the buffered lines to the underlying writer (the streaming
// join calls it whenever it waits for input).
func (j *JSONLWriter) Flush() error { return j.flush(true) }

// trimObject returns the members of a JSON object without its braces and
// surrounding white space ("" for {}).
func trimObject(raw []byte) []byte {
	i, k := 0, len(raw)
	for i < k && raw[i] != '{' {
		i++
	}
	for k > i && raw[k-1] != '}' {
		k--
	}
	if k-i < 2 {
		return nil
	}
	b := raw[i+1 : k-1]
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// protoName is the ECS network.transport value.
func protoName(p uint8) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 1:
		return "icmp"
	case 58:
		return "ipv6-icmp"
	case 132:
		return "sctp"
	}
	return ""
}

// appendECS appends the ECS objects (with a leading comma).
func appendECS(b []byte, q *Query, f *features.Flow, res *Result) []byte {
	src, dst, sp, dp := q.Orig, q.Resp, q.OrigPort, q.RespPort
	if !src.IsValid() && f != nil {
		src, dst, sp, dp = f.Src, f.Dst, f.SrcPort, f.DstPort
	}
	appendEnd := func(b []byte, a netip.Addr, p uint16) []byte {
		b = append(b, '{')
		if a.IsValid() {
			b = append(b, `"ip":"`...)
			b = a.AppendTo(b)
			b = append(b, `","port":`...)
			b = strconv.AppendUint(b, uint64(p), 10)
		}
		return append(b, '}')
	}
	b = append(b, `,"source":`...)
	b = appendEnd(b, src, sp)
	b = append(b, `,"destination":`...)
	b = appendEnd(b, dst, dp)
	b = append(b, `,"network":{`...)
	proto := q.Proto
	if proto == 0 && f != nil {
		proto = f.Proto
	}
	first := true
	if n := protoName(proto); n != "" {
		b = append(b, `"transport":"`...)
		b = append(b, n...)
		b = append(b, '"', ',')
	}
	if proto != 0 {
		b = append(b, `"iana_number":"`...)
		b = strconv.AppendUint(b, uint64(proto), 10)
		b = append(b, '"')
		first = false
	}
	if res != nil && res.Source != IDNone {
		if !first {
			b = append(b, ',')
		}
		b = append(b, `"community_id":"`...)
		b = res.ID.AppendBase64(b)
		b = append(b, '"')
	}
	b = append(b, `},"event":{"kind":"event","category":["network"]`...)
	start, end, ok := q.Start, q.End, q.HasTime
	if !ok && f != nil {
		start, end, ok = f.Start, f.End, true
	}
	if ok {
		b = append(b, `,"start":"`...)
		b = formats.AppendTime(b, start)
		b = append(b, `","end":"`...)
		b = formats.AppendTime(b, max(end, start))
		b = append(b, `","duration":`...)
		b = strconv.AppendInt(b, max(end-start, 0), 10)
	}
	return append(b, '}')
}

// AppendZeekJSON appends the members of a Zeek TSV record as Zeek's JSON
// writer does (without braces): unset fields are left out; numbers,
// booleans and times as JSON numbers/booleans; sets and vectors as arrays;
// everything else as strings with Zeek's \xNN escapes decoded. A value that
// does not parse as its column type (a masked timestamp) is written as a
// string, so nothing is lost.
func AppendZeekJSON(b []byte, rec *zeek.Record) []byte {
	h := rec.Header
	n := 0
	for i, v := range rec.Values {
		if string(v) == string(h.UnsetField) {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = formats.AppendJSONString(b, h.Fields[i])
		b = append(b, ':')
		t := h.Parsed[i]
		if t.IsContainer() {
			b = append(b, '[')
			if string(v) != string(h.EmptyField) {
				rest := v
				for k := 0; ; k++ {
					e := rest
					idx := indexOf(rest, h.SetSeparator)
					if idx >= 0 {
						e = rest[:idx]
					}
					if k > 0 {
						b = append(b, ',')
					}
					b = appendZeekScalar(b, t.Elem, e)
					if idx < 0 {
						break
					}
					rest = rest[idx+len(h.SetSeparator):]
				}
			}
			b = append(b, ']')
			continue
		}
		if string(v) == string(h.EmptyField) && (t.Kind == zeek.KindString || t.Kind == zeek.KindUnknown) {
			b = append(b, `""`...)
			continue
		}
		b = appendZeekScalar(b, t.Kind, v)
	}
	return b
}

func indexOf(b, sep []byte) int {
	if len(sep) == 0 {
		return -1
	}
	for i := 0; i+len(sep) <= len(b); i++ {
		if b[i] == sep[0] && string(b[i:i+len(sep)]) == string(sep) {
			return i
		}
	}
	return -1
}

func appendZeekScalar(b []byte, k zeek.Kind, v []byte) []byte {
	switch k {
	case zeek.KindCount, zeek.KindInt, zeek.KindPort:
		if _, ok := zeek.ParseInt(v); ok {
			return append(b, v...)
		}
		if _, ok := zeek.ParseCount(v); ok {
			return append(b, v...)
		}
	case zeek.KindDouble, zeek.KindTime, zeek.KindInterval:
		if f, ok := zeek.ParseDouble(v); ok && !math.IsInf(f, 0) && !math.IsNaN(f) && gjson.Valid(unsafeString(v)) {
			return append(b, v...)
		}
	case zeek.KindBool:
		if x, ok := zeek.ParseBool(v); ok {
			return strconv.AppendBool(b, x)
		}
	}
	if zeek.HasEscape(v) {
		v = zeek.AppendUnescaped(nil, v) // rare: allocates
	}
	return formats.AppendJSONString(b, unsafeString(v))
}
