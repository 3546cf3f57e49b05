package formats

import (
	"fmt"
	"io"
	"math"
	"reflect"
	"runtime/debug"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/flowmeter/flowmeter/features"
)

// ParquetOptions tunes the Parquet writer. The zero value is the default.
type ParquetOptions struct {
	// MaxRowsPerRowGroup bounds a row group, and so the memory the writer
	// holds: all of a row group's pages stay in memory until it is flushed.
	// 0 means DefaultParquetRowGroup.
	MaxRowsPerRowGroup int64
	// PageBufferSize is the in-memory size of one column's page buffer, in
	// bytes (before encoding and compression). 0 means parquet-go's default,
	// 256 KiB.
	PageBufferSize int
	// Metadata is written as the file's key/value metadata.
	Metadata map[string]string
}

// DefaultParquetRowGroup is the default row group bound: about 25 MB of
// uncompressed pages for a schema of 100 float columns, which keeps the
// writer's memory well below the flow table's (docs/PERFORMANCE.md).
const DefaultParquetRowGroup = 32 << 10

// DefaultParquetPageBuffer is the default page buffer per column. parquet-go's
// own default (256 KiB) costs 50 MB for a 200-column schema before a row is
// written; 32 KiB pages compress as well for these columns.
const DefaultParquetPageBuffer = 32 << 10

// parquetBatch is how many rows the writer converts before handing them to
// parquet-go in one WriteRows call.
const parquetBatch = 256

// createdBy returns the application, version and build for the file's
// created_by field ("flowmeter version v1.2.3 (build 0123456789ab)"), from
// the binary's build information.
func createdBy() (app, version, build string) {
	version, build = "(devel)", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, st := range bi.Settings {
			if st.Key == "vcs.revision" && st.Value != "" {
				build = st.Value[:min(12, len(st.Value))]
			}
		}
	}
	// parquet-go writes version + "(build " without a space between them.
	return "flowmeter", version + " ", build
}

// ParquetSchema returns the Parquet schema of s, columns in schema order
// (parquet.Group would sort them by name):
//
//	KindInt    required INT64 (logical INT(64, signed))
//	KindFloat  optional DOUBLE, null for NaN
//	KindString required BYTE_ARRAY (logical STRING)
//	KindTime   required INT64 (logical TIMESTAMP(NANOS, isAdjustedToUTC=true))
//	KindAddr   optional BYTE_ARRAY (logical STRING), null for an invalid Addr
//
// The name of the Parquet schema is s.Name, or "flow" if empty. It panics
// on a column with an unknown Kind; call ValidateUnique first when s is not
// known to be good (NewParquetWriter does). Compression is a writer option,
// not part of the schema: the enricher should pass
// parquet.Compression(&parquet.Zstd) as NewParquetWriter does.
func ParquetSchema(s *features.Schema) *parquet.Schema {
	g := make(orderedGroup, len(s.Columns))
	for i := range s.Columns {
		c := &s.Columns[i]
		n := ParquetType(c.Kind)
		switch c.Kind {
		case features.KindInt, features.KindString, features.KindTime:
		case features.KindFloat, features.KindAddr:
			n = parquet.Optional(n) // NaN, an invalid Addr: null
		default:
			panic(fmt.Sprintf("formats: ParquetSchema: column %q has unknown kind %d", c.Name, c.Kind))
		}
		g[i] = orderedField{Node: n, name: c.Name}
	}
	name := s.Name
	if name == "" {
		name = "flow"
	}
	return parquet.NewSchema(name, g)
}

// ParquetType is the Parquet type of a feature column's values, before
// ParquetSchema makes floats and addresses optional: INT64 for KindInt,
// DOUBLE for KindFloat, TIMESTAMP(NANOS) for KindTime, STRING otherwise.
func ParquetType(k features.Kind) parquet.Node {
	switch k {
	case features.KindInt:
		return parquet.Int(64)
	case features.KindFloat:
		return parquet.Leaf(parquet.DoubleType)
	case features.KindTime:
		return parquet.Timestamp(parquet.Nanosecond)
	}
	return parquet.String()
}

// orderedGroup is a required Parquet group whose fields keep the order
// given, unlike parquet.Group (a map, sorted by name).
type orderedGroup []orderedField

type orderedField struct {
	parquet.Node
	name string
}

func (f *orderedField) Name() string { return f.name }

// Value supports parquet-go's reflection paths on map[string]any rows; the
// writer itself only uses parquet.Row values.
func (f *orderedField) Value(base reflect.Value) reflect.Value {
	for base.Kind() == reflect.Interface || base.Kind() == reflect.Pointer {
		if base.IsNil() {
			return reflect.Value{}
		}
		base = base.Elem()
	}
	if base.Kind() == reflect.Map {
		return base.MapIndex(reflect.ValueOf(f.name))
	}
	if base.Kind() == reflect.Struct {
		return base.FieldByName(f.name)
	}
	return reflect.Value{}
}

