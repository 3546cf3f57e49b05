package communityid

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

// The spec README's examples, as literal values (also rows of
// CID_VECTORS.tsv; kept here so the package tests something without the
// corpus).
func TestSpecExamples(t *testing.T) {
	v4a, v4b := netip.MustParseAddr("1.2.3.4"), netip.MustParseAddr("5.6.7.8")
	v6a := netip.MustParseAddr("fe80:0001:0203:0405:0607:0809:0A0B:0C0D")
	v6b := netip.MustParseAddr("fe80:1011:1213:1415:1617:1819:1A1B:1C1D")
	cases := []struct {
		seed         uint16
		proto        uint8
		src, dst     netip.Addr
		sport, dport uint16
		hasPorts     bool
		want         string
	}{
		{0, 6, v4a, v4b, 1122, 3344, true, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
		{0, 6, v4b, v4a, 3344, 1122, true, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
		{0, 17, v4a, v4b, 1122, 3344, true, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
		{0, 132, v4a, v4b, 1122, 3344, true, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="},
		{0, 1, v4a, v4b, 8, 0, true, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="},
		{0, 1, v4b, v4a, 0, 0, true, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="},
		{0, 1, v4a, v4b, 11, 0, true, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk="},
		{0, 58, v6a, v6b, 128, 0, true, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="},
		{0, 58, v6b, v6a, 129, 0, true, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="},
		{0, 58, v6a, v6b, 146, 0, true, "1:fYC8+pz24E+EhANP1EZhpX0Dw10="},
		{0, 46, v4a, v4b, 0, 0, false, "1:ikv3kmf89luf73WPz1jOs49S768="},
		{0, 46, v4b, v4a, 0, 0, false, "1:ikv3kmf89luf73WPz1jOs49S768="},
		{0, 46, v6a, v6b, 0, 0, false, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0="},
		{1, 6, v4a, v4b, 1122, 3344, true, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
		{1, 1, v4a, v4b, 8, 0, true, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU="},
		{1, 46, v6b, v6a, 0, 0, false, "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM="},
		// Port-less protocols ignore ports even when given.
		{0, 46, v4a, v4b, 1122, 3344, true, "1:ikv3kmf89luf73WPz1jOs49S768="},
	}
	for _, c := range cases {
		x := New(c.seed).Sum(c.proto, c.src, c.dst, c.sport, c.dport, c.hasPorts)
		if got := x.String(); got != c.want {
			t.Errorf("seed %d Sum(%d, %v:%d, %v:%d, %v) = %s, want %s",
				c.seed, c.proto, c.src, c.sport, c.dst, c.dport, c.hasPorts, got, c.want)
		}
	}
	// Hex form (spec baseline "no base64" table).
	x := Hasher{}.Sum(6, v4a, v4b, 1122, 3344, true)
	if got := string(x.AppendHex(nil)); got != "1:c026f7386ef200559e95a53276ed03fb5db908b3" {
		t.Errorf("AppendHex = %s", got)
	}
}

// specSum is a literal transcription of the spec's pseudo code and of
// pycommunityid's FlowTuple ordering, using the streaming sha1 API and byte
// slices. It is the differential reference for Sum's fixed-buffer version.
func specSum(seed uint16, proto uint8, src, dst netip.Addr, sport, dport uint16, hasPorts bool) Hash {
	pairs4 := map[uint16]uint16{8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17}
	pairs6 := map[uint16]uint16{128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135,
		130: 131, 131: 130, 139: 140, 140: 139, 144: 145, 145: 144}
	portProto := proto == 6 || proto == 17 || proto == 132 || proto == 1 || proto == 58
	hasPorts = hasPorts && portProto
	oneWay := false
	if hasPorts && (proto == 1 || proto == 58) {
		m := pairs4
		if proto == 58 {
			m = pairs6
		}
		if c, ok := m[sport]; ok {
			dport = c
		} else {
			oneWay = true
		}
	}
	if !hasPorts {
		sport, dport = 0, 0
	}
	sb, db := src.AsSlice(), dst.AsSlice()
	sp, dp := binary.BigEndian.AppendUint16(nil, sport), binary.BigEndian.AppendUint16(nil, dport)
	ordered := oneWay || bytes.Compare(sb, db) < 0 || (bytes.Equal(sb, db) && bytes.Compare(sp, dp) < 0)
	if !ordered {
		sb, db, sp, dp = db, sb, dp, sp
	}
	d := sha1.New()
	d.Write(binary.BigEndian.AppendUint16(nil, seed))
	d.Write(sb)
	d.Write(db)
	d.Write([]byte{proto, 0})
	if hasPorts {
		d.Write(sp)
		d.Write(dp)
	}
	var x Hash
	copy(x[:], d.Sum(nil))
	return x
}

func randAddr(r *rand.Rand, v6 bool) netip.Addr {
	if v6 {
		var b [16]byte
		for i := range b {
			b[i] = byte(r.IntN(4)) // small alphabet: equal prefixes and equal addresses happen
		}
		return netip.AddrFrom16(b)
	}
	return netip.AddrFrom4([4]byte{10, 0, byte(r.IntN(3)), byte(r.IntN(3))})
}

// TestSymmetry: swapping the endpoints gives the same ID for every protocol
// except one-way ICMP types; paired ICMP types are swapped with their
// counterpart. Also checks Sum against specSum.
func TestSymmetry(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	protos := []uint8{6, 17, 132, 1, 58, 46, 47, 0, 255}
	for i := 0; i < 20000; i++ {
		v6 := r.IntN(2) == 0
		a, b := randAddr(r, v6), randAddr(r, v6)
		proto := protos[r.IntN(len(protos))]
		sp, dp := uint16(r.IntN(4)), uint16(r.IntN(4))
		if r.IntN(2) == 0 {
			sp, dp = uint16(r.Uint32()), uint16(r.Uint32())
		}
		hasPorts := r.IntN(8) != 0
		h := New(uint16(r.Uint32()))
		x := h.Sum(proto, a, b, sp, dp, hasPorts)
		if ref := specSum(h.Seed(), proto, a, b, sp, dp, hasPorts); x != ref {
			t.Fatalf("Sum(%d, %v:%d, %v:%d, %v) = %v, spec transcription %v", proto, a, sp, b, dp, hasPorts, x, ref)
		}
		switch {
		case proto == 1 || proto == 58:
			// ICMP: request and reply of a pair share the ID.
			typ := uint16(r.IntN(256))
			var pairs map[uint16]uint16
			if proto == 1 {
				pairs = map[uint16]uint16{8: 0, 13: 14, 15: 16, 10: 9, 17: 18}
			} else {
				pairs = map[uint16]uint16{128: 129, 133: 134, 135: 136, 130: 131, 139: 140, 144: 145}
			}
			for req, rep := range pairs {
				if h.Sum(proto, a, b, req, dp, true) != h.Sum(proto, b, a, rep, sp, true) {
					t.Fatalf("ICMP proto %d pair %d/%d not symmetric for %v, %v", proto, req, rep, a, b)
				}
			}
			_, _, oneWay := icmp4Ports(typ, 0)
			if proto == 58 {
				_, _, oneWay = icmp6Ports(typ, 0)
			}
			if oneWay && a != b && h.Sum(proto, a, b, typ, dp, true) == h.Sum(proto, b, a, typ, dp, true) {
				t.Fatalf("one-way ICMP type %d was reordered", typ)
			}
		default:
			if y := h.Sum(proto, b, a, dp, sp, hasPorts); x != y {
				t.Fatalf("Sum(%d, %v:%d, %v:%d) = %v but swapped = %v", proto, a, sp, b, dp, x, y)
			}
		}
	}
}

// TestAddressForms documents the address rules: zones are ignored,
// IPv4-mapped IPv6 is hashed as 16 bytes (not unmapped), invalid Addrs do
// not panic.
func TestAddressForms(t *testing.T) {
	var h Hasher
	a, b := netip.MustParseAddr("fe80::1"), netip.MustParseAddr("fe80::2")
	if h.Sum(6, a, b, 1, 2, true) != h.Sum(6, a.WithZone("eth0"), b, 1, 2, true) {
		t.Error("zone changed the hash")
	}
	// Equal addresses, one zoned: ports decide the order, not the zone.
	if h.Sum(6, a.WithZone("eth0"), a, 2, 1, true) != h.Sum(6, a, a.WithZone("eth0"), 1, 2, true) {
		t.Error("zone took part in ordering")
	}
	v4 := netip.MustParseAddr("1.2.3.4")
	mapped := netip.AddrFrom16(v4.As16())
	if h.Sum(6, v4, netip.MustParseAddr("5.6.7.8"), 1, 2, true) == h.Sum(6, mapped, netip.AddrFrom16(netip.MustParseAddr("5.6.7.8").As16()), 1, 2, true) {
		t.Error("IPv4-mapped IPv6 hashed like IPv4; it must keep the packet's family")
	}
	_ = h.Sum(6, netip.Addr{}, v4, 1, 2, true) // must not panic
	_ = h.Sum(6, netip.Addr{}, netip.Addr{}, 1, 2, true)
	_ = h.Sum(6, v4, a, 1, 2, true)
}

func TestParse(t *testing.T) {
	var h Hasher
	x := h.Sum(6, netip.MustParseAddr("1.2.3.4"), netip.MustParseAddr("5.6.7.8"), 1122, 3344, true)
	for _, s := range []string{
		"1:wCb3OG7yAFWelaUydu0D+125CLM=",
		"1:c026f7386ef200559e95a53276ed03fb5db908b3",
		"1:C026F7386EF200559E95A53276ED03FB5DB908B3",
	} {
		got, err := Parse(s)
		if err != nil || got != x {
			t.Errorf("Parse(%q) = %x, %v; want %x", s, got, err, x)
		}
		got, err = ParseBytes([]byte(s))
		if err != nil || got != x {
			t.Errorf("ParseBytes(%q) = %x, %v; want %x", s, got, err, x)
		}
	}
	bad := map[string]error{
		"":                                 ErrVersion,
		"1":                                ErrVersion,
		"2:wCb3OG7yAFWelaUydu0D+125CLM=":   ErrVersion,
		"1;wCb3OG7yAFWelaUydu0D+125CLM=":   ErrVersion,
		"1:":                               ErrSyntax,
		"1:wCb3OG7yAFWelaUydu0D+125CLM":    ErrSyntax, // no padding
		"1:wCb3OG7yAFWelaUydu0D+125CLN=":   ErrSyntax, // non-canonical last char
		"1:wCb3OG7yAFWelaUydu0D-125CLM=":   ErrSyntax, // URL alphabet
		"1:wCb3OG7yAFWelaUydu0D+125CL==":   ErrSyntax,
		"1:wCb3OG7yAFWelaUydu0D+125CLM=\n": ErrSyntax,
		"1:c026f7386ef200559e95a53276ed03fb5db908bg": ErrSyntax,
		"1:c026f7386ef200559e95a53276ed03fb5db908b":  ErrSyntax,
		" 1:wCb3OG7yAFWelaUydu0D+125CLM=":            ErrVersion,
	}
	for s, want := range bad {
		if got, err := Parse(s); !errors.Is(err, want) || got != (Hash{}) {
			t.Errorf("Parse(%q) = %x, %v; want zero, %v", s, got, err, want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 1000; i++ {
		var x Hash
		for j := range x {
			x[j] = byte(r.Uint32())
		}
		s := x.String()
		if len(s) != Base64Len || !strings.HasPrefix(s, "1:") {
			t.Fatalf("String() = %q", s)
		}
		if y, err := Parse(s); err != nil || y != x {
			t.Fatalf("Parse(String()) = %x, %v; want %x", y, err, x)
		}
		hx := x.AppendHex(nil)
		if len(hx) != HexLen {
			t.Fatalf("AppendHex length %d", len(hx))
		}
		if y, err := ParseBytes(hx); err != nil || y != x {
			t.Fatalf("ParseBytes(AppendHex()) = %x, %v; want %x", y, err, x)
		}
	}
	if !(Hash{}).IsZero() || (Hash{1}).IsZero() {
		t.Error("IsZero")
	}
}

func TestNoAllocs(t *testing.T) {
	h := New(7)
	src, dst := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	src4, dst4 := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	buf := make([]byte, 0, 64)
	var x Hash
	checks := []struct {
		name string
		f    func()
	}{
		{"Sum/v6/tcp", func() { x = h.Sum(6, src, dst, 443, 50000, true) }},
		{"Sum/v4/icmp", func() { x = h.Sum(1, src4, dst4, 8, 0, true) }},
		{"Sum/v4/portless", func() { x = h.Sum(47, dst4, src4, 0, 0, false) }},
		{"AppendBase64", func() { buf = x.AppendBase64(buf[:0]) }},
		{"AppendHex", func() { buf = x.AppendHex(buf[:0]) }},
		{"Parse", func() { x, _ = Parse("1:wCb3OG7yAFWelaUydu0D+125CLM=") }},
		{"ParseHex", func() { x, _ = Parse("1:c026f7386ef200559e95a53276ed03fb5db908b3") }},
		{"ParseBytes", func() { x, _ = ParseBytes(buf) }},
		{"ParseError", func() { _, _ = Parse("1:nope") }},
	}
	for _, c := range checks {
		if n := testing.AllocsPerRun(200, c.f); n != 0 {
			t.Errorf("%s: %v allocs per run, want 0", c.name, n)
		}
	}
}

var sinkHash Hash

func BenchmarkSum(b *testing.B) {
	h := New(0)
	b.Run("v4/tcp", func(b *testing.B) {
		src, dst := netip.MustParseAddr("66.35.250.204"), netip.MustParseAddr("128.232.110.120")
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			sinkHash = h.Sum(6, src, dst, 80, uint16(i), true)
		}
	})
	b.Run("v6/udp", func(b *testing.B) {
		src, dst := netip.MustParseAddr("2607:f8b0:400c:c03::1a"), netip.MustParseAddr("2001:470:e5bf:dead:4957:2174:e82c:4887")
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			sinkHash = h.Sum(17, src, dst, 53, uint16(i), true)
		}
	})
}

func BenchmarkAppendBase64(b *testing.B) {
	x := Hasher{}.Sum(6, netip.MustParseAddr("1.2.3.4"), netip.MustParseAddr("5.6.7.8"), 1122, 3344, true)
	buf := make([]byte, 0, Base64Len)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = x.AppendBase64(buf[:0])
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sinkHash, _ = Parse("1:wCb3OG7yAFWelaUydu0D+125CLM=")
	}
}

func ExampleHasher_Sum() {
	var h Hasher // seed 0
	id := h.Sum(ProtoTCP,
		netip.MustParseAddr("5.6.7.8"), netip.MustParseAddr("1.2.3.4"), 3344, 1122, true)
	fmt.Println(id)
	fmt.Printf("%s\n", id.AppendHex(nil))
	// ICMP: pass type and code; an echo reply gets its request's ID.
	fmt.Println(h.Sum(ProtoICMP, netip.MustParseAddr("5.6.7.8"), netip.MustParseAddr("1.2.3.4"), 0, 0, true))
	// Output:
	// 1:wCb3OG7yAFWelaUydu0D+125CLM=
	// 1:c026f7386ef200559e95a53276ed03fb5db908b3
	// 1:crodRHL2FEsHjbv3UkRrfbs4bZ0=
}

func TestICMPPorts(t *testing.T) {
	pairs := map[uint8]map[uint16]uint16{
		ProtoICMP:   {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17},
		ProtoICMPv6: {128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 139: 140, 140: 139, 144: 145, 145: 144},
	}
	for proto, m := range pairs {
		for typ := uint16(0); typ < 256; typ++ {
			sp, dp, oneWay := ICMPPorts(proto, typ, 7)
			if c, ok := m[typ]; ok {
				if sp != typ || dp != c || oneWay {
					t.Errorf("ICMPPorts(%d, %d, 7) = %d, %d, %v; want %d, %d, false", proto, typ, sp, dp, oneWay, typ, c)
				}
			} else if sp != typ || dp != 7 || !oneWay {
				t.Errorf("ICMPPorts(%d, %d, 7) = %d, %d, %v; want one-way", proto, typ, sp, dp, oneWay)
			}
		}
	}
	if sp, dp, oneWay := ICMPPorts(ProtoTCP, 80, 443); sp != 80 || dp != 443 || oneWay {
		t.Error("ICMPPorts changed a TCP port pair")
	}
}
