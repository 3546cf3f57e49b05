package gencap

import (
	"encoding/binary"
	"net/netip"
)

// Classic pcap, nanosecond variant, written little endian.
const (
	pcapMagicNano  = 0xa1b23c4d
	pcapSnapLen    = 65535
	linkEthernet   = 1
	pcapHeaderLen  = 24
	pcapRecordLen  = 16
	minFrame       = 60
	etherTypeIPv4  = 0x0800
	etherTypeIPv6  = 0x86dd
	etherTypeDot1Q = 0x8100
)

var le = binary.LittleEndian
var be = binary.BigEndian

func (g *gen) writePcapHeader() {
	var h [pcapHeaderLen]byte
	le.PutUint32(h[0:], pcapMagicNano)
	le.PutUint16(h[4:], 2)
	le.PutUint16(h[6:], 4)
	le.PutUint32(h[16:], pcapSnapLen)
	le.PutUint32(h[20:], linkEthernet)
	g.bw.Write(h[:])
	g.st.FileBytes += pcapHeaderLen
}

// lengths returns the IP length and the frame length of p in flow f.
func (f *flow) lengths(p *pkt) (ipLen, frameLen int) {
	l2 := 14
	if f.vlan != 0 {
		l2 = 18
	}
	ipHdr := 20
	if f.ipv == 6 {
		ipHdr = 40
	}
	l4 := 8
	if f.proto == 6 {
		l4 = 20
		if p.opt {
			l4 = 24
		}
	}
	ipLen = ipHdr + l4 + int(p.pay)
	return ipLen, max(l2+ipLen, minFrame)
}

// account adds packet p at time ts to the flow's counters.
func (f *flow) account(p *pkt, ts int64, ipLen, frameLen int) {
	if f.first < 0 {
		f.first = ts
	}
	f.last = ts
	d := p.dir
	f.pkts[d]++
	f.ipb[d] += uint64(ipLen)
	f.pay[d] += uint64(p.pay)
	f.frameb[d] += uint64(frameLen)
}

// emit writes packet p of flow f with timestamp ts.
func (g *gen) emit(f *flow, p *pkt, ts int64) {
	ipLen, frameLen := f.lengths(p)
	f.account(p, ts, ipLen, frameLen)
	if g.st.Packets == 0 {
		g.st.FirstNs = ts
	}
	g.st.Packets++
	g.st.LastNs = ts
	g.st.FrameBytes += uint64(frameLen)
	g.st.FileBytes += uint64(pcapRecordLen + frameLen)

	b := g.frame[:pcapRecordLen+frameLen]
	le.PutUint32(b[0:], uint32(ts/1e9))
	le.PutUint32(b[4:], uint32(ts%1e9))
	le.PutUint32(b[8:], uint32(frameLen))
	le.PutUint32(b[12:], uint32(frameLen))
	e := b[pcapRecordLen:]
	d, o := p.dir, 1-p.dir
	// Ethernet: the initiator side has a per-host MAC, the responder side a
	// router MAC.
	copy(e[0:6], f.mac[o][:])
	copy(e[6:12], f.mac[d][:])
	off := 12
	if f.vlan != 0 {
		be.PutUint16(e[off:], etherTypeDot1Q)
		be.PutUint16(e[off+2:], f.vlan&0x0fff)
		off += 4
	}
	var sum uint64 // pseudo-header part of the transport checksum
	var l4 []byte
	if f.ipv == 4 {
		be.PutUint16(e[off:], etherTypeIPv4)
		ip := e[off+2 : off+2+20]
		ip[0] = 0x45
		ip[1] = 0
		be.PutUint16(ip[2:], uint16(ipLen))
		be.PutUint16(ip[4:], f.ipid[d])
		f.ipid[d]++
		be.PutUint16(ip[6:], 0x4000) // DF
		ip[8] = f.ttl[d]
		ip[9] = f.proto
		ip[10], ip[11] = 0, 0
		copy(ip[12:16], f.addr[d][:4])
		copy(ip[16:20], f.addr[o][:4])
		be.PutUint16(ip[10:], fold(sumWords(ip)))
		sum = sumWords(ip[12:20]) + uint64(f.proto) + uint64(ipLen-20)
		l4 = e[off+2+20 : off+2+ipLen]
	} else {
		be.PutUint16(e[off:], etherTypeIPv6)
		ip := e[off+2 : off+2+40]
		be.PutUint32(ip[0:], 6<<28|f.label)
		be.PutUint16(ip[4:], uint16(ipLen-40))
		ip[6] = f.proto
		ip[7] = f.ttl[d]
		copy(ip[8:24], f.addr[d][:])
		copy(ip[24:40], f.addr[o][:])
		sum = sumWords(ip[8:40]) + uint64(f.proto) + uint64(ipLen-40)
		l4 = e[off+2+40 : off+2+ipLen]
	}
	be.PutUint16(l4[0:], f.port[d])
	be.PutUint16(l4[2:], f.port[o])
	var hdr int
	if f.proto == 6 {
		hdr = 20
		if p.opt {
			hdr = 24
		}
		be.PutUint32(l4[4:], p.seq)
		be.PutUint32(l4[8:], p.ack)
		l4[12] = byte(hdr/4) << 4
		l4[13] = p.flags
		be.PutUint16(l4[14:], f.win[d])
		l4[16], l4[17], l4[18], l4[19] = 0, 0, 0, 0
		if p.opt {
			l4[20], l4[21] = 2, 4 // MSS
			be.PutUint16(l4[22:], f.maxPay)
		}
	} else {
		hdr = 8
		be.PutUint16(l4[4:], uint16(len(l4)))
		l4[6], l4[7] = 0, 0
	}
	sum += sumWords(l4[:hdr])
	if p.pay > 0 {
		pat := &g.patterns[f.pattern]
		n := int(p.pay)
		copy(l4[hdr:], pat[:n])
		sum += g.psum[f.pattern][n/2]
		if n&1 == 1 {
			sum += uint64(pat[n-1]) << 8
		}
	}
	c := fold(sum)
	if f.proto == 17 && c == 0 {
		c = 0xffff
	}
	if f.proto == 6 {
		be.PutUint16(l4[16:], c)
	} else {
		be.PutUint16(l4[6:], c)
	}
	// Padding to the Ethernet minimum.
	for i := off + 2 + ipLen; i < frameLen; i++ {
		e[i] = 0
	}
	g.bw.Write(b)
}