func (g orderedGroup) ID() int        { return 0 }
func (g orderedGroup) String() string { return "group" }
func (g orderedGroup) Type() parquet.Type {
	return parquet.Group{}.Type()
}
func (g orderedGroup) Optional() bool              { return false }
func (g orderedGroup) Repeated() bool              { return false }
func (g orderedGroup) Required() bool              { return true }
func (g orderedGroup) Leaf() bool                  { return false }
func (g orderedGroup) Encoding() encoding.Encoding { return nil }
func (g orderedGroup) Compression() compress.Codec { return nil }
func (g orderedGroup) GoType() reflect.Type        { return reflect.TypeFor[map[string]any]() }
func (g orderedGroup) Fields() []parquet.Field {
	fs := make([]parquet.Field, len(g))
	for i := range g {
		fs[i] = &g[i]
	}
	return fs
}

// parquetZstd is zstd at its fastest level: at the default level,
// compression took a quarter of `flows -f parquet` (~180 ms for the 1M-packet
// benchmark's 32,813 flows); the fastest takes about half that for files
// ~10% larger (docs/PERFORMANCE.md).
var parquetZstd = &zstd.Codec{Level: zstd.SpeedFastest}

// ParquetWriter writes flows as a Parquet file: the schema of ParquetSchema,
// zstd compression, row groups of at most MaxRowsPerRowGroup rows. Rows are
// converted into reused parquet.Row values in batches of 256 and handed to
// parquet-go's WriteRows, which copies them into its page buffers; the
// writer itself allocates nothing per flow in steady state (parquet-go
// allocates when it encodes and compresses a page). Close writes the
// footer; a file without Close is not readable.
type ParquetWriter struct {
	w      *parquet.Writer
	s      *features.Schema
	batch  *ParquetRows // Write's
	err    error
	closed bool
}

// ParquetRows is a batch of flows made into Parquet rows by
// ParquetWriter.PrepareRows, for WriteRows. Its values point into its own
// arena of string bytes, so it is reused only once WriteRows returns.
type ParquetRows struct {
	rows  []parquet.Row
	vals  []parquet.Value // backing array of rows
	arena []byte          // bytes of the strings
	spans []span          // where each string value lies in arena
	n     int             // rows in use
}

type span struct{ off, n int32 }

// NewParquetWriter returns a Parquet writer for the columns of s. It fails
// with ErrBadSchema for a schema ValidateUnique rejects.
func NewParquetWriter(w io.Writer, s *features.Schema, opts ParquetOptions) (FlowWriter, error) {
	if err := ValidateUnique(s); err != nil {
		return nil, err
	}
	rg := opts.MaxRowsPerRowGroup
	if rg <= 0 {
		rg = DefaultParquetRowGroup
	}
	wopts := []parquet.WriterOption{
		ParquetSchema(s),
		parquet.Compression(parquetZstd),
		parquet.MaxRowsPerRowGroup(rg),
		parquet.CreatedBy(createdBy()),
	}
	pb := opts.PageBufferSize
	if pb <= 0 {
		pb = DefaultParquetPageBuffer
	}
	wopts = append(wopts, parquet.PageBufferSize(pb))
	for k, v := range opts.Metadata {
		wopts = append(wopts, parquet.KeyValueMetadata(k, v))
	}
	cfg, err := parquet.NewWriterConfig(wopts...)
	if err != nil {
		return nil, fmt.Errorf("formats: parquet writer config: %w", err)
	}
	return &ParquetWriter{w: parquet.NewWriter(w, cfg), s: s}, nil
}

// grow makes room for k rows of the schema's columns, emptying r.
func (r *ParquetRows) grow(k, cols int) {
	r.n, r.arena, r.spans = 0, r.arena[:0], r.spans[:0]
	if len(r.rows) >= k && (k == 0 || len(r.rows[0]) == cols) {
		return
	}
	r.rows = make([]parquet.Row, k)
	r.vals = make([]parquet.Value, k*cols)
	for i := range r.rows {
		r.rows[i] = r.vals[i*cols : (i+1)*cols : (i+1)*cols]
	}
}

// PrepareRows makes the rows of flows, reusing prev (nil: a new batch)
// once the WriteRows of prev has returned. It reads only the schema and
// the flows, so it is safe for concurrent use, also beside WriteRows: the
// engine prepares rows on whichever core has time (engine.RunBatches).
func (p *ParquetWriter) PrepareRows(prev *ParquetRows, flows []features.Flow) *ParquetRows {
	r := prev
	if r == nil {
		r = new(ParquetRows)
	}
	r.grow(len(flows), len(p.s.Columns))
	for i := range flows {
		p.fillRow(r, i, &flows[i])
	}
	r.n = len(flows)
	p.fixStrings(r)
	return r
}

