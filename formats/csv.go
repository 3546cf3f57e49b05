package formats

import (
	"io"

	"github.com/flowmeter/flowmeter/features"
)

// CSVWriter writes one header line of column names, then one line per flow,
// in schema order, with "," between fields and "\n" after each line
// (RFC 4180 otherwise: a field is quoted only when it holds a comma, a
// quote, CR or LF, or begins with a space; inner quotes are doubled).
//
// Values: KindInt as a decimal integer; KindFloat as the shortest decimal
// that parses back to the same float64 (strconv 'g', -1), NaN and ±Inf as an
// empty field; KindTime as RFC 3339 UTC with nine fractional digits;
// KindAddr as netip.Addr text, an invalid Addr as an empty field; KindString
// as is. The header is written by the first Write, or by Flush/Close if no
// flow was written.
//
// In steady state Write allocates nothing per flow: every value is appended
// into one reused buffer, which is handed to the io.Writer whenever it
// exceeds 64 KiB and on Flush and Close.
type CSVWriter struct {
	textWriter
	header bool
}

// NewCSVWriter returns a CSV writer for the columns of s. A schema that
// ValidateSchema rejects makes every method return that error. Repeated
// column names are written as they are.
func NewCSVWriter(w io.Writer, s *features.Schema) FlowWriter {
	c := &CSVWriter{}
	c.init(w, s)
	return c
}

func (c *CSVWriter) writeHeader() {
	c.header = true
	for i := range c.s.Columns {
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		p := len(c.buf)
		c.buf = append(c.buf, c.s.Columns[i].Name...)
		c.buf = quoteCSVTail(c.buf, p)
	}
	c.buf = append(c.buf, '\n')
}

// Write appends one line per flow. A nil flow stops the batch with
// ErrNilFlow; the lines before it are kept.
func (c *CSVWriter) Write(flows []*features.Flow) error {
	if err := c.check(); err != nil {
		return err
	}
	if !c.header {
		c.writeHeader()
	}
	for _, f := range flows {
		if f == nil {
			return ErrNilFlow
		}
		c.buf = AppendCSVRecord(c.buf, c.s, f)
		if len(c.buf) >= flushAt {
			if err := c.flushBuf(); err != nil {
				return err
			}
		}
	}
	return nil
}

// AppendCSVRecord appends the CSV line of f (fields in schema order and the
// final "\n") to dst. It does not allocate beyond growing dst, provided
// the column getters do not.
func AppendCSVRecord(dst []byte, s *features.Schema, f *features.Flow) []byte {
	cols := s.Columns
	for i := range cols {
		col := &cols[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		switch col.Kind {
		case features.KindInt:
			dst = appendInt(dst, col.Int(f))
		case features.KindFloat:
			if v := col.Float(f); finite(v) {
				dst = appendFloat(dst, v)
			}
		case features.KindTime:
			dst = AppendTime(dst, col.Int(f))
		case features.KindAddr:
			if a := col.Addr(f); a.IsValid() {
				dst = a.AppendTo(dst)
			}
		case features.KindString:
			p := len(dst)
			dst = col.String(dst, f)
			dst = quoteCSVTail(dst, p)
		}
	}
	return append(dst, '\n')
}

// AppendRecords appends the lines of flows (no header) to dst; see
// TextWriter.
func (c *CSVWriter) AppendRecords(dst []byte, flows []features.Flow) []byte {
	for i := range flows {
		dst = AppendCSVRecord(dst, c.s, &flows[i])
	}
	return dst
}

// WriteRecords writes the header if needed, then text; see TextWriter.
func (c *CSVWriter) WriteRecords(text []byte) error {
	if err := c.check(); err != nil {
		return err
	}
	if !c.header {
		c.writeHeader()
	}
	return c.writeRecords(text)
}

// Flush writes the header if needed and all buffered lines to the
// io.Writer, then calls its Flush method if it has one (bufio.Writer).
func (c *CSVWriter) Flush() error {
	if err := c.check(); err != nil {
		return err
	}
	if !c.header {
		c.writeHeader()
	}
	if err := c.flushBuf(); err != nil {
		return err
	}
	return flushUnder(c.w)
}

// Close flushes; later calls return ErrClosed. It does not close the
// io.Writer.
func (c *CSVWriter) Close() error {
	err := c.Flush()
	c.closed = true
	return err
}

func flushUnder(w io.Writer) error {
	if fl, ok := w.(interface{ Flush() error }); ok {
		return fl.Flush()
	}
	return nil
}
