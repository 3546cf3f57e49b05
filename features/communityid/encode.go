package communityid

import (
	"encoding/base64"
	"encoding/hex"
)

// version is the prefix of every v1 Community ID.
const version = "1:"

// AppendBase64 appends the canonical rendering, "1:" followed by the standard
// padded base64 of x (Base64Len bytes in all), to dst and returns the
// extended slice. It does not allocate when cap(dst)-len(dst) >= Base64Len.
func (x Hash) AppendBase64(dst []byte) []byte {
	dst = append(dst, version...)
	return base64.StdEncoding.AppendEncode(dst, x[:])
}

// AppendHex appends "1:" followed by the lowercase hex of x (HexLen bytes in
// all), the spec's "no base64" form, to dst and returns the extended slice.
// It does not allocate when cap(dst)-len(dst) >= HexLen.
func (x Hash) AppendHex(dst []byte) []byte {
	dst = append(dst, version...)
	return hex.AppendEncode(dst, x[:])
}

// String returns the canonical base64 rendering, e.g.
// "1:wCb3OG7yAFWelaUydu0D+125CLM=". It allocates the string once.
func (x Hash) String() string {
	var buf [Base64Len]byte
	return string(x.AppendBase64(buf[:0]))
}

// IsZero reports whether x is the zero Hash.
func (x Hash) IsZero() bool { return x == Hash{} }

// Parse parses a v1 Community ID in either rendering: "1:" followed by 28
// characters of padded standard base64, or by 40 hex digits (either case).
// Base64 must be canonical (the unused low bits of the last character are
// zero), so Parse(x.String()) == x and no other string parses to x in that
// form. Parse does not allocate; errors are ErrVersion or ErrSyntax.
func Parse(s string) (Hash, error) { return parse(s) }

// ParseBytes is Parse for a byte slice (for example a field of a log line);
// it does not retain b and does not allocate.
func ParseBytes(b []byte) (Hash, error) { return parse(b) }

func parse[T string | []byte](s T) (Hash, error) {
	var x Hash
	if len(s) < 2 || s[0] != '1' || s[1] != ':' {
		return x, ErrVersion
	}
	switch len(s) {
	case Base64Len:
		if !decodeBase64(&x, s[2:]) {
			return Hash{}, ErrSyntax
		}
	case HexLen:
		for i := range x {
			hi, lo := unhex(s[2+2*i]), unhex(s[3+2*i])
			if hi > 0xf || lo > 0xf {
				return Hash{}, ErrSyntax
			}
			x[i] = hi<<4 | lo
		}
	default:
		return x, ErrSyntax
	}
	return x, nil
}

// unhex returns the value of hex digit c, or 0xff.
func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0xff
}

// b64 maps a standard base64 character to its 6-bit value; 0xff otherwise.
var b64 = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// decodeBase64 decodes the 28 characters of s (27 data characters and one
// '=') into x, rejecting non-canonical encodings.
func decodeBase64[T string | []byte](x *Hash, s T) bool {
	if len(s) != 28 || s[27] != '=' {
		return false
	}
	var bad byte
	o := 0
	for i := 0; i < 24; i += 4 {
		a, b, c, d := b64[s[i]], b64[s[i+1]], b64[s[i+2]], b64[s[i+3]]
		bad |= a | b | c | d
		x[o] = a<<2 | b>>4
		x[o+1] = b<<4 | c>>2
		x[o+2] = c<<6 | d
		o += 3
	}
	a, b, c := b64[s[24]], b64[s[25]], b64[s[26]]
	bad |= a | b | c
	x[18] = a<<2 | b>>4
	x[19] = b<<4 | c>>2
	// 0xff marks an invalid character; the low two bits of c are unused and
	// must be zero in a canonical encoding.
	return bad&0xc0 == 0 && c&0x3 == 0
}
