package zeek

import (
	"encoding/binary"
	"math/bits"
)

// JSONKind is the type of a JSON value found by a JSONScanner.
type JSONKind uint8

const (
	JSONNone   JSONKind = iota // no value (end of object or error)
	JSONString                 // Raw is the contents between the quotes, still escaped when Escaped
	JSONNumber                 // Raw is the number's text
	JSONTrue
	JSONFalse
	JSONNull
	JSONObject // not consumed yet: call Enter to read its members, or it is skipped
	JSONArray  // not consumed yet: it is skipped (and validated) by the next Next
)

// JSONValue is one member value found by JSONScanner.Next. Raw is borrowed
// from the scanned line.
type JSONValue struct {
	Kind    JSONKind
	Escaped bool   // a JSONString whose contents contain backslash escapes
	Raw     []byte // JSONString: contents without quotes; JSONNumber: its text; else nil
}

// scanner states.
const (
	stFirst   uint8 = iota // after '{': a member or '}' expected
	stSep                  // after a member's value: ',' or '}' expected
	stPending              // the last value returned is a container not yet consumed
	stDone                 // the top-level object and trailing blanks ended the line
	stErr                  // the line is not valid JSON
)

// JSONScanner reads the members of a one-line JSON object in a single pass
// and validates the whole line as it goes, with the same grammar as
// gjson.Valid (RFC 8259; string bytes >= 0x80 are not checked for UTF-8).
// Containers a caller does not Enter are skipped iteratively, so nesting
// depth is not limited by the goroutine stack.
//
// The zero value is ready to use; reuse one scanner for many lines. It
// allocates only when a line nests containers deeper than any line before
// (the skip stack grows once). Not safe for concurrent use.
type JSONScanner struct {
	b     []byte
	i     int
	level int // objects entered (the top-level object is 1)
	state uint8
	stack []byte // '{' / '[' of containers being skipped
}

// Begin starts scanning line, which must not be blank. It returns
// ReasonNone when the line starts (after blanks) with '{' — members are then
// read with Next — ReasonNotObject when the line is some other valid JSON
// value and ReasonBadJSON otherwise.
func (s *JSONScanner) Begin(line []byte) Reason {
	s.b = line
	s.i = skipWS(line, 0)
	s.level = 0
	if s.i < len(line) && line[s.i] == '{' {
		s.i++
		s.level = 1
		s.state = stFirst
		return ReasonNone
	}
	s.state = stErr
	if i, ok := s.skip(s.i); ok && skipWS(line, i) == len(line) {
		return ReasonNotObject
	}
	return ReasonBadJSON
}

// Valid reports whether the whole line was valid JSON. It is meaningful
// once Next has returned false at the top level.
func (s *JSONScanner) Valid() bool { return s.state == stDone }

// Enter descends into the object value just returned by Next (Kind
// JSONObject): the following Next calls return its members, then false once
// at its end, after which Next continues with the enclosing object. It
// reports false (and does nothing) when the last value was not an object.
func (s *JSONScanner) Enter() bool {
	if s.state != stPending || s.b[s.i] != '{' {
		return false
	}
	s.i++
	s.level++
	s.state = stFirst
	return true
}

// Next returns the next member of the current object: its key (without
// quotes, still escaped when keyEsc) and value. It returns ok false at the
// end of the current object or at the first syntax error; after the
// top-level object has ended, Valid tells which. Next does not allocate
// except as noted on JSONScanner.
func (s *JSONScanner) Next() (key []byte, keyEsc bool, v JSONValue, ok bool) {
	b := s.b
	i := s.i
	switch s.state {
	case stPending:
		var good bool
		if i, good = s.skip(i); !good {
			s.state = stErr
			return
		}
		fallthrough
	case stSep:
		i = skipWS(b, i)
		if i >= len(b) {
			s.state = stErr
			return
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
			if i >= len(b) || b[i] != '"' {
				s.state = stErr
				return
			}
		case '}':
			s.close(i + 1)
			return
		default:
			s.state = stErr
			return
		}
	case stFirst:
		i = skipWS(b, i)
		if i >= len(b) {
			s.state = stErr
			return
		}
		if b[i] == '}' {
			s.close(i + 1)
			return
		}
		if b[i] != '"' {
			s.state = stErr
			return
		}
	default:
		return
	}
	// b[i] == '"': the key.
	end, esc, good := scanString(b, i+1)
	if !good {
		s.state = stErr
		return
	}
	key, keyEsc = b[i+1:end-1], esc
	i = skipWS(b, end)
	if i >= len(b) || b[i] != ':' {
		s.state = stErr
		return
	}
	i = skipWS(b, i+1)
	if i >= len(b) {
		s.state = stErr
		return
	}
	s.state = stSep
	switch c := b[i]; c {
	case '"':
		end, esc, good = scanString(b, i+1)
		if good {
			v = JSONValue{Kind: JSONString, Escaped: esc, Raw: b[i+1 : end-1]}
		}
	case '{':
		v.Kind = JSONObject
		s.state = stPending
		end, good = i, true
	case '[':
		v.Kind = JSONArray
		s.state = stPending
		end, good = i, true
	case 't':
		v.Kind = JSONTrue
		end, good = i+4, i+4 <= len(b) && b[i+1] == 'r' && b[i+2] == 'u' && b[i+3] == 'e'
	case 'f':
		v.Kind = JSONFalse
		end, good = i+5, i+5 <= len(b) && b[i+1] == 'a' && b[i+2] == 'l' && b[i+3] == 's' && b[i+4] == 'e'
	case 'n':
		v.Kind = JSONNull
		end, good = i+4, i+4 <= len(b) && b[i+1] == 'u' && b[i+2] == 'l' && b[i+3] == 'l'
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			end, good = scanNumber(b, i)
			v = JSONValue{Kind: JSONNumber, Raw: b[i:end]}
		}
	}
	if !good {
		s.state = stErr
		return nil, false, JSONValue{}, false
	}
	s.i = end
	return key, keyEsc, v, true
}

