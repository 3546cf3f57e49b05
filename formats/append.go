package formats

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// AppendTime appends ns (nanoseconds since the Unix epoch) as an RFC 3339 UTC
// timestamp with exactly nine fractional digits, for example
// 2024-01-01T00:00:00.123456789Z. Every int64 falls within the years
// 1677..2262, so the year always has four digits. It does not allocate
// beyond growing dst, and agrees with
// time.Unix(0, ns).UTC().Format("2006-01-02T15:04:05.000000000Z07:00").
func AppendTime(dst []byte, ns int64) []byte {
	sec := ns / 1e9
	nsec := ns % 1e9
	if nsec < 0 {
		nsec += 1e9
		sec--
	}
	days := sec / 86400
	sod := sec % 86400
	if sod < 0 {
		sod += 86400
		days--
	}
	// Civil date from days since 1970-01-01 (H. Hinnant, "chrono-compatible
	// low-level date algorithms").
	z := days + 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}

	var b [30]byte
	put4(b[0:], int(y))
	b[4] = '-'
	put2(b[5:], int(m))
	b[7] = '-'
	put2(b[8:], int(d))
	b[10] = 'T'
	put2(b[11:], int(sod/3600))
	b[13] = ':'
	put2(b[14:], int(sod/60%60))
	b[16] = ':'
	put2(b[17:], int(sod%60))
	b[19] = '.'
	n := int(nsec)
	for i := 28; i >= 20; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	b[29] = 'Z'
	return append(dst, b[:]...)
}

func put2(b []byte, v int) {
	b[0] = byte('0' + v/10%10)
	b[1] = byte('0' + v%10)
}

func put4(b []byte, v int) {
	b[0] = byte('0' + v/1000%10)
	b[1] = byte('0' + v/100%10)
	b[2] = byte('0' + v/10%10)
	b[3] = byte('0' + v%10)
}

// finite reports whether v is neither NaN nor ±Inf (for which v-v is NaN).
func finite(v float64) bool { return v-v == 0 }

// appendFloat appends the shortest decimal that parses back to exactly v
// (strconv 'g', precision -1), except that a whole number of magnitude
// below 2^53 is written as an integer (1000000, not 1e+06). The caller
// handles NaN and ±Inf. It does not allocate beyond growing dst.
func appendFloat(dst []byte, v float64) []byte {
	// Whole numbers (counts, minima, maxima, zeros: most feature values) take
	// the integer path, several times faster than appendShortest; the text
	// parses back to the same float64, and -0 keeps its sign below.
	if i := int64(v); float64(i) == v && i > -1<<53 && i < 1<<53 && (i != 0 || !math.Signbit(v)) {
		return appendInt(dst, i)
	}
	return appendShortest(dst, v)
}

// digits2 holds the two digits of 0..99.
const digits2 = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// appendInt appends v in decimal, byte for byte as strconv.AppendInt(dst,
// v, 10), about twice as fast on feature values (half of them one digit).
// It does not allocate beyond growing dst.
func appendInt(dst []byte, v int64) []byte {
	if uint64(v) < 10 { // small enough to inline
		return append(dst, byte('0'+v))
	}
	return appendIntSlow(dst, v)
}

func appendIntSlow(dst []byte, v int64) []byte {
	if v < 0 {
		return appendUint(append(dst, '-'), -uint64(v))
	}
	return appendUint(dst, uint64(v))
}

// appendUint appends u in decimal, as strconv.AppendUint(dst, u, 10).
//
// Below 1e8 it stores all eight digits of digits8 at once, shifted so that
// the leading zeros fall off the end, and keeps the significant ones; that
// store needs 8 bytes of spare capacity.
func appendUint(dst []byte, u uint64) []byte {
	if u < 100 {
		// Most feature integers (counts, flags, TTLs, the early-flow
		// sizes' directions) are small: two bytes from a table beat
		// digits8's multiplications.
		if u < 10 {
			return append(dst, byte('0'+u))
		}
		return append(dst, digits2[2*u], digits2[2*u+1])
	}
	if u >= 1e8 {
		return appendUintBig(dst, u)
	}
	v := uint32(u)
	n := decimalLen32(v)
	l := len(dst)
	dst = slices.Grow(dst, 8)
	binary.LittleEndian.PutUint64(dst[l:l+8], digits8(v)>>(8*(8-n)))
	return dst[:l+n]
}

func appendUintBig(dst []byte, u uint64) []byte {
	hi, lo := u/1e8, uint32(u%1e8)
	if hi < 1e8 {
		dst = appendUint(dst, hi)
	} else { // 17 to 20 digits
		dst = appendUint(dst, hi/1e8)
		dst = append8(dst, uint32(hi%1e8))
	}
	return append8(dst, lo)
}

