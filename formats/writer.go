// Package formats writes flow records in the formats a user asks for: CSV,
// JSON lines and Parquet. Every writer is driven by a *features.Schema only:
// the column list decides the header, the keys, the Parquet schema and the
// encoding of each value by its Kind; there is no per-column code here.
//
// Writers take batches of flows (Write), buffer their output, and write it
// to the io.Writer they were given. Flush pushes buffered output out, Close
// flushes and finishes the file (the Parquet footer) but never closes the
// io.Writer: the caller owns it (see CreateAtomic for files). A writer is not
// safe for concurrent use. After an error from the io.Writer every later
// call returns that error.
//
// The encodings of each Kind are documented in docs/OUTPUTS.md.
package formats

import (
	"errors"
	"fmt"
	"io"

	"github.com/flowmeter/flowmeter/features"
)

// FlowWriter writes batches of finished flows.
//
// Write may keep output buffered until Flush or Close; it does not keep any
// reference to the flows after it returns. Close must be called once to
// finish the output; it does not close the underlying io.Writer.
type FlowWriter interface {
	Write(flows []*features.Flow) error
	Flush() error
	Close() error
}

// TextWriter is a FlowWriter of text lines (CSV, JSON lines) whose lines
// can be made apart from writing them, on other goroutines: the engine
// encodes on whichever core has time (engine.RunText).
type TextWriter interface {
	FlowWriter
	// AppendRecords appends the lines of flows to dst, exactly as Write
	// would write them. It reads only the schema and the flows, so it is
	// safe for concurrent use, also beside WriteRecords.
	AppendRecords(dst []byte, flows []features.Flow) []byte
	// WriteRecords writes lines made by AppendRecords (after the header,
	// for CSV).
	WriteRecords(text []byte) error
}

// writeRecords writes text straight to the io.Writer after what the
// buffer holds.
func (t *textWriter) writeRecords(text []byte) error {
	if err := t.flushBuf(); err != nil {
		return err
	}
	n, err := t.w.Write(text)
	if err == nil && n < len(text) {
		err = io.ErrShortWrite
	}
	t.err = err
	return err
}

var (
	// ErrBadSchema reports a schema a writer cannot encode: no columns, an
	// unknown Kind, a missing getter for the Kind, an empty or duplicate name.
	ErrBadSchema = errors.New("formats: bad schema")
	// ErrNilFlow reports a nil *features.Flow in a batch.
	ErrNilFlow = errors.New("formats: nil flow")
	// ErrClosed reports use of a writer or file after Close, Commit or Abort.
	ErrClosed = errors.New("formats: already closed")
	// ErrUnknownFormat reports a format name NewFlowWriter does not know.
	ErrUnknownFormat = errors.New("formats: unknown format")
)

// Formats lists the names NewFlowWriter accepts.
var Formats = []string{"csv", "jsonl", "parquet"}

// NewFlowWriter returns the writer for format "csv", "jsonl" or "parquet"
// (Parquet with default ParquetOptions), after ValidateSchema (csv) or
// ValidateUnique (jsonl, parquet). All three only need an io.Writer,
// but Parquet output is only useful as a whole file: standard output ("-o -")
// is meant for csv and jsonl, whose lines can be streamed to a pipe.
func NewFlowWriter(format string, w io.Writer, s *features.Schema) (FlowWriter, error) {
	switch format {
	case "csv":
		if err := ValidateSchema(s); err != nil {
			return nil, err
		}
		return NewCSVWriter(w, s), nil
	case "jsonl", "json", "ndjson":
		if err := ValidateUnique(s); err != nil {
			return nil, err
		}
		return NewJSONLWriter(w, s), nil
	case "parquet":
		return NewParquetWriter(w, s, ParquetOptions{})
	}
	return nil, fmt.Errorf("%w %q (want csv, jsonl or parquet)", ErrUnknownFormat, format)
}

// ValidateSchema checks that every column of s can be written: a known
// Kind, the getter that Kind needs, and a non-empty name. Repeated names
// are allowed here, because a CSV header may repeat one (the CIC-IDS2017
// files have "Fwd Header Length" twice); the JSON lines and Parquet writers
// also need unique names, see ValidateUnique and Schema.Deduplicated.
func ValidateSchema(s *features.Schema) error {
	if s == nil || len(s.Columns) == 0 {
		return fmt.Errorf("%w: no columns", ErrBadSchema)
	}
	for i := range s.Columns {
		c := &s.Columns[i]
		if c.Name == "" {
			return fmt.Errorf("%w: column %d has no name", ErrBadSchema, i)
		}
		var ok bool
		switch c.Kind {
		case features.KindInt, features.KindTime:
			ok = c.Int != nil
		case features.KindFloat:
			ok = c.Float != nil
		case features.KindString:
			ok = c.String != nil
		case features.KindAddr:
			ok = c.Addr != nil
		default:
			return fmt.Errorf("%w: column %q has unknown kind %d", ErrBadSchema, c.Name, c.Kind)
		}
		if !ok {
			return fmt.Errorf("%w: column %q of kind %v has no %v getter", ErrBadSchema, c.Name, c.Kind, c.Kind)
		}
	}
	return nil
}

// ValidateUnique is ValidateSchema plus unique column names, which JSON
// objects and Parquet schemas need.
func ValidateUnique(s *features.Schema) error {
	if err := ValidateSchema(s); err != nil {
		return err
	}
	seen := make(map[string]int, len(s.Columns))
	for i := range s.Columns {
		n := s.Columns[i].Name
		if j, dup := seen[n]; dup {
			return fmt.Errorf("%w: columns %d and %d are both named %q (see features.Schema.Deduplicated)", ErrBadSchema, j, i, n)
		}
		seen[n] = i
	}
	return nil
}

// flushAt is the buffered size at which text writers hand their buffer to
// the io.Writer in the middle of a batch.
const flushAt = 64 << 10

// textWriter is the buffering shared by the CSV and JSON lines writers.
type textWriter struct {
	w      io.Writer
	s      *features.Schema
	buf    []byte
	err    error // sticky
	closed bool
}

func (t *textWriter) init(w io.Writer, s *features.Schema) {
	t.w = w
	t.s = s
	t.buf = make([]byte, 0, flushAt+flushAt/4)
	t.err = ValidateSchema(s)
}

func (t *textWriter) check() error {
	if t.err != nil {
		return t.err
	}
	if t.closed {
		return ErrClosed
	}
	return nil
}

func (t *textWriter) flushBuf() error {
	if len(t.buf) == 0 || t.err != nil {
		return t.err
	}
	n, err := t.w.Write(t.buf)
	if err == nil && n < len(t.buf) {
		err = io.ErrShortWrite
	}
	t.buf = t.buf[:0]
	t.err = err
	return err
}
