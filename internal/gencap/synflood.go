package gencap

import (
	"io"
)

// synFloodPort is the port GenerateSynFlood targets.
const synFloodPort = 80

// GenerateSynFlood writes a capture of n SYNs, one every 10 µs, each from a
// distinct spoofed IPv4 source address and port (sources are a bijection of
// the packet number, so no two coincide) to one server, 198.18.0.1:80. Each
// SYN is its own flow, "open" in the truth file. It is meant for flow-table
// memory limits (--max-flows). truth may be nil.
func GenerateSynFlood(w io.Writer, truth io.Writer, n int, opt Options) (Stats, error) {
	opt.Packets = 0
	g := newGen(w, Options{Seed: opt.Seed, Start: opt.Start, Truth: truth})
	g.writePcapHeader()
	var f flow
	t := g.start
	for i := 0; i < n; i++ {
		// 32-bit bijection of i: odd multiplier then xorshift.
		x := uint32(i) * 0x9e3779b1
		x ^= x >> 15
		x *= 0x85ebca6b
		x ^= x >> 13
		f = flow{idx: uint64(i), kind: kindTCPShort, ipv: 4, proto: 6, first: -1, last: -1}
		// Source: 11.0.0.0/8 plus 8 bits into the port, so the pair is unique.
		f.addr[0] = [16]byte{11, byte(x >> 24), byte(x >> 16), byte(x >> 8)}
		f.port[0] = 1024 + uint16(x&0xff)<<4 | uint16(i>>32)&0xf
		f.addr[1] = [16]byte{198, 18, 0, 1}
		f.port[1] = synFloodPort
		f.mac[0] = [6]byte{0x02, 0x0b, byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}
		f.mac[1] = [6]byte{0x02, 0xff, 0, 0, 0, 0}
		f.ttl = [2]uint8{uint8(32 + x%200), 64}
		f.win = [2]uint16{1024, 0}
		f.ipid[0] = uint16(x >> 7)
		f.maxPay = 1460
		f.end = EndOpen
		p := pkt{flags: fSYN, opt: true, seq: x*2654435761 + 7}
		g.emit(&f, &p, t)
		t += 10 * us
		g.finish(&f, EndOpen)
	}
	if err := g.bw.Flush(); err != nil {
		return g.st, err
	}
	return g.st, g.logs.flush()
}
