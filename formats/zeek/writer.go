package zeek

import (
	"bufio"
	"bytes"
	"io"
	"time"
	"unicode/utf8"
)

// Column is an extra column appended by Writer: its #fields name and its
// #types type ("count", "interval", "double", "string", "set[string]", ...).
type Column struct {
	Name string
	Type string
}

// TimeFormat is the layout of #open and #close values.
const TimeFormat = "2006-01-02-15-04-05"

// Writer writes Zeek TSV logs: each input record's original columns followed
// by the extra columns. The header (separators, #path) is copied from the
// record's header block and #fields/#types are extended with the extra
// columns; when a record comes from a different header block than the
// previous one, the current block is closed (#close) and a new header block
// is written. Output is buffered; call Close (or Flush) at the end. It is
// not safe for concurrent use.
type Writer struct {
	bw    *bufio.Writer
	extra []Column
	in    *Header // input header of the current output block
	out   *Header // in + extra columns
	kinds []Type  // parsed types of the extra columns
	buf   []byte
	open  bool
	err   error
	// Now returns the time written in #open and #close; nil means
	// time.Now. Zeek writes local time.
	Now func() time.Time
}

// NewWriter returns a writer to w appending the extra columns. in may be
// nil; otherwise its header block is written by the first Write (or by
// Close if nothing is written). NewWriter does not write anything itself.
func NewWriter(w io.Writer, in *Header, extra []Column) *Writer {
	wr := &Writer{bw: bufio.NewWriterSize(w, 64<<10), extra: extra, in: in}
	wr.kinds = make([]Type, len(extra))
	for i, c := range extra {
		wr.kinds[i] = ParseType(c.Type)
	}
	return wr
}

func (w *Writer) now() string {
	if w.Now != nil {
		return w.Now().Format(TimeFormat)
	}
	return time.Now().Format(TimeFormat)
}

// OutHeader returns the header of the block being written (nil before the
// first block).
func (w *Writer) OutHeader() *Header { return w.out }

func (w *Writer) startBlock(in *Header) {
	if w.open {
		w.closeBlock()
	}
	fields := make([]string, 0, len(in.Fields)+len(w.extra))
	types := make([]string, 0, len(in.Fields)+len(w.extra))
	fields = append(fields, in.Fields...)
	for i := range in.Fields {
		t := "string"
		if i < len(in.Types) && in.Types[i] != "" {
			t = in.Types[i]
		}
		types = append(types, t)
	}
	for _, c := range w.extra {
		fields = append(fields, c.Name)
		types = append(types, c.Type)
	}
	out := newHeader(in)
	out.Path = in.Path
	out.setFields(fields)
	out.setTypes(types)
	w.in, w.out = in, out
	w.buf = AppendHeader(w.buf[:0], out, w.now())
	_, w.err = w.bw.Write(w.buf)
	w.open = true
}

func (w *Writer) closeBlock() {
	w.buf = append(w.buf[:0], "#close"...)
	w.buf = append(w.buf, w.out.Separator...)
	w.buf = append(w.buf, w.now()...)
	w.buf = append(w.buf, '\n')
	if _, err := w.bw.Write(w.buf); err != nil && w.err == nil {
		w.err = err
	}
	w.open = false
}

// Write writes rec's values unchanged followed by extraValues, one per extra
// column. An extra value is the plain (unescaped) text: nil writes the unset
// marker, an empty non-nil slice the empty marker, and other text is
// escaped as Zeek does (separator, backslash, control bytes and invalid
// UTF-8 as \xNN; a value equal to a marker gets its first byte escaped). For
// set and vector columns, join the elements with the header's SetSeparator
// before passing them. Write does not allocate except when a new header
// block starts.
func (w *Writer) Write(rec *Record, extraValues [][]byte) error {
	if w.err != nil {
		return w.err
	}
	if w.bw == nil {
		return ErrWriterClosed
	}
	if len(extraValues) != len(w.extra) {
		return ErrExtraValues
	}
	if rec.Header == nil || rec.Header.Fields == nil {
		return ErrNoHeader
	}
	if !w.open || rec.Header != w.in {
		w.startBlock(rec.Header)
	}
	if len(rec.Values) != len(w.in.Fields) {
		return ErrNoHeader
	}
	h := w.out
	b := w.buf[:0]
	for i, v := range rec.Values {
		if i > 0 {
			b = append(b, h.Separator...)
		}
		b = append(b, v...)
	}
	for i, v := range extraValues {
		if len(rec.Values) > 0 || i > 0 {
			b = append(b, h.Separator...)
		}
		b = AppendValue(b, v, h, w.kinds[i].IsContainer())
	}
	b = append(b, '\n')
	w.buf = b
	_, w.err = w.bw.Write(b)
	return w.err
}

// AppendValue appends the plain text v escaped for a Zeek TSV column of
// header h (see Writer.Write). container keeps h.SetSeparator unescaped as
// the element separator. It allocates only if dst must grow.
func AppendValue(dst, v []byte, h *Header, container bool) []byte {
	if v == nil {
		return append(dst, h.UnsetField...)
	}
	if len(v) == 0 {
		return append(dst, h.EmptyField...)
	}
	start := 0
	if bytes.Equal(v, h.UnsetField) || bytes.Equal(v, h.EmptyField) {
		dst = appendHexEscape(dst, v[0])
		start = 1
	}
	sep, set := h.Separator, h.SetSeparator
	for i := start; i < len(v); {
		c := v[i]
		if len(sep) > 0 && c == sep[0] && bytes.HasPrefix(v[i:], sep) {
			for _, s := range sep {
				dst = appendHexEscape(dst, s)
			}
			i += len(sep)
			continue
		}
		if container && len(set) > 0 && c == set[0] && bytes.HasPrefix(v[i:], set) {
			dst = append(dst, set...)
			i += len(set)
			continue
		}
		if c == '\\' || c < 0x20 || c == 0x7f {
			dst = appendHexEscape(dst, c)
			i++
			continue
		}
		if c >= 0x80 {
			r, n := utf8.DecodeRune(v[i:])
			if r == utf8.RuneError && n <= 1 {
				dst = appendHexEscape(dst, c)
				i++
				continue
			}
			dst = append(dst, v[i:i+n]...)
			i += n
			continue
		}
		dst = append(dst, c)
		i++
	}
	return dst
}

// Flush writes buffered data to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if w.bw == nil {
		return ErrWriterClosed
	}
	return w.bw.Flush()
}

// Close writes the header block if nothing was written yet (when NewWriter
// got a header), writes #close, and flushes. It does not close the
// underlying io.Writer.
func (w *Writer) Close() error {
	if w.bw == nil {
		return ErrWriterClosed
	}
	if !w.open && w.in != nil && w.in.Fields != nil && w.err == nil {
		w.startBlock(w.in)
	}
	if w.open {
		w.closeBlock()
	}
	err := w.err
	if ferr := w.bw.Flush(); err == nil {
		err = ferr
	}
	w.bw = nil
	return err
}
