package zeek

import (
	"net/netip"

	"github.com/tidwall/gjson"
)

// Conn fills c from a Zeek JSON conn.log line in one pass over its
// top-level members (nested values are skipped). For a record from
// JSONReader.Next it reads the member index Next built while validating the
// line, so Raw is not scanned again; otherwise it scans Raw with a
// JSONScanner. It returns false when ts, id.orig_h or id.resp_h is missing
// or does not parse, or when the line is not a valid JSON object. With
// duplicate keys the last one wins. Strings are views of Raw. A line whose
// keys, or whose string values that Conn reads, contain JSON escapes is
// decoded by gjson instead, which allocates a copy of each escaped string.
// Otherwise Conn does not allocate.
func (r *JSONRecord) Conn(c *Conn) bool {
	*c = Conn{}
	var a connAcc
	a.good = true
	if r.hasIndex() {
		for i := range r.members {
			m := &r.members[i]
			if m.keyEsc {
				return r.connGJSON(c)
			}
			k, v := m.member(r.Raw)
			if !a.add(c, k, v) {
				return r.connGJSON(c)
			}
		}
	} else {
		s := r.sc
		if s == nil {
			s = new(JSONScanner)
		}
		if s.Begin(r.Raw) != ReasonNone {
			return false
		}
		for {
			k, kesc, v, ok := s.Next()
			if !ok {
				break
			}
			if kesc || !a.add(c, k, v) {
				return r.connGJSON(c)
			}
		}
		if !s.Valid() {
			*c = Conn{}
			return false
		}
	}
	if a.protoStr {
		c.Proto = ProtoNumber(a.proto, c.OrigH.Is6() && !c.OrigH.Is4In6())
	}
	c.HasCounts = a.counts == 15
	return a.good && a.have == 7
}

// connAcc accumulates one Conn over the members of a line.
type connAcc struct {
	proto          []byte
	protoStr, good bool
	have, counts   uint8
}

// add applies one member to c. It returns false when the member needs
// gjson's unescaping (an escaped string value Conn reads).
func (a *connAcc) add(c *Conn, k []byte, v JSONValue) bool {
	var st Status
	switch string(k) {
	case "ts":
		if v.Escaped {
			return false
		}
		c.Start, st = valueTime(v)
		a.good = a.good && st == OK
		a.have |= 1
	case "id.orig_h":
		if v.Escaped {
			return false
		}
		c.OrigH, st = valueAddr(v)
		a.good = a.good && st == OK
		a.have |= 2
	case "id.resp_h":
		if v.Escaped {
			return false
		}
		c.RespH, st = valueAddr(v)
		a.good = a.good && st == OK
		a.have |= 4
	case "id.orig_p":
		if p, st := valueCount(v); st == OK && p < 65536 {
			c.OrigP = uint16(p)
		}
	case "id.resp_p":
		if p, st := valueCount(v); st == OK && p < 65536 {
			c.RespP = uint16(p)
		}
	case "proto":
		if v.Escaped {
			return false
		}
		a.proto, a.protoStr = v.Raw, v.Kind == JSONString
	case "duration":
		c.Duration, _ = valueInterval(v)
	case "uid":
		if v.Kind == JSONString {
			if v.Escaped {
				return false
			}
			if len(v.Raw) > 0 { // "" gives nil, as in connGJSON
				c.UID = v.Raw
			}
		}
	case "community_id":
		if v.Kind == JSONString {
			if v.Escaped {
				return false
			}
			if len(v.Raw) > 0 { // "" gives nil, as in connGJSON
				c.CommunityID = v.Raw
			}
		}
	case "orig_pkts":
		a.counts |= valueCountInto(v, &c.OrigPkts, 1)
	case "resp_pkts":
		a.counts |= valueCountInto(v, &c.RespPkts, 2)
	case "orig_ip_bytes":
		a.counts |= valueCountInto(v, &c.OrigIPBytes, 4)
	case "resp_ip_bytes":
		a.counts |= valueCountInto(v, &c.RespIPBytes, 8)
	}
	return true
}

