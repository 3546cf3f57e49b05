package enricher

import (
	"fmt"
	"io"
	"math"
	"reflect"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/formats"
	"github.com/flowmeter/flowmeter/formats/eve"
	"github.com/flowmeter/flowmeter/formats/zeek"
)

// ParquetOptions tune ParquetWriter. The zero value is the default.
type ParquetOptions struct {
	MaxRowsPerRowGroup int64 // 0: 128 Ki rows
	// Eve, for an eve.json source, replaces the fixed common fields by the
	// typed columns of an inferred schema (InferEveSchema over the same
	// file). Values that do not fit their column's type (the file changed
	// between the passes) are null; keys without a column are only in
	// raw_json. Ignored for other sources.
	Eve *EveSchema
}

// logCol is one log column of the Parquet output.
type logCol struct {
	name string
	kind zeek.Kind // scalar kind (KindSet/KindVector: elem)
	rep  bool      // set/vector: repeated leaf
	elem zeek.Kind
	src  int // index in the Zeek TSV header (-1: from the JSON line)
}

// RawJSONColumn holds the original line of a JSON log (eve, Zeek JSON) in
// Parquet output, so that fields without a typed column are not lost.
const RawJSONColumn = "raw_json"

// eveColumns are the typed columns of eve.json output: Suricata's
// documented common fields, typed as Suricata writes them.
var eveColumns = []logCol{
	{name: "timestamp", kind: zeek.KindTime}, {name: "flow_id", kind: zeek.KindCount},
	{name: "event_type", kind: zeek.KindString}, {name: "src_ip", kind: zeek.KindAddr},
	{name: "src_port", kind: zeek.KindPort}, {name: "dest_ip", kind: zeek.KindAddr},
	{name: "dest_port", kind: zeek.KindPort}, {name: "proto", kind: zeek.KindString},
	{name: "community_id", kind: zeek.KindString}, {name: "app_proto", kind: zeek.KindString},
}

// ParquetWriter writes enriched records as Parquet: typed log columns
// (from the Zeek header's #types; for eve.json with ParquetOptions.Eve the
// inferred columns plus raw_json; for other eve.json and Zeek JSON a fixed
// set of common fields plus raw_json with the whole line), the four
// flowmeter_* match columns, then one optional flowmeter_<feature> column
// per feature (null when unmatched). The log's column set is fixed by the
// first header: a later TSV header block with other fields is mapped by
// name (missing columns null). Close writes the footer.
type ParquetWriter struct {
	w      *parquet.Writer
	schema *features.Schema
	cs     string
	kind   LogKind
	cols   []logCol
	hdr    *zeek.Header
	hmap   []int // output log column -> index in the current header
	row    parquet.Row
	rows   [1]parquet.Row
	arena  []byte
	elems  [][]byte
	nLog   int
	out    io.Writer
	opt    ParquetOptions
	base   *features.Schema
	eve    *eveRow // typed eve columns (ParquetOptions.Eve)
}

// NewParquetWriter returns a writer for records of src. For a Zeek TSV log
// the columns are taken from the header of the first record written (the
// file is started lazily); for JSON logs it starts at once.
func NewParquetWriter(w io.Writer, schema *features.Schema, src Source, opt ParquetOptions) (*ParquetWriter, error) {
	p := &ParquetWriter{kind: src.Kind(), out: w, opt: opt, base: schema}
	p.schema = FeatureSchema(schema, &p.cs)
	if p.kind == LogZeekTSV {
		return p, nil
	}
	return p, p.start(nil)
}

