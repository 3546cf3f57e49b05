package zeek

import (
	"bytes"
	"errors"
	"io"
	"net/netip"

	"github.com/flowmeter/flowmeter/formats/internal/lines"
)

// Record is one data line of a Zeek TSV log.
//
// The Record returned by TSVReader.Next is reused: it and every byte slice in
// Values are borrowed and valid only until the next call to Next. Header is
// not reused and may be kept.
type Record struct {
	Header *Header  // the header block this line belongs to
	Values [][]byte // raw (still escaped) values, one per header field
	Line   int64    // 1-based line number in the (decompressed) stream
	// BadFields lists, in column order, the values that do not parse as
	// their column's type. It is only filled by a reader with
	// TSVOptions.Lenient (other readers skip such lines); empty when every
	// value is good. Like Values it is reused by the next call.
	BadFields []int
}

// BadField reports whether value i was found not to parse as its column's
// type (TSVOptions.Lenient readers only). It does not allocate.
func (r *Record) BadField(i int) bool {
	for _, b := range r.BadFields {
		if b == i {
			return true
		}
	}
	return false
}

// Status classifies a field value returned by the typed accessors.
type Status uint8

const (
	OK     Status = iota // a value is present and parsed
	Unset                // the unset marker ("-"): the field is not set
	Empty                // the empty marker ("(empty)"): empty string, set or vector
	Absent               // no such column in this record's header
	Bad                  // the text does not parse as the requested type
)

var statusNames = [...]string{"ok", "unset", "empty", "absent", "bad"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "status?"
}

// Raw returns column i's raw text and its status (OK, Unset, Empty or
// Absent). Empty values return an empty slice.
func (r *Record) Raw(i int) ([]byte, Status) {
	if i < 0 || i >= len(r.Values) {
		return nil, Absent
	}
	v := r.Values[i]
	h := r.Header
	if bytes.Equal(v, h.UnsetField) {
		return nil, Unset
	}
	if bytes.Equal(v, h.EmptyField) {
		return v[:0], Empty
	}
	return v, OK
}

// Field is Raw for the named column.
func (r *Record) Field(name string) ([]byte, Status) {
	return r.Raw(r.Header.Index(name))
}

// Time returns a time column as nanoseconds since the Unix epoch, parsed
// exactly from its decimal text. It does not allocate.
func (r *Record) Time(i int) (int64, Status) {
	v, st := r.Raw(i)
	if st != OK {
		return 0, badIfEmpty(st)
	}
	ns, ok := ParseNanos(v)
	if !ok {
		return 0, Bad
	}
	return ns, OK
}

// Interval returns an interval column as nanoseconds. It does not allocate.
func (r *Record) Interval(i int) (int64, Status) { return r.Time(i) }

// Count returns a count column. It does not allocate.
func (r *Record) Count(i int) (uint64, Status) {
	v, st := r.Raw(i)
	if st != OK {
		return 0, badIfEmpty(st)
	}
	u, ok := ParseCount(v)
	if !ok {
		return 0, Bad
	}
	return u, OK
}

// Int returns an int column. It does not allocate.
func (r *Record) Int(i int) (int64, Status) {
	v, st := r.Raw(i)
	if st != OK {
		return 0, badIfEmpty(st)
	}
	n, ok := ParseInt(v)
	if !ok {
		return 0, Bad
	}
	return n, OK
}

// Double returns a double column. It does not allocate on valid input.
func (r *Record) Double(i int) (float64, Status) {
	v, st := r.Raw(i)
	if st != OK {
		return 0, badIfEmpty(st)
	}
	f, ok := ParseDouble(v)
	if !ok {
		return 0, Bad
	}
	return f, OK
}

// Addr returns an addr column. It does not allocate for addresses without
// an IPv6 zone.
func (r *Record) Addr(i int) (netip.Addr, Status) {
	v, st := r.Raw(i)
	if st != OK {
		return netip.Addr{}, badIfEmpty(st)
	}
	a, ok := ParseAddr(v)
	if !ok {
		return netip.Addr{}, Bad
	}
	return a, OK
}

// Port returns a port column. It does not allocate.
func (r *Record) Port(i int) (uint16, Status) {
	v, st := r.Raw(i)
	if st != OK {
		return 0, badIfEmpty(st)
	}
	p, ok := ParsePort(v)
	if !ok {
		return 0, Bad
	}
	return p, OK
}

