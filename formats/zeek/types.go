package zeek

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"unsafe"
)

// Kind is a Zeek log type as written in #types (container element types are
// kept separately in Type.Elem).
type Kind uint8

const (
	KindUnknown Kind = iota // a type this package does not interpret; values are kept as text
	KindBool
	KindCount
	KindInt
	KindDouble
	KindTime
	KindInterval
	KindString
	KindEnum
	KindPort
	KindAddr
	KindSubnet
	KindPattern
	KindSet    // set[T] (also table[T] in old logs)
	KindVector // vector[T]
)

var kindNames = [...]string{"unknown", "bool", "count", "int", "double", "time", "interval",
	"string", "enum", "port", "addr", "subnet", "pattern", "set", "vector"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Type is a parsed #types entry. For KindSet and KindVector, Elem is the
// element kind; otherwise Elem is KindUnknown.
type Type struct {
	Kind Kind
	Elem Kind
}

// IsContainer reports whether values of t are split by the set separator.
func (t Type) IsContainer() bool { return t.Kind == KindSet || t.Kind == KindVector }

func scalarKind(s string) Kind {
	switch s {
	case "bool":
		return KindBool
	case "count", "counter":
		return KindCount
	case "int":
		return KindInt
	case "double":
		return KindDouble
	case "time":
		return KindTime
	case "interval":
		return KindInterval
	case "string", "file", "func":
		return KindString
	case "enum":
		return KindEnum
	case "port":
		return KindPort
	case "addr":
		return KindAddr
	case "subnet":
		return KindSubnet
	case "pattern":
		return KindPattern
	}
	return KindUnknown
}

// ParseType parses a #types entry such as "count", "set[string]" or
// "vector[interval]". Unknown names give KindUnknown (values are then not
// validated). It does not allocate.
func ParseType(s string) Type {
	for _, p := range [...]struct {
		prefix string
		kind   Kind
	}{{"set[", KindSet}, {"vector[", KindVector}, {"table[", KindSet}} {
		if strings.HasPrefix(s, p.prefix) && strings.HasSuffix(s, "]") {
			return Type{Kind: p.kind, Elem: scalarKind(s[len(p.prefix) : len(s)-1])}
		}
	}
	return Type{Kind: scalarKind(s)}
}

// unsafeString views b as a string without copying. The string must not
// outlive b's validity and must not be retained by the callee.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// ParseNanos parses a decimal number of seconds ("1601998366.785668",
// "-0.5", "1.5e-06", "12") into integer nanoseconds with exact decimal
// arithmetic (no float rounding); digits below 1 ns are rounded half up
// (away from zero). It is the parser for Zeek time and interval values. ok
// is false for anything else or on int64 overflow (about ±292 years). It
// does not allocate.
func ParseNanos(b []byte) (ns int64, ok bool) {
	if ns, ok := parseNanosFast(b); ok {
		return ns, true
	}
	i := 0
	neg := false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	intStart := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	intEnd := i
	fracStart, fracEnd := i, i
	if i < len(b) && b[i] == '.' {
		i++
		fracStart = i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		fracEnd = i
	}
	nInt, nFrac := intEnd-intStart, fracEnd-fracStart
	if nInt+nFrac == 0 {
		return 0, false
	}
	exp := 0
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			eneg = b[i] == '-'
			i++
		}
		if i == len(b) {
			return 0, false
		}
		for ; i < len(b); i++ {
			c := b[i]
			if c < '0' || c > '9' || exp > 10000 {
				return 0, false
			}
			exp = exp*10 + int(c-'0')
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(b) {
		return 0, false
	}
	// Digits D = int ++ frac; the ns point sits after nsPoint digits of D.
	nD := nInt + nFrac
	digit := func(k int) uint64 {
		if k < nInt {
			return uint64(b[intStart+k] - '0')
		}
		return uint64(b[fracStart+k-nInt] - '0')
	}
	nsPoint := nInt + exp + 9
	var v uint64
	const limit = uint64(math.MaxInt64)
	for k := 0; k < nsPoint; k++ {
		d := uint64(0)
		if k < nD {
			d = digit(k)
		} else if v == 0 {
			break // only zeros follow: the value stays 0
		}
		if v > (limit-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if nsPoint >= 0 && nsPoint < nD && digit(nsPoint) >= 5 {
		if v == limit {
			return 0, false
		}
		v++
	}
	if neg {
		return -int64(v), true
	}
	return int64(v), true
}

// parseNanosFast handles the common "digits[.digits]" form with at most 10
// integer digits (no overflow) and 9 fraction digits; ok false means "use the general path".
func parseNanosFast(b []byte) (int64, bool) {
	var sec int64
	i := 0
	for ; i < len(b); i++ {
		c := b[i]
		if c == '.' {
			break
		}
		if c < '0' || c > '9' || i >= 10 {
			return 0, false
		}
		sec = sec*10 + int64(c-'0')
	}
	if i == 0 || sec > 9223372035 {
		return 0, false
	}
	if i == len(b) {
		return sec * 1e9, true
	}
	f := b[i+1:]
	if len(f) == 0 || len(f) > 9 {
		return 0, false
	}
	var frac int64
	for _, c := range f {
		if c < '0' || c > '9' {
			return 0, false
		}
		frac = frac*10 + int64(c-'0')
	}
	frac *= pow10[9-len(f)]
	return sec*1e9 + frac, true
}

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// ParseCount parses a Zeek count (unsigned decimal). It does not allocate.
func ParseCount(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// ParseInt parses a Zeek int (signed decimal). It does not allocate.
func ParseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	u, ok := ParseCount(b)
	if !ok {
		return 0, false
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// ParseDouble parses a Zeek double. It does not allocate on valid input.
func ParseDouble(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(unsafeString(b), 64)
	return f, err == nil
}

// ParsePort parses a Zeek port: "443", or "443/tcp" as Zeek's input
// framework also accepts (the protocol is ignored). It does not allocate.
func ParsePort(b []byte) (uint16, bool) {
	for i, c := range b {
		if c == '/' {
			b = b[:i]
			break
		}
	}
	u, ok := ParseCount(b)
	if !ok || u > 65535 {
		return 0, false
	}
	return uint16(u), true
}

// ParseBool parses T or F (and 1 or 0, as Zeek's reader does).
func ParseBool(b []byte) (v, ok bool) {
	if len(b) == 1 {
		switch b[0] {
		case 'T', '1':
			return true, true
		case 'F', '0':
			return false, true
		}
	}
	return false, false
}

// ParseAddr parses an IPv4 or IPv6 address. It does not allocate on valid
// input without an IPv6 zone.
func ParseAddr(b []byte) (netip.Addr, bool) {
	a, err := netip.ParseAddr(unsafeString(b))
	return a, err == nil
}

// ParseSubnet parses a Zeek subnet ("10.0.0.0/8").
func ParseSubnet(b []byte) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(unsafeString(b))
	return p, err == nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// HasEscape reports whether b contains a "\x" escape that Unescape would
// decode.
func HasEscape(b []byte) bool {
	for i := 0; i+3 < len(b); i++ {
		if b[i] == '\\' && b[i+1] == 'x' {
			if _, ok := unhex(b[i+2]); ok {
				if _, ok := unhex(b[i+3]); ok {
					return true
				}
			}
		}
	}
	return false
}

// AppendUnescaped appends b to dst with Zeek's "\xNN" escapes decoded (as
// Zeek's get_unescaped_string does; other backslashes are kept). It
// allocates only if dst must grow.
func AppendUnescaped(dst, b []byte) []byte {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\\' && i+3 < len(b) && b[i+1] == 'x' {
			if h, ok := unhex(b[i+2]); ok {
				if l, ok := unhex(b[i+3]); ok {
					dst = append(dst, h<<4|l)
					i += 3
					continue
				}
			}
		}
		dst = append(dst, c)
	}
	return dst
}

const hexDigits = "0123456789abcdef"

func appendHexEscape(dst []byte, c byte) []byte {
	return append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
}

// validScalar reports whether b (not the unset marker) is a valid value of
// kind k. Text kinds and unknown kinds are always valid.
func validScalar(k Kind, b []byte) bool {
	var ok bool
	switch k {
	case KindBool:
		_, ok = ParseBool(b)
	case KindCount:
		_, ok = ParseCount(b)
	case KindInt:
		_, ok = ParseInt(b)
	case KindDouble:
		_, ok = ParseDouble(b)
	case KindTime, KindInterval:
		_, ok = ParseNanos(b)
	case KindPort:
		_, ok = ParsePort(b)
	case KindAddr:
		_, ok = ParseAddr(b)
	case KindSubnet:
		_, ok = ParseSubnet(b)
	default:
		ok = true
	}
	return ok
}

// AppendNanos appends ns as decimal seconds with 6 fraction digits, the way
// Zeek renders time and interval values ("1601998366.785668"); digits below
// 1 µs are rounded half away from zero. It allocates only if dst must grow.
func AppendNanos(dst []byte, ns int64) []byte {
	neg := ns < 0
	u := uint64(ns)
	if neg {
		u = uint64(-ns)
	}
	us := (u + 500) / 1000
	if neg && us != 0 {
		dst = append(dst, '-')
	}
	dst = strconv.AppendUint(dst, us/1e6, 10)
	f := us % 1e6
	var buf [7]byte
	buf[0] = '.'
	for i := 6; i >= 1; i-- {
		buf[i] = byte('0' + f%10)
		f /= 10
	}
	return append(dst, buf[:]...)
}