// append8 appends v < 1e8 as exactly eight digits, leading zeros included.
func append8(dst []byte, v uint32) []byte {
	l := len(dst)
	dst = slices.Grow(dst, 8)
	binary.LittleEndian.PutUint64(dst[l:l+8], digits8(v))
	return dst[:l+8]
}

// digits8 returns the eight ASCII digits of v < 1e8, leading zeros
// included, the most significant in the lowest byte (so that a
// little-endian store writes them in reading order). It splits v into
// 16-bit lanes of two digits and then byte lanes of one digit, dividing
// all lanes at once by multiplying by a reciprocal: (x*10486)>>20 = x/100
// for x < 10000 (the lanes are 32 bits apart, far from overflowing), and
// (x*103)>>10 = x/10 for x < 100.
func digits8(v uint32) uint64 {
	x := uint64(v/10000) | uint64(v%10000)<<32
	y := x * 10486 >> 20 & (0x7f | 0x7f<<32)
	x = y | (x-y*100)<<16
	z := x * 103 >> 10 & 0x000f000f000f000f
	x = z | (x-z*10)<<8
	return x + 0x3030303030303030
}

// decimalLen32 is the number of decimal digits of v (1 for 0).
func decimalLen32(v uint32) int {
	n := bits.Len32(v) * 1233 >> 12 // floor(log10(2^len)): the digits, or one less
	if n < len(pow10) && uint64(v) >= pow10[n] {
		n++
	}
	return max(n, 1)
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string literal, quotes included.
// Like encoding/json (without HTML escaping): '"' and '\\' are escaped,
// control characters become \n, \r, \t, \b, \f or \u00XX, U+2028 and U+2029
// become \u2028 and \u2029, and each byte of invalid UTF-8 becomes \ufffd.
// It does not allocate beyond growing dst.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendJSONBodyString(dst, s)
	return append(dst, '"')
}

func appendJSONBodyString(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendJSONEscapeByte(dst, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// appendJSONBodyBytes is appendJSONBodyString for a byte slice, read in
// place through a string view (no copy). s must not overlap the part of
// dst's backing array that is written.
func appendJSONBodyBytes(dst []byte, s []byte) []byte {
	return appendJSONBodyString(dst, unsafe.String(unsafe.SliceData(s), len(s)))
}

// jsonClean reports whether s can be put between quotes as it is.
func jsonClean(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			if c >= utf8.RuneSelf {
				return jsonCleanUTF8(s)
			}
			return false
		}
	}
	return true
}

func jsonCleanUTF8(s []byte) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}

func appendJSONEscapeByte(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

// escapeTail rewrites dst[p:] (raw bytes just appended by a getter) into
// its JSON string body in place. The escaped form is built after the raw
// bytes and then moved down, so it needs no scratch buffer; it does not
// allocate beyond growing dst.
func escapeJSONTail(dst []byte, p int) []byte {
	if jsonClean(dst[p:]) {
		return dst
	}
	q := len(dst)
	dst = appendJSONBodyBytes(dst, dst[p:q])
	n := copy(dst[p:], dst[q:])
	return dst[:p+n]
}

// csvNeedsQuotes follows encoding/csv's Writer: quote a field that contains
// the separator, a quote, CR or LF, that begins with a space (per
// unicode.IsSpace), or that is exactly `\.`.
func csvNeedsQuotes(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	if len(s) == 2 && s[0] == '\\' && s[1] == '.' {
		return true
	}
	for _, c := range s {
		if c == ',' || c == '"' || c == '\r' || c == '\n' {
			return true
		}
	}
	r, _ := utf8.DecodeRune(s)
	return unicode.IsSpace(r)
}

// appendCSVQuoted appends s between double quotes, doubling inner quotes.
// s must not overlap the part of dst's backing array that is written.
func appendCSVQuoted(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i, c := range s {
		if c == '"' {
			dst = append(dst, s[start:i+1]...)
			dst = append(dst, '"')
			start = i + 1
		}
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// quoteCSVTail rewrites dst[p:] (one raw field just appended) as a CSV
// field, quoting it only when needed. It does not allocate beyond growing
// dst.
func quoteCSVTail(dst []byte, p int) []byte {
	if !csvNeedsQuotes(dst[p:]) {
		return dst
	}
	q := len(dst)
	dst = appendCSVQuoted(dst, dst[p:q])
	n := copy(dst[p:], dst[q:])
	return dst[:p+n]
}
