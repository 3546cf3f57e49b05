package formats

import (
	"io"

	"github.com/flowmeter/flowmeter/features"
)

// JSONLWriter writes one JSON object per flow and line ("\n" after each),
// with the column names as keys in schema order.
//
// Values: KindInt as a JSON integer; KindFloat as the shortest decimal that
// parses back to the same float64 (strconv 'g', -1, so 1e+21 style exponents
// can occur), NaN and ±Inf as null; KindTime as an RFC 3339 UTC string with
// nine fractional digits; KindAddr as a string, an invalid Addr as null;
// KindString as a JSON string (see AppendJSONString for the escaping).
//
// In steady state Write allocates nothing per flow: every value is appended
// into one reused buffer, which is handed to the io.Writer whenever it
// exceeds 64 KiB and on Flush and Close.
type JSONLWriter struct {
	textWriter
	keys [][]byte // `"name":` per column, escaped once
}

// NewJSONLWriter returns a JSON lines writer for the columns of s. A schema
// that ValidateUnique rejects makes every method return that error.
func NewJSONLWriter(w io.Writer, s *features.Schema) FlowWriter {
	j := &JSONLWriter{}
	j.init(w, s)
	if j.err == nil {
		j.err = ValidateUnique(s)
	}
	if j.err == nil {
		j.keys = make([][]byte, len(s.Columns))
		for i := range s.Columns {
			k := AppendJSONString(nil, s.Columns[i].Name)
			j.keys[i] = append(k, ':')
		}
	}
	return j
}

// Write appends one line per flow. A nil flow stops the batch with
// ErrNilFlow; the lines before it are kept.
func (j *JSONLWriter) Write(flows []*features.Flow) error {
	if err := j.check(); err != nil {
		return err
	}
	for _, f := range flows {
		if f == nil {
			return ErrNilFlow
		}
		j.buf = j.appendRecord(j.buf, f)
		if len(j.buf) >= flushAt {
			if err := j.flushBuf(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (j *JSONLWriter) appendRecord(dst []byte, f *features.Flow) []byte {
	cols := j.s.Columns
	dst = append(dst, '{')
	for i := range cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, j.keys[i]...)
		dst = appendJSONValue(dst, &cols[i], f)
	}
	return append(dst, '}', '\n')
}

// AppendRecords appends the lines of flows to dst; see TextWriter.
func (j *JSONLWriter) AppendRecords(dst []byte, flows []features.Flow) []byte {
	for i := range flows {
		dst = j.appendRecord(dst, &flows[i])
	}
	return dst
}

// WriteRecords writes text; see TextWriter.
func (j *JSONLWriter) WriteRecords(text []byte) error {
	if err := j.check(); err != nil {
		return err
	}
	return j.writeRecords(text)
}

// AppendJSONFields appends the members of f's JSON object without braces,
// `"k":v,"k2":v2`, keys and values encoded as by JSONLWriter, for callers
// that add members of their own (the enricher). It does not allocate beyond
// growing dst, provided the column getters do not. A column whose getter is
// missing or whose Kind is unknown is written as null.
func AppendJSONFields(dst []byte, s *features.Schema, f *features.Flow) []byte {
	for i := range s.Columns {
		if i > 0 {
			dst = append(dst, ',')
		}
		col := &s.Columns[i]
		dst = AppendJSONString(dst, col.Name)
		dst = append(dst, ':')
		dst = appendJSONValue(dst, col, f)
	}
	return dst
}

func appendJSONValue(dst []byte, col *features.Column, f *features.Flow) []byte {
	switch col.Kind {
	case features.KindInt:
		if col.Int != nil {
			return appendInt(dst, col.Int(f))
		}
	case features.KindFloat:
		if col.Float != nil {
			if v := col.Float(f); finite(v) {
				return appendFloat(dst, v)
			}
		}
	case features.KindTime:
		if col.Int != nil {
			dst = append(dst, '"')
			dst = AppendTime(dst, col.Int(f))
			return append(dst, '"')
		}
	case features.KindAddr:
		if col.Addr != nil {
			if a := col.Addr(f); a.IsValid() {
				dst = append(dst, '"')
				dst = a.AppendTo(dst)
				return append(dst, '"')
			}
		}
	case features.KindString:
		if col.String != nil {
			dst = append(dst, '"')
			p := len(dst)
			dst = col.String(dst, f)
			dst = escapeJSONTail(dst, p)
			return append(dst, '"')
		}
	}
	return append(dst, "null"...)
}

// Flush writes all buffered lines to the io.Writer, then calls its Flush
// method if it has one (bufio.Writer).
func (j *JSONLWriter) Flush() error {
	if err := j.check(); err != nil {
		return err
	}
	if err := j.flushBuf(); err != nil {
		return err
	}
	return flushUnder(j.w)
}

// Close flushes; later calls return ErrClosed. It does not close the
// io.Writer.
func (j *JSONLWriter) Close() error {
	err := j.Flush()
	j.closed = true
	return err
}
