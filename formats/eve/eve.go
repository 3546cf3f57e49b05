// Package eve reads Suricata eve.json logs (one JSON object per line), plain
// or gzip-compressed, and extracts the fields used to join events to flows.
// Each line is validated and decoded in one pass by zeek.JSONScanner;
// lines with JSON escapes in the keys or values it decodes fall back to a
// gjson ForEach parser.
package eve

import (
	"errors"
	"io"
	"net/netip"
	"strconv"
	"unsafe"

	"github.com/flowmeter/flowmeter/formats/internal/lines"
	"github.com/flowmeter/flowmeter/formats/zeek"
	"github.com/tidwall/gjson"
)

// Sentinel errors; stream errors are wrapped in *ReadError.
var (
	ErrGzip = errors.New("eve: bad gzip stream")
	ErrRead = errors.New("eve: read failed")
)

// ReadError is a fatal stream error at a byte offset of the (decompressed)
// input. Bad lines are never fatal; they are reported as Malformed.
type ReadError struct {
	Offset int64
	Line   int64
	Err    error
}

func (e *ReadError) Error() string {
	return "eve: at byte offset " + strconv.FormatInt(e.Offset, 10) + ": " + e.Err.Error()
}

func (e *ReadError) Unwrap() error { return e.Err }

// Reason says why a line was skipped.
type Reason uint8

const (
	ReasonNone        Reason = iota
	ReasonBadJSON            // not valid JSON
	ReasonNotObject          // valid JSON but not an object
	ReasonLineTooLong        // longer than MaxLineBytes
)

var reasonNames = [...]string{"none", "bad json", "not an object", "line too long"}

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Malformed describes one skipped line.
type Malformed struct {
	Line   int64
	Reason Reason
}

// MaxMalformed caps the Malformed list; MalformedCount keeps counting.
const MaxMalformed = 1000

// Event is one eve.json line. The Event returned by Reader.Next is reused:
// Raw, CommunityID and (for event types not in KnownTypes) Type are borrowed
// and valid until the next call; copy them to keep them. Fields missing
// from the line are zero; Has says which of the optional groups were
// present.
type Event struct {
	Raw         []byte // the line without its newline
	Line        int64  // 1-based line number in the (decompressed) stream
	Type        string // event_type: "flow", "alert", "dns", ...
	FlowID      uint64 // flow_id; 0 when absent
	Timestamp   int64  // timestamp, ns since the Unix epoch
	SrcIP       netip.Addr
	DestIP      netip.Addr
	SrcPort     uint16
	DestPort    uint16
	Proto       uint8  // from "TCP", "UDP", "ICMP", "IPv6-ICMP", "SCTP", ... or a number
	CommunityID []byte // community_id; nil when absent

	// From flow.* (flow events, and the flow object Suricata adds to
	// alerts) or netflow.* (netflow events are one-directional: their
	// pkts/bytes go to the ToServer fields).
	Start, End                   int64 // ns; 0 when absent
	PktsToServer, PktsToClient   int64
	BytesToServer, BytesToClient int64
	Has                          Has
}

// Has flags which optional parts of an Event were present and valid.
type Has uint8

const (
	HasTimestamp Has = 1 << iota
	HasFlowID
	HasTuple   // src_ip and dest_ip
	HasFlow    // a "flow" object
	HasNetflow // a "netflow" object
	HasCounts  // packet and byte counts
	HasStart   // flow.start / netflow.start
	HasEnd     // flow.end / netflow.end
)

// KnownTypes are event types returned as constant strings (no
// allocation, not borrowed).
var KnownTypes = [...]string{"flow", "netflow", "alert", "anomaly", "dns", "http", "tls", "fileinfo",
	"stats", "ssh", "smtp", "dhcp", "drop", "files", "quic", "krb5", "smb", "nfs", "ftp", "ftp_data",
	"tftp", "ike", "rdp", "rfb", "sip", "snmp", "mqtt", "http2", "dnp3", "modbus", "dcerpc", "pgsql",
	"frame", "bittorrent-dht", "arp", "ldap", "websocket", "pop3", "mdns", "doh2", "enip", "template"}

func internType(s string) string {
	for _, k := range KnownTypes {
		if k == s {
			return k
		}
	}
	return s
}