// close ends the current object at i (just after its '}').
func (s *JSONScanner) close(i int) {
	s.level--
	if s.level > 0 {
		s.i = i
		s.state = stSep
		return
	}
	if skipWS(s.b, i) != len(s.b) {
		s.state = stErr
		return
	}
	s.i = len(s.b)
	s.state = stDone
}

// ValidJSONObject reports whether line (not blank) is one valid JSON
// object: ReasonNone, ReasonNotObject or ReasonBadJSON, as JSONScanner.Begin
// plus reading every member would. It does not allocate (see JSONScanner).
func (s *JSONScanner) ValidJSONObject(line []byte) Reason {
	if r := s.Begin(line); r != ReasonNone {
		return r
	}
	i, ok := s.skip(s.i - 1)
	if !ok || skipWS(line, i) != len(line) {
		s.state = stErr
		return ReasonBadJSON
	}
	s.state = stDone
	return ReasonNone
}

func skipWS(b []byte, i int) int {
	if i < len(b) && b[i] > ' ' {
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// scanString scans a JSON string whose opening quote is at i-1. It returns
// the index just past the closing quote and whether the contents contain
// escapes. Eight bytes at a time it looks for the first quote, backslash or
// control byte (the lowest flagged byte of each SWAR test is exact).
func scanString(b []byte, i int) (end int, esc, ok bool) {
	for {
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			q := x ^ (lsb * '"')
			bs := x ^ (lsb * '\\')
			m := ((q - lsb) &^ q) | ((bs - lsb) &^ bs) | ((x - lsb*0x20) &^ x)
			m &= msb
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				goto special
			}
			i += 8
		}
		for i < len(b) && b[i] != '"' && b[i] != '\\' && b[i] >= 0x20 {
			i++
		}
		if i >= len(b) {
			return i, esc, false
		}
	special:
		switch c := b[i]; {
		case c == '"':
			return i + 1, esc, true
		case c < 0x20:
			return i, esc, false
		}
		// backslash
		esc = true
		i++
		if i >= len(b) {
			return i, esc, false
		}
		switch b[i] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i++
		case 'u':
			if i+5 > len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
				return i, esc, false
			}
			i += 5
		default:
			return i, esc, false
		}
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// scanNumber scans a JSON number starting at i (a '-' or a digit) and
// returns the index just past it.
func scanNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, false
		}
	}
	if b[i] == '0' {
		i++
	} else {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i, true
}

// skip validates and skips one JSON value starting at i (blanks first are
// allowed) and returns the index just past it. Containers are tracked on
// s.stack, not by recursion.
func (s *JSONScanner) skip(i int) (int, bool) {
	b := s.b
	s.stack = s.stack[:0]
	var ok bool
value:
	i = skipWS(b, i)
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; c {
	case '{':
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == '}' {
			i++
			goto closed
		}
		s.stack = append(s.stack, '{')
		goto key
	case '[':
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == ']' {
			i++
			goto closed
		}
		s.stack = append(s.stack, '[')
		goto value
	case '"':
		if i, _, ok = scanString(b, i+1); !ok {
			return i, false
		}
	case 't':
		if !(i+4 <= len(b) && b[i+1] == 'r' && b[i+2] == 'u' && b[i+3] == 'e') {
			return i, false
		}
		i += 4
	case 'f':
		if !(i+5 <= len(b) && b[i+1] == 'a' && b[i+2] == 'l' && b[i+3] == 's' && b[i+4] == 'e') {
			return i, false
		}
		i += 5
	case 'n':
		if !(i+4 <= len(b) && b[i+1] == 'u' && b[i+2] == 'l' && b[i+3] == 'l') {
			return i, false
		}
		i += 4
	default:
		if c != '-' && (c < '0' || c > '9') {
			return i, false
		}
		if i, ok = scanNumber(b, i); !ok {
			return i, false
		}
	}
closed:
	if len(s.stack) == 0 {
		return i, true
	}
	i = skipWS(b, i)
	if i >= len(b) {
		return i, false
	}
	switch top := s.stack[len(s.stack)-1]; b[i] {
	case ',':
		i = skipWS(b, i+1)
		if top == '{' {
			goto key
		}
		goto value
	case '}':
		if top != '{' {
			return i, false
		}
	case ']':
		if top != '[' {
			return i, false
		}
	default:
		return i, false
	}
	s.stack = s.stack[:len(s.stack)-1]
	i++
	goto closed
key:
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	if i, _, ok = scanString(b, i+1); !ok {
		return i, false
	}
	i = skipWS(b, i)
	if i >= len(b) || b[i] != ':' {
		return i, false
	}
	i++
	goto value
}
