package communityid

import (
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowmeter/flowmeter/internal/corpus"
)

// FuzzParse: Parse never panics; whatever it accepts re-renders to the same
// text (base64 exactly, hex up to case) and agrees with encoding/base64 and
// encoding/hex.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"1:wCb3OG7yAFWelaUydu0D+125CLM=",
		"1:c026f7386ef200559e95a53276ed03fb5db908b3",
		"1:C026F7386EF200559E95A53276ED03FB5DB908B3",
		"1:wCb3OG7yAFWelaUydu0D+125CLN=",
		"1:", "", "2:abc", "1:====",
	} {
		f.Add(s)
	}
	// Seed with the peers' IDs from the corpus when it is present.
	if dir, err := corpus.Dir(); err == nil {
		data, _ := os.ReadFile(filepath.Join(dir, "CID_VECTORS.tsv"))
		for _, line := range strings.Split(string(data), "\n") {
			for _, field := range strings.Split(line, "\t") {
				if strings.HasPrefix(field, "1:") {
					f.Add(field)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		x, err := Parse(s)
		y, errB := ParseBytes([]byte(s))
		if x != y || err != errB {
			t.Fatalf("Parse and ParseBytes disagree on %q", s)
		}
		if err != nil {
			if x != (Hash{}) {
				t.Fatalf("Parse(%q) returned %x with error %v", s, x, err)
			}
			return
		}
		switch len(s) {
		case Base64Len:
			if got := string(x.AppendBase64(nil)); got != s {
				t.Fatalf("Parse(%q) re-renders as %q", s, got)
			}
			ref, err := base64.StdEncoding.Strict().DecodeString(s[2:])
			if err != nil || string(ref) != string(x[:]) {
				t.Fatalf("Parse(%q) = %x; encoding/base64 says %x, %v", s, x, ref, err)
			}
		case HexLen:
			if got := string(x.AppendHex(nil)); got != strings.ToLower(s) {
				t.Fatalf("Parse(%q) re-renders as %q", s, got)
			}
			ref, err := hex.DecodeString(s[2:])
			if err != nil || string(ref) != string(x[:]) {
				t.Fatalf("Parse(%q) = %x; encoding/hex says %x, %v", s, x, ref, err)
			}
		default:
			t.Fatalf("Parse accepted %q of length %d", s, len(s))
		}
	})
}

// FuzzSum: Sum never panics, agrees with the literal spec transcription
// (specSum), and is symmetric for non-ICMP protocols.
func FuzzSum(f *testing.F) {
	f.Add(uint16(0), uint8(6), []byte{1, 2, 3, 4}, []byte{5, 6, 7, 8}, uint16(1122), uint16(3344), true)
	f.Add(uint16(1), uint8(1), []byte{192, 168, 0, 89}, []byte{192, 168, 0, 1}, uint16(8), uint16(0), true)
	f.Add(uint16(0), uint8(58), make([]byte, 16), []byte{0xfe, 0x80, 15: 1}, uint16(135), uint16(0), true)
	f.Add(uint16(7), uint8(46), []byte{10, 0, 0, 1}, []byte{10, 0, 0, 1}, uint16(0), uint16(0), false)
	f.Fuzz(func(t *testing.T, seed uint16, proto uint8, a, b []byte, sp, dp uint16, hasPorts bool) {
		src, ok1 := netip.AddrFromSlice(a)
		dst, ok2 := netip.AddrFromSlice(b)
		if !ok1 || !ok2 || src.BitLen() != dst.BitLen() {
			// Malformed input must still not panic.
			_ = New(seed).Sum(proto, src, dst, sp, dp, hasPorts)
			return
		}
		h := New(seed)
		x := h.Sum(proto, src, dst, sp, dp, hasPorts)
		if ref := specSum(seed, proto, src, dst, sp, dp, hasPorts); x != ref {
			t.Fatalf("Sum = %x, spec transcription %x", x, ref)
		}
		if proto != ProtoICMP && proto != ProtoICMPv6 {
			if y := h.Sum(proto, dst, src, dp, sp, hasPorts); x != y {
				t.Fatalf("not symmetric: %x vs %x", x, y)
			}
		}
	})
}