// valueTime is JSONTime for a scanned value (not Escaped).
func valueTime(v JSONValue) (int64, Status) {
	var ns int64
	var ok bool
	switch v.Kind {
	case JSONNull:
		return 0, Unset
	case JSONNumber:
		ns, ok = ParseNanos(v.Raw)
	case JSONString:
		ns, ok = ParseTimestamp(v.Raw)
		if !ok {
			ns, ok = ParseNanos(v.Raw)
		}
	}
	if !ok {
		return 0, Bad
	}
	return ns, OK
}

// valueAddr is JSONAddr for a scanned value (not Escaped).
func valueAddr(v JSONValue) (netip.Addr, Status) {
	switch v.Kind {
	case JSONNull:
		return netip.Addr{}, Unset
	case JSONString:
		if a, ok := ParseAddr(v.Raw); ok {
			return a, OK
		}
	}
	return netip.Addr{}, Bad
}

// valueInterval is JSONInterval for a scanned value.
func valueInterval(v JSONValue) (int64, Status) {
	switch v.Kind {
	case JSONNull:
		return 0, Unset
	case JSONNumber:
		if ns, ok := ParseNanos(v.Raw); ok {
			return ns, OK
		}
	}
	return 0, Bad
}

// valueCount is JSONCount for a scanned value.
func valueCount(v JSONValue) (uint64, Status) {
	switch v.Kind {
	case JSONNull:
		return 0, Unset
	case JSONNumber:
		if u, ok := ParseCount(v.Raw); ok {
			return u, OK
		}
	}
	return 0, Bad
}

func valueCountInto(v JSONValue, dst *int64, bit uint8) uint8 {
	n, st := valueCount(v)
	if st != OK || n > 1<<62 {
		return 0
	}
	*dst = int64(n)
	return bit
}

// connGJSON is the gjson.ForEach implementation of Conn, used for lines
// with JSON escapes (gjson decodes them) and as the reference in tests.
func (r *JSONRecord) connGJSON(c *Conn) bool {
	*c = Conn{}
	var proto gjson.Result
	var have, counts uint8
	good := true
	gjson.Parse(unsafeString(r.Raw)).ForEach(func(k, v gjson.Result) bool {
		var st Status
		switch k.Str {
		case "ts":
			c.Start, st = JSONTime(v)
			good = good && st == OK
			have |= 1
		case "id.orig_h":
			c.OrigH, st = JSONAddr(v)
			good = good && st == OK
			have |= 2
		case "id.resp_h":
			c.RespH, st = JSONAddr(v)
			good = good && st == OK
			have |= 4
		case "id.orig_p":
			if p, st := JSONCount(v); st == OK && p < 65536 {
				c.OrigP = uint16(p)
			}
		case "id.resp_p":
			if p, st := JSONCount(v); st == OK && p < 65536 {
				c.RespP = uint16(p)
			}
		case "proto":
			proto = v
		case "duration":
			c.Duration, _ = JSONInterval(v)
		case "uid":
			if v.Type == gjson.String {
				c.UID = unsafeBytes(v.Str)
			}
		case "community_id":
			if v.Type == gjson.String {
				c.CommunityID = unsafeBytes(v.Str)
			}
		case "orig_pkts":
			counts |= jsonCountInto(v, &c.OrigPkts, 1)
		case "resp_pkts":
			counts |= jsonCountInto(v, &c.RespPkts, 2)
		case "orig_ip_bytes":
			counts |= jsonCountInto(v, &c.OrigIPBytes, 4)
		case "resp_ip_bytes":
			counts |= jsonCountInto(v, &c.RespIPBytes, 8)
		}
		return true
	})
	if proto.Type == gjson.String {
		c.Proto = ProtoNumber(unsafeBytes(proto.Str), c.OrigH.Is6() && !c.OrigH.Is4In6())
	}
	c.HasCounts = counts == 15
	return good && have == 7
}

func jsonCountInto(v gjson.Result, dst *int64, bit uint8) uint8 {
	n, st := JSONCount(v)
	if st != OK || n > 1<<62 {
		return 0
	}
	*dst = int64(n)
	return bit
}