// ProtoNumber maps Suricata's proto field to an IANA number: names
// (case-insensitive "TCP", "UDP", "ICMP", "IPv6-ICMP", "SCTP", "GRE", ...)
// or decimal text. Unknown names give 0. It does not allocate.
func ProtoNumber(s string) uint8 {
	switch len(s) {
	case 3:
		switch {
		case eqFold(s, "tcp"):
			return 6
		case eqFold(s, "udp"):
			return 17
		case eqFold(s, "gre"):
			return 47
		case eqFold(s, "esp"):
			return 50
		}
	case 4:
		switch {
		case eqFold(s, "icmp"):
			return 1
		case eqFold(s, "sctp"):
			return 132
		}
	case 9:
		if eqFold(s, "ipv6-icmp") {
			return 58
		}
	case 6:
		if eqFold(s, "icmpv6") {
			return 58
		}
	}
	n := 0
	if len(s) == 0 || len(s) > 3 {
		return 0
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	if n > 255 {
		return 0
	}
	return uint8(n)
}

func eqFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}

// Reader reads eve.json lines. It is not safe for concurrent use.
type Reader struct {
	lr   *lines.Reader
	ev   Event
	mal  []Malformed
	malN int64
	p    *parser
	sc   zeek.JSONScanner
}

// parser holds the ForEach callbacks as method values created once, so
// parsing a line does not allocate closures.
type parser struct {
	ev      *Event
	visit   func(k, v gjson.Result) bool
	nested  func(k, v gjson.Result) bool
	netflow bool
}

func newParser() *parser {
	p := &parser{}
	p.visit = p.top
	p.nested = p.flow
	return p
}

// NewReader returns a reader over r (plain or gzip, detected by the magic
// bytes 1f 8b).
func NewReader(r io.Reader) (*Reader, error) {
	lr, err := lines.New(r)
	if err != nil {
		return nil, &ReadError{Err: errors.Join(ErrGzip, err)}
	}
	return &Reader{lr: lr, p: newParser()}, nil
}

// Malformed returns the skipped lines so far (at most MaxMalformed).
func (r *Reader) Malformed() []Malformed { return r.mal }

// MalformedCount returns the number of skipped lines so far.
func (r *Reader) MalformedCount() int64 { return r.malN }

func (r *Reader) bad(reason Reason) {
	r.malN++
	if len(r.mal) < MaxMalformed {
		r.mal = append(r.mal, Malformed{Line: r.lr.Line, Reason: reason})
	}
}

// Next returns the next event of any type. Blank lines are skipped; lines
// that are not JSON objects are counted as malformed and skipped. It returns
// io.EOF at the end or a *ReadError if the stream cannot be read. The Event
// is valid until the next call. Each line is validated and decoded in one
// zeek.JSONScanner pass (the grammar of gjson.Valid). Next does not
// allocate, except for lines whose keys or decoded string values contain
// JSON escapes: those are decoded by gjson, which allocates the unescaped
// strings.
func (r *Reader) Next() (*Event, error) {
	for {
		off := r.lr.Off
		line, err := r.lr.Next()
		if err != nil {
			if err == lines.ErrTooLong {
				r.bad(ReasonLineTooLong)
				continue
			}
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, &ReadError{Offset: off, Line: r.lr.Line, Err: errors.Join(ErrRead, err)}
		}
		i := 0
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++
		}
		if i == len(line) {
			continue
		}
		r.ev = Event{Raw: line, Line: r.lr.Line}
		reason, slow := scan(&r.sc, line, &r.ev)
		if reason != ReasonNone {
			r.bad(reason)
			continue
		}
		if slow {
			r.ev = Event{Raw: line, Line: r.lr.Line}
			r.p.parse(line, &r.ev)
		}
		return &r.ev, nil
	}
}

// Parse fills ev's decoded fields from one eve.json object; Raw and Line
// are left alone. It returns ReasonNone, or ReasonBadJSON / ReasonNotObject
// when line is not one valid JSON object (the grammar of gjson.Valid), in
// which case ev's fields are unspecified. It allocates a few small objects
// per call; Reader.Next does not.
func Parse(line []byte, ev *Event) Reason {
	raw, n := ev.Raw, ev.Line
	*ev = Event{Raw: raw, Line: n}
	if isBlank(line) {
		return ReasonBadJSON
	}
	var s zeek.JSONScanner
	reason, slow := scan(&s, line, ev)
	if reason == ReasonNone && slow {
		*ev = Event{Raw: raw, Line: n}
		newParser().parse(line, ev)
	}
	return reason
}