// start builds the Parquet schema and writer.
func (p *ParquetWriter) start(h *zeek.Header) error {
	schema, w, opt := p.base, p.out, p.opt
	switch p.kind {
	case LogZeekTSV:
		if h == nil {
			h = defaultConnHeader()
		}
		p.hdr = h
		for i, f := range h.Fields {
			t := h.Parsed[i]
			c := logCol{name: f, kind: t.Kind, src: i}
			if t.IsContainer() {
				c.rep, c.elem = true, t.Elem
			}
			p.cols = append(p.cols, c)
		}
	case LogEve:
		if opt.Eve == nil {
			p.cols = append(p.cols, eveColumns...)
		} else {
			p.eve = newEveRow(opt.Eve)
			for _, c := range opt.Eve.Columns {
				p.cols = append(p.cols, logCol{name: c.Name, kind: eveZeekKind[c.Type], src: -1})
			}
		}
		p.cols = append(p.cols, logCol{name: RawJSONColumn, kind: zeek.KindString})
	default:
		p.cols = append(p.cols, eveColumns...)
		if p.kind == LogZeekJSON {
			p.cols = []logCol{{name: "ts", kind: zeek.KindTime}, {name: "uid", kind: zeek.KindString},
				{name: "id.orig_h", kind: zeek.KindAddr}, {name: "id.orig_p", kind: zeek.KindPort},
				{name: "id.resp_h", kind: zeek.KindAddr}, {name: "id.resp_p", kind: zeek.KindPort},
				{name: "proto", kind: zeek.KindString}, {name: "community_id", kind: zeek.KindString}}
		}
		p.cols = append(p.cols, logCol{name: RawJSONColumn, kind: zeek.KindString})
	}
	p.nLog = len(p.cols)
	var g pqGroup
	for _, c := range p.cols {
		g = append(g, pqField{Node: logNode(c), name: c.name})
	}
	g = append(g,
		pqField{Node: parquet.String(), name: ColumnPrefix + MetaMatch},
		pqField{Node: parquet.Int(64), name: ColumnPrefix + MetaFlows},
		pqField{Node: parquet.String(), name: ColumnPrefix + MetaIDSource},
		pqField{Node: parquet.Leaf(parquet.BooleanType), name: ColumnPrefix + MetaSwapped})
	for _, c := range schema.Columns {
		g = append(g, pqField{Node: parquet.Optional(formats.ParquetType(c.Kind)), name: ColumnPrefix + c.Name})
	}
	seen := map[string]bool{}
	for _, f := range g {
		if seen[f.name] {
			return fmt.Errorf("enricher: parquet: duplicate column %q", f.name)
		}
		seen[f.name] = true
	}
	rg := opt.MaxRowsPerRowGroup
	if rg <= 0 {
		rg = 128 << 10
	}
	cfg, err := parquet.NewWriterConfig(parquet.NewSchema("enriched", g), parquet.Compression(&parquet.Zstd),
		parquet.MaxRowsPerRowGroup(rg), parquet.CreatedBy("flowmeter", "", ""))
	if err != nil {
		return fmt.Errorf("enricher: parquet writer config: %w", err)
	}
	p.w = parquet.NewWriter(w, cfg)
	return nil
}

// logNode is the Parquet type of a log column; every log column is
// optional (Zeek's unset "-", a missing JSON member, a value that does not
// parse as its type, such as a masked timestamp).
func logNode(c logCol) parquet.Node {
	k := c.kind
	if c.rep {
		k = c.elem
	}
	var n parquet.Node
	switch k {
	case zeek.KindTime:
		n = parquet.Timestamp(parquet.Nanosecond)
	case zeek.KindInterval:
		n = parquet.Leaf(parquet.DoubleType) // seconds, as Zeek writes it
	case zeek.KindCount:
		n = parquet.Uint(64)
	case zeek.KindInt:
		n = parquet.Int(64)
	case zeek.KindPort:
		n = parquet.Uint(16)
	case zeek.KindDouble:
		n = parquet.Leaf(parquet.DoubleType)
	case zeek.KindBool:
		n = parquet.Leaf(parquet.BooleanType)
	default:
		n = parquet.String()
	}
	if c.rep {
		return parquet.Repeated(n)
	}
	return parquet.Optional(n)
}

// scalarValue converts one Zeek text value; ok false for a value that does
// not parse (written as null). Strings are borrowed from b or the arena.
func (p *ParquetWriter) scalarValue(k zeek.Kind, v []byte) (parquet.Value, bool) {
	switch k {
	case zeek.KindTime:
		ns, ok := zeek.ParseNanos(v)
		return parquet.Int64Value(ns), ok
	case zeek.KindInterval, zeek.KindDouble:
		f, ok := zeek.ParseDouble(v)
		return parquet.DoubleValue(f), ok
	case zeek.KindCount:
		n, ok := zeek.ParseCount(v)
		return parquet.Int64Value(int64(n)), ok
	case zeek.KindInt:
		n, ok := zeek.ParseInt(v)
		return parquet.Int64Value(n), ok
	case zeek.KindPort:
		n, ok := zeek.ParsePort(v)
		return parquet.Int32Value(int32(n)), ok
	case zeek.KindBool:
		b, ok := zeek.ParseBool(v)
		return parquet.BooleanValue(b), ok
	}
	if zeek.HasEscape(v) {
		off := len(p.arena)
		p.arena = zeek.AppendUnescaped(p.arena, v)
		v = p.arena[off:len(p.arena):len(p.arena)]
	}
	return parquet.ByteArrayValue(v), true
}

