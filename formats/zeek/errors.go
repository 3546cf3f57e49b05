package zeek

import (
	"errors"
	"io"
	"strconv"

	"github.com/flowmeter/flowmeter/formats/internal/lines"
)

// Sentinel errors. Structural problems of a stream are returned wrapped in a
// *ReadError that carries the byte offset; test them with errors.Is.
var (
	// ErrGzip: the stream starts with the gzip magic but is not valid gzip.
	ErrGzip = errors.New("zeek: bad gzip stream")
	// ErrRead: reading the underlying stream failed (the cause is joined).
	ErrRead = errors.New("zeek: read failed")
	// ErrWriterClosed: Write after Close.
	ErrWriterClosed = errors.New("zeek: writer closed")
	// ErrExtraValues: Write got a different number of extra values than columns.
	ErrExtraValues = errors.New("zeek: extra value count does not match extra columns")
	// ErrNoHeader: Write got a record without a header, or a header without fields.
	ErrNoHeader = errors.New("zeek: record has no header")
)

// ReadError is a fatal stream error at a byte offset of the (decompressed)
// input. Bad lines are never fatal; they are reported as Malformed.
type ReadError struct {
	Offset int64 // byte offset of the line being read
	Line   int64 // 1-based number of the last complete line before the error
	Err    error
}

func (e *ReadError) Error() string {
	return "zeek: at byte offset " + strconv.FormatInt(e.Offset, 10) + ": " + e.Err.Error()
}

func (e *ReadError) Unwrap() error { return e.Err }

// Reason says why a line was skipped.
type Reason uint8

const (
	ReasonNone        Reason = iota
	ReasonFieldCount         // TSV: number of values differs from #fields
	ReasonBadValue           // TSV: a value does not parse as its column's #types type
	ReasonNoHeader           // TSV: data line before any #fields directive
	ReasonBadHeader          // TSV: directive with a missing or invalid value
	ReasonBadJSON            // JSON: not valid JSON
	ReasonNotObject          // JSON: valid JSON but not an object
	ReasonLineTooLong        // longer than MaxLineBytes
)

var reasonNames = [...]string{"none", "field count", "bad value", "no header", "bad header",
	"bad json", "not an object", "line too long"}

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Malformed describes one skipped line.
type Malformed struct {
	Line   int64  // 1-based line number in the (decompressed) stream
	Reason Reason // why it was skipped
	Field  int    // index of the offending column for ReasonBadValue, else -1
}

// MaxMalformed caps the list of Malformed entries kept by a reader; the
// counter keeps counting past it.
const MaxMalformed = 1000

type malformedLog struct {
	list  []Malformed
	count int64
}

func (m *malformedLog) add(line int64, r Reason, field int) {
	m.count++
	if len(m.list) < MaxMalformed {
		m.list = append(m.list, Malformed{Line: line, Reason: r, Field: field})
	}
}

func joinRead(err error) error {
	if err == nil {
		return nil
	}
	return errors.Join(ErrRead, err)
}

// MaxLineBytes caps one log line. A longer line is skipped and counted as
// malformed (ReasonLineTooLong); the reader never buffers more than this.
const MaxLineBytes = lines.MaxLineBytes

// nextLine returns the next line of lr for the TSV and JSON readers: a line
// too long to read is counted as malformed and skipped; the end is io.EOF;
// a stream error is a *ReadError at the line's offset.
func nextLine(lr *lines.Reader, mal *malformedLog) ([]byte, error) {
	for {
		off := lr.Off
		line, err := lr.Next()
		switch {
		case err == nil:
			return line, nil
		case err == lines.ErrTooLong:
			mal.add(lr.Line, ReasonLineTooLong, -1)
		case err == io.EOF:
			return nil, io.EOF
		default:
			return nil, &ReadError{Offset: off, Line: lr.Line, Err: joinRead(err)}
		}
	}
}