func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// scan validates line (not blank) and fills ev in one zeek.JSONScanner pass
// over its members: the top level, and the members of a "flow" or "netflow"
// object. It returns slow true when a key, or a string value it reads,
// contains JSON escapes; ev is then incomplete and the line must be decoded
// by the gjson parser (which unescapes). Semantics equal the gjson parser's:
// the last of duplicate keys wins, values of the wrong JSON type are
// ignored or give zero as there. It does not allocate.
func scan(s *zeek.JSONScanner, line []byte, ev *Event) (reason Reason, slow bool) {
	switch s.Begin(line) {
	case zeek.ReasonNone:
	case zeek.ReasonNotObject:
		return ReasonNotObject, false
	default:
		return ReasonBadJSON, false
	}
	for {
		k, kesc, v, ok := s.Next()
		if !ok {
			break
		}
		if kesc || slow {
			slow = true
			continue
		}
		switch string(k) {
		case "flow", "netflow":
			if v.Kind != zeek.JSONObject {
				continue
			}
			netflow := k[0] == 'n'
			if netflow {
				ev.Has |= HasNetflow
			} else {
				ev.Has |= HasFlow
			}
			s.Enter()
			for {
				k, kesc, v, ok := s.Next()
				if !ok {
					break
				}
				if kesc || (!slow && !flowMember(ev, k, v, netflow)) {
					slow = true
				}
			}
		default:
			if !topMember(ev, k, v) {
				slow = true
			}
		}
	}
	if !s.Valid() {
		return ReasonBadJSON, false
	}
	if ev.SrcIP.IsValid() && ev.DestIP.IsValid() {
		ev.Has |= HasTuple
	}
	return ReasonNone, slow
}

// topMember applies one top-level member (not flow/netflow) to ev, as
// parser.top does. It returns false for an escaped string value it reads.
func topMember(ev *Event, k []byte, v zeek.JSONValue) bool {
	switch string(k) {
	case "event_type":
		if v.Kind == zeek.JSONString {
			if v.Escaped {
				return false
			}
			ev.Type = internType(unsafeString(v.Raw))
		}
	case "flow_id":
		if v.Kind == zeek.JSONNumber {
			if n, ok := zeek.ParseCount(v.Raw); ok {
				ev.FlowID = n
				ev.Has |= HasFlowID
			}
		}
	case "timestamp":
		if v.Kind == zeek.JSONString {
			if v.Escaped {
				return false
			}
			if ns, ok := zeek.ParseTimestamp(v.Raw); ok {
				ev.Timestamp = ns
				ev.Has |= HasTimestamp
			}
		}
	case "src_ip":
		if v.Escaped {
			return false
		}
		ev.SrcIP = valueAddr(v)
	case "dest_ip":
		if v.Escaped {
			return false
		}
		ev.DestIP = valueAddr(v)
	case "src_port":
		ev.SrcPort = valuePort(v)
	case "dest_port":
		ev.DestPort = valuePort(v)
	case "proto":
		switch v.Kind {
		case zeek.JSONString:
			if v.Escaped {
				return false
			}
			ev.Proto = ProtoNumber(unsafeString(v.Raw))
		case zeek.JSONNumber:
			ev.Proto = ProtoNumber(unsafeString(v.Raw))
		}
	case "community_id":
		if v.Kind == zeek.JSONString {
			if v.Escaped {
				return false
			}
			ev.CommunityID = nil // "" counts as absent, as in the gjson parser
			if len(v.Raw) > 0 {
				ev.CommunityID = v.Raw
			}
		}
	}
	return true
}

// flowMember applies one member of a flow (or netflow) object to ev, as
// parser.flow does. It returns false for an escaped string value it reads.
func flowMember(ev *Event, k []byte, v zeek.JSONValue, netflow bool) bool {
	switch string(k) {
	case "start", "end":
		if v.Kind == zeek.JSONString {
			if v.Escaped {
				return false
			}
			if ns, ok := zeek.ParseTimestamp(v.Raw); ok {
				if k[0] == 's' {
					ev.Start = ns
					ev.Has |= HasStart
				} else {
					ev.End = ns
					ev.Has |= HasEnd
				}
			}
		}
	case "pkts_toserver":
		ev.PktsToServer = valueCount(ev, v)
	case "pkts_toclient":
		ev.PktsToClient = valueCount(ev, v)
	case "bytes_toserver":
		ev.BytesToServer = valueCount(ev, v)
	case "bytes_toclient":
		ev.BytesToClient = valueCount(ev, v)
	case "pkts":
		if netflow {
			ev.PktsToServer = valueCount(ev, v)
		}
	case "bytes":
		if netflow {
			ev.BytesToServer = valueCount(ev, v)
		}
	}
	return true
}

func valueCount(ev *Event, v zeek.JSONValue) int64 {
	if v.Kind != zeek.JSONNumber {
		return 0
	}
	n, ok := zeek.ParseCount(v.Raw)
	if !ok || n > 1<<62 {
		return 0
	}
	ev.Has |= HasCounts
	return int64(n)
}