func (p *ParquetWriter) add(v parquet.Value, ok bool, rep, def, col int) {
	if !ok {
		p.row = append(p.row, parquet.NullValue().Level(rep, def-1, col))
		return
	}
	p.row = append(p.row, v.Level(rep, def, col))
}

// Write appends one row.
func (p *ParquetWriter) Write(rec *Record, res *Result) error {
	if p.w == nil {
		var h *zeek.Header
		if rec.Zeek != nil {
			h = rec.Zeek.Header
		}
		if err := p.start(h); err != nil {
			return err
		}
	}
	p.row = p.row[:0]
	p.arena = p.arena[:0]
	// Values may view the arena; when it grows, earlier views keep the old
	// backing array, which is not written again before WriteRows copies.
	switch rec.Kind {
	case LogZeekTSV:
		p.zeekValues(rec.Zeek)
	default:
		if p.eve != nil {
			p.eveValues(rec)
		} else {
			p.jsonValues(rec)
		}
	}
	var f *features.Flow
	if res.Reason == Matched {
		f = &res.Flow
		p.cs = res.ConnState
	}
	p.meta(res.Reason.String(), res)
	p.featureValues(f)
	return p.flush()
}

// WriteFlow appends a flow that no record matched: log columns null.
func (p *ParquetWriter) WriteFlow(f *features.Flow) error {
	if p.w == nil {
		if err := p.start(nil); err != nil {
			return err
		}
	}
	p.row = p.row[:0]
	for i, c := range p.cols {
		_ = c
		p.row = append(p.row, parquet.NullValue().Level(0, 0, i))
	}
	p.cs = f.ConnState()
	p.meta(MatchFlowOnly, nil)
	p.featureValues(f)
	return p.flush()
}

func (p *ParquetWriter) flush() error {
	p.rows[0] = p.row
	_, err := p.w.WriteRows(p.rows[:])
	return err
}

func (p *ParquetWriter) zeekValues(rec *zeek.Record) {
	h := rec.Header
	if h != p.hdr || p.hmap == nil {
		p.hdr = h
		p.hmap = p.hmap[:0]
		for _, c := range p.cols {
			p.hmap = append(p.hmap, h.Index(c.name))
		}
	}
	for i, c := range p.cols {
		j := p.hmap[i]
		var v []byte
		present := j >= 0 && j < len(rec.Values)
		if present {
			v = rec.Values[j]
			present = string(v) != string(h.UnsetField)
		}
		if c.rep {
			if !present || string(v) == string(h.EmptyField) {
				p.row = append(p.row, parquet.NullValue().Level(0, 0, i))
				continue
			}
			p.elems = splitSep(p.elems[:0], v, h.SetSeparator)
			k := 0
			for _, e := range p.elems {
				val, ok := p.scalarValue(c.elem, e)
				if !ok {
					continue // an element that does not parse is left out
				}
				rep := 0
				if k > 0 {
					rep = 1
				}
				p.row = append(p.row, val.Level(rep, 1, i))
				k++
			}
			if k == 0 {
				p.row = append(p.row, parquet.NullValue().Level(0, 0, i))
			}
			continue
		}
		if !present {
			p.row = append(p.row, parquet.NullValue().Level(0, 0, i))
			continue
		}
		if string(v) == string(h.EmptyField) && (c.kind == zeek.KindString || c.kind == zeek.KindUnknown) {
			v = v[:0]
		}
		val, ok := p.scalarValue(c.kind, v)
		p.add(val, ok, 0, 1, i)
	}
}

func splitSep(dst [][]byte, v, sep []byte) [][]byte {
	for {
		i := indexOf(v, sep)
		if i < 0 {
			return append(dst, v)
		}
		dst = append(dst, v[:i])
		v = v[i+len(sep):]
	}
}