// sumWords adds the big-endian 16-bit words of b (len(b) even).
func sumWords(b []byte) uint64 {
	var s uint64
	for len(b) >= 8 {
		s += uint64(be.Uint16(b)) + uint64(be.Uint16(b[2:])) + uint64(be.Uint16(b[4:])) + uint64(be.Uint16(b[6:]))
		b = b[8:]
	}
	for len(b) >= 2 {
		s += uint64(be.Uint16(b))
		b = b[2:]
	}
	return s
}

// fold returns the one's complement of the folded 16-bit sum.
func fold(s uint64) uint16 {
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// finish records flow f as ended: truth row, log rows, tuple reuse.
func (g *gen) finish(f *flow, end End) {
	f.end = end
	g.st.Flows++
	g.st.Ends[end]++
	if end == EndFin && f.kind == kindTCPShort && g.reuseLen < reuseCap && f.intn(100) < 3 {
		i := (g.reuseHead + g.reuseLen) % reuseCap
		g.reuse[i] = tuple{ipv: f.ipv, vlan: f.vlan, addr: f.addr, port: f.port, host: f.host}
		g.reuseLen++
	}
	fl := f.public()
	g.logs.flow(g, &fl)
}

func (f *flow) addrOf(d int) netip.Addr {
	if f.ipv == 4 {
		return netip.AddrFrom4([4]byte(f.addr[d][:4]))
	}
	return netip.AddrFrom16(f.addr[d])
}

// public converts the flow's identity and counters to a Flow.
func (f *flow) public() Flow {
	return Flow{
		Index:        f.idx,
		IPVersion:    f.ipv,
		Proto:        f.proto,
		Src:          f.addrOf(0),
		Dst:          f.addrOf(1),
		SrcPort:      f.port[0],
		DstPort:      f.port[1],
		VLAN:         f.vlan,
		FirstNs:      f.first,
		LastNs:       f.last,
		Pkts:         f.pkts,
		IPBytes:      f.ipb,
		PayloadBytes: f.pay,
		FrameBytes:   f.frameb,
		End:          f.end,
		EndDir:       f.endDir,
		Rejected:     f.rej,
	}
}
