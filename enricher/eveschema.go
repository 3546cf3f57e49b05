package enricher

import (
	"errors"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/flowmeter/flowmeter/formats/zeek"
)

// EveType is the Parquet type inferred for one flattened eve.json key.
type EveType uint8

const (
	EveString EveType = iota // BYTE_ARRAY (STRING): strings, mixed kinds, arrays, objects below the depth cap
	EveBool                  // BOOLEAN: only true/false
	EveInt                   // INT64: only integers that fit in an int64
	EveDouble                // DOUBLE: only numbers, some not int64 integers
	EveTime                  // TIMESTAMP(NANOS, UTC): strings in Suricata's timestamp format
)

func (t EveType) String() string {
	switch t {
	case EveBool:
		return "bool"
	case EveInt:
		return "int64"
	case EveDouble:
		return "double"
	case EveTime:
		return "timestamp"
	}
	return "string"
}

// Defaults of EveSchemaOptions.
const (
	DefaultEveMaxColumns = 4096
	DefaultEveMaxDepth   = 6
)

// EveSchemaOptions tune InferEveSchema. The zero value is the default.
type EveSchemaOptions struct {
	// MaxColumns caps the typed columns (0: DefaultEveMaxColumns). Keys
	// first seen after the cap is reached get no column; their values are
	// only in raw_json.
	MaxColumns int
	// MaxDepth is how many levels of nested objects are flattened into
	// dotted names (0: DefaultEveMaxDepth; 1: top-level keys only). An
	// object deeper than that is one STRING column holding its JSON text.
	MaxDepth int
}

func (o EveSchemaOptions) withDefaults() EveSchemaOptions {
	if o.MaxColumns <= 0 {
		o.MaxColumns = DefaultEveMaxColumns
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultEveMaxDepth
	}
	return o
}

// EveColumn is one typed log column of eve.json Parquet output.
type EveColumn struct {
	Name string // flattened key path: "flow.pkts_toserver", "alert.signature_id"
	Type EveType
}

// EveSchema is the column layout inferred from a whole eve.json by
// InferEveSchema: one column per flattened key path, in first-seen order.
// It holds the schema only, never the records. Safe for concurrent reads
// once built.
type EveSchema struct {
	Columns []EveColumn
	Events  int64 // events read (malformed lines are skipped, as in the join)
	// Truncated: some key paths got no column because MaxColumns was
	// reached; DroppedKeys counts them (distinct, up to 65536).
	Truncated   bool
	DroppedKeys int
	MaxDepth    int
	index       map[string]int
}

// Index returns the column of the flattened key path name, or -1. It does
// not allocate.
func (s *EveSchema) Index(name string) int {
	if i, ok := s.index[name]; ok {
		return i
	}
	return -1
}

// JSON value kinds seen for a key (bit set).
const (
	kindBool uint8 = 1 << iota
	kindInt
	kindFloat
	kindString
	kindRaw // array, or object below the depth cap
)

// eveTimeKeys are typed TIMESTAMP when they hold only strings, even if some
// do not parse (those are null; raw_json keeps them).
var eveTimeKeys = map[string]bool{"timestamp": true, "flow.start": true, "flow.end": true}

// eveWalker calls fn for every non-null leaf of an eve object with its
// dotted key path (borrowed until fn returns). Objects nested up to depth
// levels are flattened; deeper objects and arrays are leaves. Members with
// an empty key are left out (their values stay in raw_json). It allocates
// only for keys and string values with JSON escapes (gjson unescapes them).
type eveWalker struct {
	path  []byte
	depth int
	fn    func(path []byte, v gjson.Result)
}

func (w *eveWalker) walk(obj gjson.Result, level int) {
	obj.ForEach(func(k, v gjson.Result) bool {
		if k.Str == "" || v.Type == gjson.Null {
			return true
		}
		n := len(w.path)
		if n > 0 {
			w.path = append(w.path, '.')
		}
		w.path = append(w.path, k.Str...)
		if level < w.depth && v.IsObject() {
			w.walk(v, level+1)
		} else {
			w.fn(w.path, v)
		}
		w.path = w.path[:n]
		return true
	})
}

// isInt64 reports whether a JSON number's text is an integer that fits in
// an int64.
func isInt64(raw string) bool {
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	_, err := strconv.ParseInt(raw, 10, 64)
	return err == nil
}

