package decode

import (
	"encoding/binary"
	"net/netip"
)

// Frame builders for hand-made test frames. Expected values in the tests are
// computed from the bytes these produce, not from Decode.

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

var (
	macA = []byte{0x02, 0, 0, 0, 0, 0xa}
	macB = []byte{0x02, 0, 0, 0, 0, 0xb}
)

func eth(et uint16, payload []byte) []byte { return cat(macB, macA, be16(et), payload) }

func vlan(id uint16, et uint16, payload []byte) []byte {
	return cat(be16(0x2000|id), be16(et), payload) // PCP 1
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// ipv4 builds an IPv4 header with correct total length; opts are appended
// to the header (must be a multiple of 4 bytes).
func ipv4(proto uint8, src, dst string, opts []byte, payload []byte) []byte {
	ihl := 20 + len(opts)
	h := make([]byte, 20)
	h[0] = 0x40 | byte(ihl/4)
	binary.BigEndian.PutUint16(h[2:], uint16(ihl+len(payload)))
	binary.BigEndian.PutUint16(h[4:], 0x1234)
	h[8] = 64
	h[9] = proto
	s, d := mustAddr(src).As4(), mustAddr(dst).As4()
	copy(h[12:], s[:])
	copy(h[16:], d[:])
	return cat(h, opts, payload)
}

func ipv6(next uint8, src, dst string, payload []byte) []byte {
	h := make([]byte, 40)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(payload)))
	h[6] = next
	h[7] = 55
	s, d := mustAddr(src).As16(), mustAddr(dst).As16()
	copy(h[8:], s[:])
	copy(h[24:], d[:])
	return cat(h, payload)
}

// ext6 builds an IPv6 hop-by-hop/routing/dstopts header of 8*(n+1) bytes.
func ext6(next uint8, n int) []byte {
	b := make([]byte, 8*(n+1))
	b[0] = next
	b[1] = byte(n)
	return b
}

func frag6(next uint8, off uint16, more bool, id uint32) []byte {
	fo := off << 3
	if more {
		fo |= 1
	}
	return cat([]byte{next, 0}, be16(fo), be32(id))
}

func tcp(sp, dp uint16, flags uint16, seq, ack uint32, opts []byte, payload []byte) []byte {
	doff := 20 + len(opts)
	h := make([]byte, 20)
	binary.BigEndian.PutUint16(h[0:], sp)
	binary.BigEndian.PutUint16(h[2:], dp)
	binary.BigEndian.PutUint32(h[4:], seq)
	binary.BigEndian.PutUint32(h[8:], ack)
	h[12] = byte(doff/4)<<4 | byte(flags>>8&1)
	h[13] = byte(flags)
	binary.BigEndian.PutUint16(h[14:], 29200)
	return cat(h, opts, payload)
}

func udp(sp, dp uint16, payload []byte) []byte {
	return cat(be16(sp), be16(dp), be16(uint16(8+len(payload))), be16(0), payload)
}

func icmp(typ, code uint8, id uint16, payload []byte) []byte {
	return cat([]byte{typ, code, 0, 0}, be16(id), be16(1), payload)
}

func tcpSyn() []byte { return tcp(40000, 80, TCPSyn, 1000, 0, nil, nil) }