// Bool returns a bool column (T/F). It does not allocate.
func (r *Record) Bool(i int) (bool, Status) {
	v, st := r.Raw(i)
	if st != OK {
		return false, badIfEmpty(st)
	}
	b, ok := ParseBool(v)
	if !ok {
		return false, Bad
	}
	return b, OK
}

// String appends column i's text, with Zeek's \xNN escapes decoded, to dst
// and returns it. An empty string has status Empty. It allocates only if dst
// must grow.
func (r *Record) String(i int, dst []byte) ([]byte, Status) {
	v, st := r.Raw(i)
	if st != OK {
		return dst, st
	}
	return AppendUnescaped(dst, v), OK
}

// Elems appends the elements of a set or vector column to dst and returns
// it. Elements are borrowed (valid until Next) and still escaped: decode a
// string element with AppendUnescaped and a number with ParseCount etc. An
// empty container has status Empty. It allocates only if dst must grow.
func (r *Record) Elems(i int, dst [][]byte) ([][]byte, Status) {
	v, st := r.Raw(i)
	if st != OK {
		return dst, st
	}
	return splitAppend(dst, v, r.Header.SetSeparator), OK
}

func badIfEmpty(st Status) Status {
	if st == Empty {
		return Bad // numbers and addresses are never "(empty)"
	}
	return st
}

// splitAppend appends the parts of v separated by sep to dst.
func splitAppend(dst [][]byte, v, sep []byte) [][]byte {
	if len(sep) == 1 {
		// One pass; faster than IndexByte per field for short fields.
		c := sep[0]
		start := 0
		for i := 0; i < len(v); i++ {
			if v[i] == c {
				dst = append(dst, v[start:i:i])
				start = i + 1
			}
		}
		return append(dst, v[start:len(v):len(v)])
	}
	if len(sep) == 0 {
		return append(dst, v)
	}
	for {
		i := bytes.Index(v, sep)
		if i < 0 {
			return append(dst, v)
		}
		dst = append(dst, v[:i])
		v = v[i+len(sep):]
	}
}

// TSVReader reads Zeek ASCII (TSV) logs, plain or gzip-compressed (detected
// by the magic bytes), one line at a time; it never holds the whole input.
// Bad lines are skipped and reported through Malformed; they are never
// fatal. It is not safe for concurrent use.
type TSVReader struct {
	lr       *lines.Reader
	hdr      *Header
	hdrUsed  bool // a record or #close referred to hdr: the next directive starts a new block
	validate bool
	lenient  bool
	rec      Record
	elems    [][]byte
	mal      malformedLog
}

// TSVOptions configure a TSVReader. The zero value is the default.
type TSVOptions struct {
	// NoValidate skips checking each value against its column's type. Lines
	// with the wrong number of fields are still skipped.
	NoValidate bool
	// Lenient keeps lines whose values do not parse as their column's type
	// (a masked timestamp, a bad address) instead of skipping them, and
	// lists the offending columns in Record.BadFields, so that a caller can
	// decide per field. Lines with the wrong number of fields are still
	// skipped. Ignored with NoValidate.
	Lenient bool
}

// NewTSVReader returns a reader over r. It reads the first bytes to detect
// gzip; a bad gzip header returns an error wrapping ErrGzip.
func NewTSVReader(r io.Reader, opt TSVOptions) (*TSVReader, error) {
	lr, err := lines.New(r)
	if err != nil {
		return nil, &ReadError{Err: errors.Join(ErrGzip, err)}
	}
	return &TSVReader{lr: lr, validate: !opt.NoValidate, lenient: opt.Lenient && !opt.NoValidate}, nil
}

// Header returns the header block read last (nil before the first
// directive).
func (r *TSVReader) Header() *Header { return r.hdr }

// Malformed returns the skipped lines so far (at most MaxMalformed).
func (r *TSVReader) Malformed() []Malformed { return r.mal.list }

// MalformedCount returns the number of skipped lines so far.
func (r *TSVReader) MalformedCount() int64 { return r.mal.count }