// WriteRows writes rows made by PrepareRows, in order.
func (p *ParquetWriter) WriteRows(r *ParquetRows) error {
	if p.err != nil {
		return p.err
	}
	if p.closed {
		return ErrClosed
	}
	return p.writeRows(r)
}

// Write converts flows into rows and hands them to parquet-go in batches.
// A nil flow stops the batch with ErrNilFlow; the rows before it are kept.
func (p *ParquetWriter) Write(flows []*features.Flow) error {
	if p.err != nil {
		return p.err
	}
	if p.closed {
		return ErrClosed
	}
	if p.batch == nil {
		p.batch = new(ParquetRows)
	}
	r := p.batch
	for len(flows) > 0 {
		k := min(len(flows), parquetBatch)
		r.grow(parquetBatch, len(p.s.Columns))
		for i, f := range flows[:k] {
			if f == nil {
				p.fixStrings(r)
				if err := p.writeRows(r); err != nil {
					return err
				}
				return ErrNilFlow
			}
			p.fillRow(r, i, f)
			r.n = i + 1
		}
		p.fixStrings(r)
		if err := p.writeRows(r); err != nil {
			return err
		}
		flows = flows[k:]
	}
	return nil
}

// fillRow sets the values of row i of r from f. String and address bytes
// go to the arena first; fixStrings points the values at them once the
// arena has stopped growing.
func (p *ParquetWriter) fillRow(r *ParquetRows, i int, f *features.Flow) {
	row := r.rows[i]
	cols := p.s.Columns
	for c := range cols {
		col := &cols[c]
		var v parquet.Value
		switch col.Kind {
		case features.KindInt, features.KindTime:
			v = parquet.Int64Value(col.Int(f)).Level(0, 0, c)
		case features.KindFloat:
			if x := col.Float(f); math.IsNaN(x) {
				v = parquet.NullValue().Level(0, 0, c)
			} else {
				v = parquet.DoubleValue(x).Level(0, 1, c)
			}
		case features.KindString:
			off := len(r.arena)
			r.arena = col.String(r.arena, f)
			r.spans = append(r.spans, span{int32(off), int32(len(r.arena) - off)})
			v = parquet.ByteArrayValue(nil).Level(0, 0, c) // bytes set by fixStrings
		case features.KindAddr:
			if a := col.Addr(f); a.IsValid() {
				off := len(r.arena)
				r.arena = a.AppendTo(r.arena)
				r.spans = append(r.spans, span{int32(off), int32(len(r.arena) - off)})
				v = parquet.ByteArrayValue(nil).Level(0, 1, c)
			} else {
				v = parquet.NullValue().Level(0, 0, c)
			}
		}
		row[c] = v
	}
}

// fixStrings points the string values of r's rows into its arena, which
// has stopped growing.
func (p *ParquetWriter) fixStrings(r *ParquetRows) {
	if len(r.spans) == 0 {
		return
	}
	j := 0
	cols := p.s.Columns
	for i := 0; i < r.n; i++ {
		row := r.rows[i]
		for c := range cols {
			kind := cols[c].Kind
			if kind != features.KindString && !(kind == features.KindAddr && !row[c].IsNull()) {
				continue
			}
			sp := r.spans[j]
			j++
			def := 0
			if kind == features.KindAddr {
				def = 1
			}
			row[c] = parquet.ByteArrayValue(r.arena[sp.off:sp.off+sp.n:sp.off+sp.n]).Level(0, def, c)
		}
	}
}

// writeRows writes r's rows.
func (p *ParquetWriter) writeRows(r *ParquetRows) error {
	if r.n == 0 {
		return nil
	}
	_, err := p.w.WriteRows(r.rows[:r.n])
	if err != nil {
		p.err = err
	}
	return err
}

// Flush ends the current row group (if it has rows) and writes it out.
// Row groups are also ended automatically at MaxRowsPerRowGroup, so calling
// Flush is only needed to bound the rows lost if the process dies.
func (p *ParquetWriter) Flush() error {
	if p.err != nil {
		return p.err
	}
	if p.closed {
		return ErrClosed
	}
	if err := p.w.Flush(); err != nil {
		p.err = err
		return err
	}
	return nil
}

// Close writes the last row group and the footer. It does not close the
// io.Writer; later calls return ErrClosed.
func (p *ParquetWriter) Close() error {
	if p.err != nil {
		return p.err
	}
	if p.closed {
		return ErrClosed
	}
	p.closed = true
	if err := p.w.Close(); err != nil {
		p.err = err
		return err
	}
	return nil
}