func (p *ParquetWriter) jsonValues(rec *Record) {
	ev := rec.Event
	for i, c := range p.cols {
		if c.name == RawJSONColumn {
			p.add(parquet.ByteArrayValue(rec.JSON), true, 0, 1, i)
			continue
		}
		q := &rec.Query
		var val parquet.Value
		ok := false
		switch c.name {
		case "timestamp", "ts":
			if rec.Kind == LogEve && ev != nil && ev.Has&eve.HasTimestamp != 0 {
				val, ok = parquet.Int64Value(ev.Timestamp), true
			} else if rec.Kind == LogZeekJSON && q.HasTime {
				val, ok = parquet.Int64Value(q.Start), true
			}
		case "flow_id":
			if ev != nil && ev.Has&eve.HasFlowID != 0 {
				val, ok = parquet.Int64Value(int64(ev.FlowID)), true
			}
		case "src_ip", "id.orig_h", "dest_ip", "id.resp_h":
			a := q.Orig
			if c.name == "dest_ip" || c.name == "id.resp_h" {
				a = q.Resp
			}
			if a.IsValid() {
				off := len(p.arena)
				p.arena = a.AppendTo(p.arena)
				val, ok = parquet.ByteArrayValue(p.arena[off:len(p.arena):len(p.arena)]), true
			}
		case "src_port", "id.orig_p":
			val, ok = parquet.Int32Value(int32(q.OrigPort)), q.Orig.IsValid()
		case "dest_port", "id.resp_p":
			val, ok = parquet.Int32Value(int32(q.RespPort)), q.Resp.IsValid()
		default:
			r := jsonGet(rec.JSON, c.name)
			if r.Exists() && r.Type != 0 {
				off := len(p.arena)
				p.arena = append(p.arena, r.String()...)
				val, ok = parquet.ByteArrayValue(p.arena[off:len(p.arena):len(p.arena)]), true
			}
		}
		p.add(val, ok, 0, 1, i)
	}
}

func (p *ParquetWriter) meta(match string, res *Result) {
	c := p.nLog
	n, src, sw := 0, "none", false
	if res != nil {
		n, src, sw = res.N, res.Source.String(), res.Swapped
	}
	p.row = append(p.row,
		parquet.ByteArrayValue(unsafeBytes(match)).Level(0, 0, c),
		parquet.Int64Value(int64(n)).Level(0, 0, c+1),
		parquet.ByteArrayValue(unsafeBytes(src)).Level(0, 0, c+2),
		parquet.BooleanValue(sw).Level(0, 0, c+3))
}

func (p *ParquetWriter) featureValues(f *features.Flow) {
	base := p.nLog + 4
	for i := range p.schema.Columns {
		c := &p.schema.Columns[i]
		col := base + i
		if f == nil {
			p.row = append(p.row, parquet.NullValue().Level(0, 0, col))
			continue
		}
		switch c.Kind {
		case features.KindInt, features.KindTime:
			p.add(parquet.Int64Value(c.Int(f)), true, 0, 1, col)
		case features.KindFloat:
			v := c.Float(f)
			p.add(parquet.DoubleValue(v), !math.IsNaN(v), 0, 1, col)
		case features.KindAddr:
			a := c.Addr(f)
			off := len(p.arena)
			p.arena = a.AppendTo(p.arena)
			p.add(parquet.ByteArrayValue(p.arena[off:len(p.arena):len(p.arena)]), a.IsValid(), 0, 1, col)
		default:
			off := len(p.arena)
			p.arena = c.String(p.arena, f)
			p.add(parquet.ByteArrayValue(p.arena[off:len(p.arena):len(p.arena)]), true, 0, 1, col)
		}
	}
}

// Close writes the footer.
func (p *ParquetWriter) Close() error {
	if p.w == nil {
		if err := p.start(nil); err != nil {
			return err
		}
	}
	return p.w.Close()
}

// pqGroup is a required group whose fields keep their order (parquet.Group
// is a map, sorted by name).
type pqGroup []pqField

type pqField struct {
	parquet.Node
	name string
}

func (f *pqField) Name() string                           { return f.name }
func (f *pqField) Value(base reflect.Value) reflect.Value { return reflect.Value{} }

func (g pqGroup) ID() int                     { return 0 }
func (g pqGroup) String() string              { return "group" }
func (g pqGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g pqGroup) Optional() bool              { return false }
func (g pqGroup) Repeated() bool              { return false }
func (g pqGroup) Required() bool              { return true }
func (g pqGroup) Leaf() bool                  { return false }
func (g pqGroup) Encoding() encoding.Encoding { return nil }
func (g pqGroup) Compression() compress.Codec { return nil }
func (g pqGroup) GoType() reflect.Type        { return reflect.TypeFor[map[string]any]() }
func (g pqGroup) Fields() []parquet.Field {
	fs := make([]parquet.Field, len(g))
	for i := range g {
		fs[i] = &g[i]
	}
	return fs
}
