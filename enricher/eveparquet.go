package enricher

import (
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/tidwall/gjson"

	"github.com/flowmeter/flowmeter/formats/zeek"
)

// eveZeekKind maps an inferred eve type to the log column kind whose
// Parquet node (logNode) it is written as.
var eveZeekKind = [...]zeek.Kind{EveString: zeek.KindString, EveBool: zeek.KindBool, EveInt: zeek.KindInt,
	EveDouble: zeek.KindDouble, EveTime: zeek.KindTime}

// eveRow gathers the values of one eve event by column of an EveSchema in
// one walk over the line. Values borrow the line (and gjson's unescaped
// strings) until the next fill.
type eveRow struct {
	s    *EveSchema
	vals []gjson.Result
	gen  []uint32 // vals[i] belongs to the current event when gen[i] == cur
	cur  uint32
	w    eveWalker
}

func newEveRow(s *EveSchema) *eveRow {
	r := &eveRow{s: s, vals: make([]gjson.Result, len(s.Columns)), gen: make([]uint32, len(s.Columns))}
	depth := s.MaxDepth
	if depth <= 0 {
		depth = DefaultEveMaxDepth
	}
	r.w = eveWalker{depth: depth, fn: r.leaf}
	return r
}

// leaf keeps the first value of a column within an event.
func (r *eveRow) leaf(path []byte, v gjson.Result) {
	if i, ok := r.s.index[string(path)]; ok && r.gen[i] != r.cur {
		r.gen[i] = r.cur
		r.vals[i] = v
	}
}

// fill walks one eve line.
func (r *eveRow) fill(line []byte) {
	r.cur++
	if r.cur == 0 {
		clear(r.gen)
		r.cur = 1
	}
	r.w.walk(gjson.Parse(unsafeString(line)), 1)
}

// eveValue converts a JSON value to its column's type; ok false (null) when
// it does not fit, as when the file changed between the schema pass and the
// join. Byte arrays borrow v.
func eveValue(t EveType, v *gjson.Result) (parquet.Value, bool) {
	switch t {
	case EveTime:
		if v.Type == gjson.String {
			ns, ok := zeek.ParseTimestamp(unsafeBytes(v.Str))
			return parquet.Int64Value(ns), ok
		}
	case EveInt:
		if v.Type == gjson.Number {
			n, err := strconv.ParseInt(v.Raw, 10, 64)
			return parquet.Int64Value(n), err == nil
		}
	case EveDouble:
		if v.Type == gjson.Number {
			return parquet.DoubleValue(v.Num), true
		}
	case EveBool:
		if v.Type == gjson.True || v.Type == gjson.False {
			return parquet.BooleanValue(v.Type == gjson.True), true
		}
	default:
		if v.Type == gjson.String {
			return parquet.ByteArrayValue(unsafeBytes(v.Str)), true
		}
		return parquet.ByteArrayValue(unsafeBytes(v.Raw)), true // number, bool, array, object: its JSON text
	}
	return parquet.Value{}, false
}

// eveValues appends the typed eve columns and raw_json.
func (p *ParquetWriter) eveValues(rec *Record) {
	r := p.eve
	r.fill(rec.JSON)
	n := len(r.s.Columns)
	for i := 0; i < n; i++ {
		if r.gen[i] != r.cur {
			p.row = append(p.row, parquet.NullValue().Level(0, 0, i))
			continue
		}
		val, ok := eveValue(r.s.Columns[i].Type, &r.vals[i])
		p.add(val, ok, 0, 1, i)
	}
	p.add(parquet.ByteArrayValue(rec.JSON), true, 0, 1, n)
}