// eveInfer accumulates a schema.
type eveInfer struct {
	s       *EveSchema
	opt     EveSchemaOptions
	kinds   []uint8
	nonTime []bool
	lower   map[string]bool // lower-cased names taken (DuckDB matches names case-insensitively)
	dropped map[string]bool
	w       eveWalker
}

func newEveInfer(opt EveSchemaOptions) *eveInfer {
	opt = opt.withDefaults()
	in := &eveInfer{s: &EveSchema{index: map[string]int{}, MaxDepth: opt.MaxDepth}, opt: opt,
		lower: map[string]bool{}, dropped: map[string]bool{}}
	in.w = eveWalker{depth: opt.MaxDepth, fn: in.leaf}
	return in
}

func (in *eveInfer) add(line []byte) {
	in.s.Events++
	in.w.walk(gjson.Parse(unsafeString(line)), 1)
}

func (in *eveInfer) leaf(path []byte, v gjson.Result) {
	i, ok := in.s.index[string(path)]
	if !ok {
		if in.dropped[string(path)] {
			return
		}
		name := string(path)
		low := strings.ToLower(name)
		if len(in.s.Columns) >= in.opt.MaxColumns || in.lower[low] || low == RawJSONColumn ||
			strings.HasPrefix(low, ColumnPrefix) {
			if len(in.s.Columns) >= in.opt.MaxColumns {
				in.s.Truncated = true
			}
			if len(in.dropped) < 1<<16 {
				in.dropped[name] = true
				in.s.DroppedKeys = len(in.dropped)
			}
			return
		}
		in.lower[low] = true
		i = len(in.s.Columns)
		in.s.index[name] = i
		in.s.Columns = append(in.s.Columns, EveColumn{Name: name})
		in.kinds = append(in.kinds, 0)
		in.nonTime = append(in.nonTime, false)
	}
	switch v.Type {
	case gjson.True, gjson.False:
		in.kinds[i] |= kindBool
	case gjson.Number:
		if isInt64(v.Raw) {
			in.kinds[i] |= kindInt
		} else {
			in.kinds[i] |= kindFloat
		}
	case gjson.String:
		in.kinds[i] |= kindString
		if !in.nonTime[i] {
			if _, ok := zeek.ParseTimestamp(unsafeBytes(v.Str)); !ok {
				in.nonTime[i] = true
			}
		}
	default:
		in.kinds[i] |= kindRaw
	}
}

func (in *eveInfer) finish() *EveSchema {
	for i := range in.s.Columns {
		c := &in.s.Columns[i]
		k := in.kinds[i]
		switch {
		case k == kindBool:
			c.Type = EveBool
		case k == kindInt:
			c.Type = EveInt
		case k != 0 && k&^(kindInt|kindFloat) == 0:
			c.Type = EveDouble
		case k == kindString && (!in.nonTime[i] || eveTimeKeys[c.Name]):
			c.Type = EveTime
		default:
			c.Type = EveString
		}
	}
	return in.s
}

// InferEveSchema reads a whole eve.json (plain or gzip) once and returns the
// Parquet column layout of its events: every key path of the events, nested
// objects flattened with dots up to opt.MaxDepth levels, in first-seen
// order, each typed from all the values it holds (see EveType; a key whose
// every value is a string in Suricata's timestamp format is a TIMESTAMP, as
// are timestamp, flow.start and flow.end when they hold only strings; null
// values are ignored). Keys named raw_json or starting with flowmeter_, keys
// equal to an earlier one but for case, and keys beyond opt.MaxColumns get no
// column. Lines the eve reader rejects are skipped. It streams: memory is
// the schema plus one line; it allocates per line (gjson) and per new key.
func InferEveSchema(r io.Reader, opt EveSchemaOptions) (*EveSchema, error) {
	er, err := openEveReader(r)
	if err != nil {
		return nil, err
	}
	in := newEveInfer(opt)
	for {
		ev, err := er.Next()
		if errors.Is(err, io.EOF) {
			return in.finish(), nil
		}
		if err != nil {
			return nil, err
		}
		in.add(ev.Raw)
	}
}

// InferEveSchemaFile runs InferEveSchema over the file at path when it is a
// regular file (it can be read twice: once for the schema, once for the
// join). For anything else (a pipe, a terminal, a device) it returns nil,
// nil: the caller keeps the fixed eve layout of NewParquetWriter.
func InferEveSchemaFile(path string, opt EveSchemaOptions) (*EveSchema, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return InferEveSchema(f, opt)
}