// Next returns the next data record, skipping directives, empty lines and
// malformed lines. It returns io.EOF at the end, or a *ReadError if the
// stream cannot be read. The Record and its bytes are valid until the next
// call. Next does not allocate for data lines (directives allocate their
// Header).
func (r *TSVReader) Next() (*Record, error) {
	for {
		line, err := nextLine(r.lr, &r.mal)
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			continue
		}
		if d, ok := trimDirective(line); ok {
			r.directive(d)
			continue
		}
		h := r.hdr
		if h == nil || h.Fields == nil {
			r.mal.add(r.lr.Line, ReasonNoHeader, -1)
			continue
		}
		vals := splitAppend(r.rec.Values[:0], line, h.Separator)
		r.rec.Values = vals
		if len(vals) != len(h.Fields) {
			r.mal.add(r.lr.Line, ReasonFieldCount, -1)
			continue
		}
		r.rec.BadFields = r.rec.BadFields[:0]
		if r.lenient {
			for i := 0; i < len(vals); {
				bad := r.check(h, vals, i)
				if bad < 0 {
					break
				}
				r.rec.BadFields = append(r.rec.BadFields, bad)
				i = bad + 1
			}
		} else if r.validate {
			if bad := r.check(h, vals, 0); bad >= 0 {
				r.mal.add(r.lr.Line, ReasonBadValue, bad)
				continue
			}
		}
		r.hdrUsed = true
		r.rec.Header = h
		r.rec.Line = r.lr.Line
		return &r.rec, nil
	}
}

// check returns the index of the first value from index from on that does
// not parse as its column type, or -1.
func (r *TSVReader) check(h *Header, vals [][]byte, from int) int {
	for i := from; i < len(vals); i++ {
		v := vals[i]
		t := h.Parsed[i]
		switch t.Kind {
		case KindUnknown, KindString, KindEnum, KindPattern:
			continue
		}
		if bytes.Equal(v, h.UnsetField) {
			continue
		}
		if t.IsContainer() {
			if bytes.Equal(v, h.EmptyField) {
				continue
			}
			switch t.Elem {
			case KindUnknown, KindString, KindEnum, KindPattern:
				continue
			}
			r.elems = splitAppend(r.elems[:0], v, h.SetSeparator)
			for _, e := range r.elems {
				if !validScalar(t.Elem, e) {
					return i
				}
			}
			continue
		}
		if !validScalar(t.Kind, v) {
			return i
		}
	}
	return -1
}

// directive applies one header line ("#name<sep>value").
func (r *TSVReader) directive(line []byte) {
	cur := r.hdr
	sep := DefaultSeparator
	if cur != nil {
		sep = cur.Separator
	}
	name, value := splitDirective(line, sep)
	switch string(name) {
	case "separator", "set_separator", "empty_field", "unset_field", "path", "open", "fields", "types":
	case "close":
		if cur != nil {
			cur.Close = string(value)
			r.hdrUsed = true
		}
		return
	default:
		return // comments and unknown directives are ignored
	}
	// A new block starts at the first directive, at any directive after
	// records or #close, and at a repeated #separator or #fields.
	if cur == nil || r.hdrUsed ||
		(string(name) == "separator" && (cur.Fields != nil || cur.Path != "" || cur.Open != "")) ||
		(string(name) == "fields" && cur.Fields != nil) {
		cur = newHeader(cur)
		r.hdr = cur
		r.hdrUsed = false
	}
	switch string(name) {
	case "separator":
		if s := parseSeparatorValue(value); len(s) > 0 {
			cur.Separator = s
		} else {
			r.mal.add(r.lr.Line, ReasonBadHeader, -1)
		}
	case "set_separator":
		cur.SetSeparator = AppendUnescaped(nil, value)
	case "empty_field":
		cur.EmptyField = AppendUnescaped(nil, value)
	case "unset_field":
		cur.UnsetField = AppendUnescaped(nil, value)
	case "path":
		cur.Path = string(value)
	case "open":
		cur.Open = string(value)
	case "fields":
		cur.setFields(splitStrings(value, cur.Separator))
		cur.Types = nil
	case "types":
		cur.setTypes(splitStrings(value, cur.Separator))
		if len(cur.Types) != len(cur.Fields) {
			r.mal.add(r.lr.Line, ReasonBadHeader, -1)
		}
	}
}
