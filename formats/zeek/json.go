package zeek

import (
	"errors"
	"io"
	"net/netip"
	"unsafe"

	"github.com/flowmeter/flowmeter/formats/internal/lines"
	"github.com/tidwall/gjson"
)

// JSONRecord is one line of a Zeek JSON log (one object per line with flat
// dotted keys such as "id.orig_h"). The JSONRecord returned by
// JSONReader.Next is reused; Raw is borrowed and valid until the next call.
type JSONRecord struct {
	Raw  []byte // the line, without its newline
	Line int64  // 1-based line number in the (decompressed) stream
	sc   *JSONScanner

	// members indexes the top-level members of Raw; JSONReader.Next builds
	// it while validating the line, so Conn need not scan Raw again.
	members []jsonMember
	idxRaw  []byte // the Raw that members index
}

// jsonMember is one top-level member of a JSONRecord: offsets into Raw of
// the key's contents and of the value (Raw of its JSONValue; 0 when nil).
type jsonMember struct {
	key, keyLen, val, valLen int32
	kind                     JSONKind
	keyEsc, valEsc           bool
}

// hasIndex reports whether members index the current Raw.
func (r *JSONRecord) hasIndex() bool {
	return len(r.idxRaw) == len(r.Raw) && len(r.Raw) > 0 && &r.idxRaw[0] == &r.Raw[0]
}

// member returns the key and value of m as views of raw.
func (m *jsonMember) member(raw []byte) (key []byte, v JSONValue) {
	key = raw[m.key : m.key+m.keyLen]
	v.Kind, v.Escaped = m.kind, m.valEsc
	if m.kind == JSONString || m.kind == JSONNumber {
		v.Raw = raw[m.val : m.val+m.valLen]
	}
	return key, v
}

// Get evaluates a gjson path against the line. Zeek keys contain dots, so
// escape them: `id\.orig_h`. String results without JSON escapes are views
// of Raw (valid until Next); Get itself does not allocate.
func (r *JSONRecord) Get(path string) gjson.Result {
	return gjson.Get(unsafeString(r.Raw), path)
}

// Field returns the top-level member whose key is exactly name ("id.orig_h",
// no path syntax). It scans the object once and does not allocate.
func (r *JSONRecord) Field(name string) gjson.Result {
	var out gjson.Result
	gjson.Parse(unsafeString(r.Raw)).ForEach(func(k, v gjson.Result) bool {
		if k.Str == name {
			out = v
			return false
		}
		return true
	})
	return out
}

// jsonStatus maps a gjson result to Absent (missing key) or Unset (null).
func jsonStatus(v gjson.Result) Status {
	if !v.Exists() {
		return Absent
	}
	if v.Type == gjson.Null {
		return Unset
	}
	return OK
}

// JSONTime converts a Zeek JSON time value to nanoseconds since the epoch: a
// number of epoch seconds (parsed exactly from its text) or an ISO 8601
// string. It does not allocate.
func JSONTime(v gjson.Result) (int64, Status) {
	if st := jsonStatus(v); st != OK {
		return 0, st
	}
	var ns int64
	var ok bool
	switch v.Type {
	case gjson.Number:
		ns, ok = ParseNanos(unsafeBytes(v.Raw))
	case gjson.String:
		ns, ok = ParseTimestamp(unsafeBytes(v.Str))
		if !ok {
			ns, ok = ParseNanos(unsafeBytes(v.Str))
		}
	}
	if !ok {
		return 0, Bad
	}
	return ns, OK
}

// JSONInterval converts a Zeek JSON interval (number of seconds) to
// nanoseconds, exactly. It does not allocate.
func JSONInterval(v gjson.Result) (int64, Status) {
	if st := jsonStatus(v); st != OK {
		return 0, st
	}
	if v.Type != gjson.Number {
		return 0, Bad
	}
	ns, ok := ParseNanos(unsafeBytes(v.Raw))
	if !ok {
		return 0, Bad
	}
	return ns, OK
}

// JSONCount converts a non-negative JSON integer. It does not allocate.
func JSONCount(v gjson.Result) (uint64, Status) {
	if st := jsonStatus(v); st != OK {
		return 0, st
	}
	if v.Type != gjson.Number {
		return 0, Bad
	}
	u, ok := ParseCount(unsafeBytes(v.Raw))
	if !ok {
		return 0, Bad
	}
	return u, OK
}

// JSONAddr converts a JSON string holding an IP address.
func JSONAddr(v gjson.Result) (netip.Addr, Status) {
	if st := jsonStatus(v); st != OK {
		return netip.Addr{}, st
	}
	if v.Type != gjson.String {
		return netip.Addr{}, Bad
	}
	a, ok := ParseAddr(unsafeBytes(v.Str))
	if !ok {
		return netip.Addr{}, Bad
	}
	return a, OK
}

// unsafeBytes views s as bytes without copying; the result must not be
// modified.
func unsafeBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// JSONReader reads Zeek JSON logs (plain or gzip, detected by magic bytes),
// one object per line. Lines that are not valid JSON objects are skipped and
// reported through Malformed. It is not safe for concurrent use.
type JSONReader struct {
	lr  *lines.Reader
	rec JSONRecord
	mal malformedLog
	sc  JSONScanner
}

// NewJSONReader returns a reader over r.
func NewJSONReader(r io.Reader) (*JSONReader, error) {
	lr, err := lines.New(r)
	if err != nil {
		return nil, &ReadError{Err: errors.Join(ErrGzip, err)}
	}
	jr := &JSONReader{lr: lr}
	jr.rec.sc = &jr.sc
	return jr, nil
}

// Malformed returns the skipped lines so far (at most MaxMalformed).
func (r *JSONReader) Malformed() []Malformed { return r.mal.list }

// MalformedCount returns the number of skipped lines so far.
func (r *JSONReader) MalformedCount() int64 { return r.mal.count }

// Next returns the next JSON object line. Empty (all-blank) lines are skipped
// silently; invalid ones are counted as malformed. It returns io.EOF at the
// end or a *ReadError if the stream cannot be read. It does not allocate.
func (r *JSONReader) Next() (*JSONRecord, error) {
	for {
		line, err := nextLine(r.lr, &r.mal)
		if err != nil {
			return nil, err
		}
		i := 0
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++
		}
		if i == len(line) {
			continue
		}
		if reason := r.index(line); reason != ReasonNone {
			r.mal.add(r.lr.Line, reason, -1)
			continue
		}
		r.rec.Raw = line
		r.rec.Line = r.lr.Line
		return &r.rec, nil
	}
}

// index validates line (not blank) with one JSONScanner pass and records
// its top-level members in r.rec.members.
func (r *JSONReader) index(line []byte) Reason {
	rec := &r.rec
	rec.members = rec.members[:0]
	rec.idxRaw = nil
	if reason := r.sc.Begin(line); reason != ReasonNone {
		return reason
	}
	if len(line) > 1<<31-1 {
		return ReasonLineTooLong // unreachable with MaxLineBytes; keeps int32 offsets safe
	}
	c := cap(line)
	for {
		k, kesc, v, ok := r.sc.Next()
		if !ok {
			break
		}
		m := jsonMember{key: int32(c - cap(k)), keyLen: int32(len(k)), kind: v.Kind, keyEsc: kesc, valEsc: v.Escaped}
		if v.Raw != nil {
			m.val, m.valLen = int32(c-cap(v.Raw)), int32(len(v.Raw))
		}
		rec.members = append(rec.members, m)
	}
	if !r.sc.Valid() {
		return ReasonBadJSON
	}
	rec.idxRaw = line
	return ReasonNone
}