func valueAddr(v zeek.JSONValue) netip.Addr {
	if v.Kind != zeek.JSONString {
		return netip.Addr{}
	}
	a, _ := zeek.ParseAddr(v.Raw)
	return a
}

func valuePort(v zeek.JSONValue) uint16 {
	if v.Kind != zeek.JSONNumber {
		return 0
	}
	n, ok := zeek.ParseCount(v.Raw)
	if !ok || n > 65535 {
		return 0
	}
	return uint16(n)
}

// The gjson parser below decodes lines whose keys or used string values
// contain JSON escapes (gjson unescapes them, allocating), and is the
// reference the tests and FuzzEveScan compare scan with.

func (p *parser) parse(line []byte, ev *Event) {
	p.ev = ev
	gjson.Parse(unsafeString(line)).ForEach(p.visit)
	if ev.SrcIP.IsValid() && ev.DestIP.IsValid() {
		ev.Has |= HasTuple
	}
	p.ev = nil
}

func (p *parser) top(k, v gjson.Result) bool {
	ev := p.ev
	switch k.Str {
	case "event_type":
		if v.Type == gjson.String {
			ev.Type = internType(v.Str)
		}
	case "flow_id":
		if v.Type == gjson.Number {
			if n, ok := zeek.ParseCount(unsafeBytes(v.Raw)); ok {
				ev.FlowID = n
				ev.Has |= HasFlowID
			}
		}
	case "timestamp":
		if v.Type == gjson.String {
			if ns, ok := zeek.ParseTimestamp(unsafeBytes(v.Str)); ok {
				ev.Timestamp = ns
				ev.Has |= HasTimestamp
			}
		}
	case "src_ip":
		ev.SrcIP = jsonAddr(v)
	case "dest_ip":
		ev.DestIP = jsonAddr(v)
	case "src_port":
		ev.SrcPort = jsonPort(v)
	case "dest_port":
		ev.DestPort = jsonPort(v)
	case "proto":
		switch v.Type {
		case gjson.String:
			ev.Proto = ProtoNumber(v.Str)
		case gjson.Number:
			ev.Proto = ProtoNumber(v.Raw)
		}
	case "community_id":
		if v.Type == gjson.String {
			ev.CommunityID = unsafeBytes(v.Str)
		}
	case "flow":
		if v.IsObject() {
			ev.Has |= HasFlow
			p.netflow = false
			v.ForEach(p.nested)
		}
	case "netflow":
		if v.IsObject() {
			ev.Has |= HasNetflow
			p.netflow = true
			v.ForEach(p.nested)
		}
	}
	return true
}

func (p *parser) flow(k, v gjson.Result) bool {
	ev := p.ev
	switch k.Str {
	case "start":
		if v.Type == gjson.String {
			if ns, ok := zeek.ParseTimestamp(unsafeBytes(v.Str)); ok {
				ev.Start = ns
				ev.Has |= HasStart
			}
		}
	case "end":
		if v.Type == gjson.String {
			if ns, ok := zeek.ParseTimestamp(unsafeBytes(v.Str)); ok {
				ev.End = ns
				ev.Has |= HasEnd
			}
		}
	case "pkts_toserver":
		ev.PktsToServer = p.count(v)
	case "pkts_toclient":
		ev.PktsToClient = p.count(v)
	case "bytes_toserver":
		ev.BytesToServer = p.count(v)
	case "bytes_toclient":
		ev.BytesToClient = p.count(v)
	case "pkts":
		if p.netflow {
			ev.PktsToServer = p.count(v)
		}
	case "bytes":
		if p.netflow {
			ev.BytesToServer = p.count(v)
		}
	}
	return true
}

func (p *parser) count(v gjson.Result) int64 {
	if v.Type != gjson.Number {
		return 0
	}
	n, ok := zeek.ParseCount(unsafeBytes(v.Raw))
	if !ok || n > 1<<62 {
		return 0
	}
	p.ev.Has |= HasCounts
	return int64(n)
}

func jsonAddr(v gjson.Result) netip.Addr {
	if v.Type != gjson.String {
		return netip.Addr{}
	}
	a, _ := zeek.ParseAddr(unsafeBytes(v.Str))
	return a
}

func jsonPort(v gjson.Result) uint16 {
	if v.Type != gjson.Number {
		return 0
	}
	n, ok := zeek.ParseCount(unsafeBytes(v.Raw))
	if !ok || n > 65535 {
		return 0
	}
	return uint16(n)
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func unsafeBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
