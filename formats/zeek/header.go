package zeek

import (
	"bytes"
)

// Header is one header block of a Zeek TSV log: the directives that precede
// the records. A stream can hold several blocks (a new #separator or #fields
// after records, or anything after #close, starts a new one); every Record
// points to the Header of its block. A Header is never modified once a
// record that points to it has been returned, except for Close, which is
// set when the block's #close line is read. Headers are allocated once per
// block and may be retained.
type Header struct {
	Separator    []byte // #separator, unescaped; default "\t"
	SetSeparator []byte // #set_separator; default ","
	EmptyField   []byte // #empty_field; default "(empty)"
	UnsetField   []byte // #unset_field; default "-"
	Path         string // #path
	Open         string // #open, as written ("2020-10-06-17-32-56")
	Close        string // #close, as written; empty until read
	Fields       []string
	Types        []string // #types as written ("set[string]"), one per field when present
	Parsed       []Type   // parsed Types, always len(Fields); KindUnknown where #types is missing
	index        map[string]int
	conn         *connIndex // conn.log column indexes, computed on first use
}

// Default Zeek ASCII writer settings.
var (
	DefaultSeparator    = []byte("\t")
	DefaultSetSeparator = []byte(",")
	DefaultEmptyField   = []byte("(empty)")
	DefaultUnsetField   = []byte("-")
)

func newHeader(prev *Header) *Header {
	h := &Header{
		Separator:    DefaultSeparator,
		SetSeparator: DefaultSetSeparator,
		EmptyField:   DefaultEmptyField,
		UnsetField:   DefaultUnsetField,
	}
	if prev != nil {
		h.Separator, h.SetSeparator = prev.Separator, prev.SetSeparator
		h.EmptyField, h.UnsetField = prev.EmptyField, prev.UnsetField
		h.Path = prev.Path
	}
	return h
}

// NewHeader builds a header with Zeek's default separators for the given
// path, field names and #types strings (types may be nil). It is meant for
// writing logs whose input was not a Zeek TSV log.
func NewHeader(path string, fields, types []string) *Header {
	h := newHeader(nil)
	h.Path = path
	h.setFields(fields)
	if types != nil {
		h.setTypes(types)
	}
	return h
}

func (h *Header) setFields(f []string) {
	h.Fields = f
	h.index = make(map[string]int, len(f))
	for i, n := range f {
		if _, dup := h.index[n]; !dup {
			h.index[n] = i
		}
	}
	h.conn = nil
	h.connIdx()
	h.fixParsed()
}

func (h *Header) setTypes(t []string) {
	h.Types = t
	h.fixParsed()
}

func (h *Header) fixParsed() {
	h.Parsed = make([]Type, len(h.Fields))
	for i := range h.Parsed {
		if i < len(h.Types) {
			h.Parsed[i] = ParseType(h.Types[i])
		}
	}
}

// Index returns the column of the named field, or -1. It does not allocate
// (a []byte name converted with string(b) in the call does not allocate
// either).
func (h *Header) Index(name string) int {
	if i, ok := h.index[name]; ok {
		return i
	}
	return -1
}

// TypeOf returns the parsed type of column i (KindUnknown if out of range).
func (h *Header) TypeOf(i int) Type {
	if i < 0 || i >= len(h.Parsed) {
		return Type{}
	}
	return h.Parsed[i]
}

// parseSeparatorValue decodes the value of "#separator \x09".
func parseSeparatorValue(v []byte) []byte {
	return AppendUnescaped(nil, v)
}

// splitDirective splits "#name<sep>value" into name and value. The first
// occurrence of sep ends the name; "#separator" uses a space. It accepts a
// space where sep is expected, as hand-edited logs do.
func splitDirective(line, sep []byte) (name, value []byte) {
	body := line[1:]
	i, w := -1, 0
	if len(sep) > 0 {
		i, w = bytes.Index(body, sep), len(sep)
	}
	if j := bytes.IndexByte(body, ' '); j >= 0 && (i < 0 || j < i) {
		i, w = j, 1
	}
	if i < 0 {
		return body, nil
	}
	return body[:i], body[i+w:]
}

func splitStrings(v, sep []byte) []string {
	if len(sep) == 0 {
		return []string{string(v)}
	}
	parts := bytes.Split(v, sep)
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out
}

// AppendHeader appends h as Zeek writes it: #separator, #set_separator,
// #empty_field, #unset_field, #path, #open, #fields, #types. open is the
// #open value to write (Zeek's format is "2006-01-02-15-04-05").
func AppendHeader(dst []byte, h *Header, open string) []byte {
	sep := h.Separator
	dst = append(dst, "#separator "...)
	for _, c := range sep {
		dst = appendHexEscape(dst, c)
	}
	dst = append(dst, '\n')
	dirs := [...]struct {
		name string
		val  []byte
	}{{"set_separator", h.SetSeparator}, {"empty_field", h.EmptyField}, {"unset_field", h.UnsetField}}
	for _, d := range dirs {
		dst = append(dst, '#')
		dst = append(dst, d.name...)
		dst = append(dst, sep...)
		dst = appendEscapedHeaderValue(dst, d.val, sep)
		dst = append(dst, '\n')
	}
	dst = append(dst, "#path"...)
	dst = append(dst, sep...)
	dst = appendEscapedHeaderValue(dst, []byte(h.Path), sep)
	dst = append(dst, '\n')
	dst = append(dst, "#open"...)
	dst = append(dst, sep...)
	dst = append(dst, open...)
	dst = append(dst, '\n')
	dst = append(dst, "#fields"...)
	for _, f := range h.Fields {
		dst = append(dst, sep...)
		dst = appendEscapedHeaderValue(dst, []byte(f), sep)
	}
	dst = append(dst, '\n')
	dst = append(dst, "#types"...)
	for i := range h.Fields {
		dst = append(dst, sep...)
		t := "string"
		if i < len(h.Types) && h.Types[i] != "" {
			t = h.Types[i]
		}
		dst = append(dst, t...)
	}
	return append(dst, '\n')
}

func appendEscapedHeaderValue(dst, v, sep []byte) []byte {
	for i := 0; i < len(v); i++ {
		if len(sep) > 0 && bytes.HasPrefix(v[i:], sep) {
			for _, c := range sep {
				dst = appendHexEscape(dst, c)
			}
			i += len(sep) - 1
			continue
		}
		c := v[i]
		if c < 0x20 || c == 0x7f {
			dst = appendHexEscape(dst, c)
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// trimDirective returns the line with leading spaces/tabs removed if the
// first other byte is '#'; Zeek never starts a data line with a blank, but
// hand-edited logs sometimes indent their first directive.
func trimDirective(line []byte) ([]byte, bool) {
	if len(line) > 0 && line[0] == '#' {
		return line, true
	}
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i > 0 && i < len(line) && line[i] == '#' {
		return line[i:], true
	}
	return line, false
}
