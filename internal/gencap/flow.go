package gencap

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// The flow model. A flow is a small state machine: step returns the next
// packet, the gap to the packet after it and whether the flow is done. All
// its decisions come from its own PCG, so a copy of a fresh flow replays the
// same packets (plannedPackets).

type kind uint8

const (
	kindTCPShort      kind = iota // request/response rounds, a few KB
	kindTCPBulk                   // one or two large transfers
	kindTCPPersistent             // SSH-like, never ends: open at end of capture
	kindDNS                       // UDP query/response
	kindUDPBulk                   // QUIC/RTP-like UDP stream
)

// TCP flag bits.
const (
	fFIN = 0x01
	fSYN = 0x02
	fRST = 0x04
	fPSH = 0x08
	fACK = 0x10
)

const (
	us  = int64(1000)
	ms  = 1000 * us
	sec = 1000 * ms
	// maxGap bounds every gap inside a flow: well below a 60 s idle timeout.
	maxGap = 45 * sec
)

// TCP phases.
const (
	phSYN uint8 = iota
	phREJ
	phSYNACK
	phACK
	phDATA
	phPUREACK
	phACKROUND
	phRST
	phFIN1
	phFIN2
	phFIN3
	// UDP
	phQuery
	phResponse
	phUDPBulk
)

// pkt describes one packet of a flow.
type pkt struct {
	dir   uint8 // 0 initiator -> responder
	flags uint8 // TCP flags
	opt   bool  // TCP MSS option (SYN, SYN-ACK)
	pay   uint16
	seq   uint32
	ack   uint32
}

type flow struct {
	r rand.PCG

	idx     uint64
	kind    kind
	ipv     uint8
	proto   uint8
	vlan    uint16
	pattern uint8
	host    uint16
	reused  bool
	addr    [2][16]byte // IPv4 uses the first 4 bytes
	port    [2]uint16
	mac     [2][6]byte
	ipid    [2]uint16
	ttl     [2]uint8
	win     [2]uint16
	label   uint32 // IPv6 flow label
	maxPay  uint16 // TCP MSS / largest UDP payload

	// plan
	end        End
	endDir     uint8
	rej        bool
	rtt, pace  int64
	roundsLeft int32
	rstAt      int32

	// progress
	phase     uint8
	burstDir  uint8
	segs      uint8
	burstLeft uint32
	seq       [2]uint32
	left      int32 // UDP: queries or packets left
	noResp    bool

	// accounting
	first, last            int64
	pkts, ipb, pay, frameb [2]uint64
}

// ---- randomness helpers (flow-local) ----

func (f *flow) intn(n uint64) uint64 {
	hi, _ := bits.Mul64(f.r.Uint64(), n)
	return hi
}

func (f *flow) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + int64(f.intn(uint64(hi-lo+1)))
}

func (f *flow) float() float64 { return float64(f.r.Uint64()>>11) * 0x1p-53 }

func (f *flow) logUniform(lo, hi float64) float64 {
	return lo * math.Exp(f.float()*math.Log(hi/lo))
}

func clampGap(g int64) int64 { return min(max(g, us), maxGap) }

// ---- creation ----

func (g *gen) newFlow(f *flow, t int64) {
	*f = flow{idx: g.nextIdx}
	g.nextIdx++
	f.r.Seed(g.rng.Uint64(), g.rng.Uint64())
	f.first, f.last = -1, -1

	// Kind: ~75% TCP / 25% UDP by flow count. Flow 0 is always long-lived
	// so that every capture has a flow open at its end.
	u := f.intn(10000)
	switch {
	case f.idx == 0 || u < 20:
		f.kind = kindTCPPersistent
	case u < 220:
		f.kind = kindTCPBulk
	case u < 7500:
		f.kind = kindTCPShort
	case u < 9625:
		f.kind = kindDNS
	default:
		f.kind = kindUDPBulk
	}
	f.proto = 6
	if f.kind >= kindDNS {
		f.proto = 17
	}

	// Addresses: reuse a FIN-closed tuple now and then, else a client host
	// and its next ephemeral port (unique while the port counter does not
	// wrap, i.e. for fewer than 28000 flows per host).
	if f.kind == kindTCPShort && g.reuseLen > 0 && f.intn(100) == 0 {
		tp := g.reuse[g.reuseHead]
		g.reuseHead = (g.reuseHead + 1) % reuseCap
		g.reuseLen--
		f.ipv, f.vlan, f.addr, f.port, f.host = tp.ipv, tp.vlan, tp.addr, tp.port, tp.host
		f.reused = true
		g.st.ReusedTuple++
	} else {
		f.ipv = 4
		if f.intn(10) < 3 {
			f.ipv = 6
		}
		h := uint16(f.intn(numHosts))
		f.host = h
		v := 0
		if f.ipv == 6 {
			v = 1
		}
		p := g.ephem[v][h]
		g.ephem[v][h] = p + 1
		if p+1 > 60999 {
			g.ephem[v][h] = 32768
		}
		f.port[0] = p
		s := uint8(f.intn(numServers))
		if f.ipv == 4 {
			f.addr[0] = [16]byte{10, byte(16 + h>>8), byte(h), 10}
			f.addr[1] = [16]byte{198, 18, s, 1}
		} else {
			f.addr[0] = [16]byte{0xfd, 0, 0, 0, 0, 0, byte(h >> 8), byte(h), 15: 0x10}
			f.addr[1] = [16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, s, 15: 1}
		}
		// VLAN: a property of the client host; ~20% of hosts are tagged.
		hh := uint32(h)*2654435761 + uint32(f.ipv)
		if (hh>>8)%5 == 0 {
			f.vlan = vlanIDs[(hh>>3)%uint32(len(vlanIDs))]
		}
		f.port[1] = f.serverPort()
	}
	if f.vlan != 0 {
		g.st.VLANFlows++
	}
	if f.ipv == 6 {
		g.st.IPv6Flows++
	}
	if f.proto == 6 {
		g.st.TCPFlows++
	}
	f.mac[0] = [6]byte{0x02, 0x00, f.ipv, byte(f.host >> 8), byte(f.host), 0x01}
	f.mac[1] = [6]byte{0x02, 0xff, 0x00, 0x00, byte(f.vlan >> 8), byte(f.vlan)}
	f.ipid[0], f.ipid[1] = uint16(f.r.Uint64()), uint16(f.r.Uint64())
	f.ttl[0], f.ttl[1] = 64, uint8(40+f.intn(24))
	f.win[0], f.win[1] = 64240, uint16(29200+f.intn(36000))
	f.label = uint32(f.r.Uint64()) & 0xfffff
	f.pattern = uint8(f.intn(numPatterns))
	maxIP := 1500
	if f.vlan != 0 {
		maxIP = 1496 // keep tagged frames within 1514 bytes
	}
	ipHdr := 20
	if f.ipv == 6 {
		ipHdr = 40
	}
	f.rtt = int64(f.logUniform(float64(200*us), float64(150*ms)))
	f.pace = int64(f.logUniform(float64(5*us), float64(300*us)))
	f.rstAt = -1
	switch f.kind {
	case kindTCPShort, kindTCPBulk, kindTCPPersistent:
		f.maxPay = uint16(maxIP - ipHdr - 20)
		f.seq[0], f.seq[1] = uint32(f.r.Uint64()), uint32(f.r.Uint64())
		f.phase = phSYN
		f.endDir = uint8(f.intn(2))
		switch f.kind {
		case kindTCPShort:
			f.roundsLeft = int32(1 + f.intn(4))
		case kindTCPBulk:
			f.roundsLeft = int32(1 + f.intn(2))
		default:
			f.roundsLeft = math.MaxInt32
		}
		f.end = EndFin
		if f.kind != kindTCPPersistent {
			switch x := f.intn(100); {
			case x < 2:
				f.end, f.rej, f.endDir = EndRst, true, 1
			case x < 10:
				f.end = EndRst
				f.rstAt = int32(f.intn(uint64(f.roundsLeft) + 1))
			}
		} else {
			f.end = EndOpen
		}
	case kindDNS:
		f.maxPay = uint16(maxIP - ipHdr - 8)
		f.phase = phQuery
		f.left = 1
		if f.intn(5) == 0 {
			f.left = 2 // A and AAAA on one socket
		}
		f.noResp = f.intn(20) == 0
		f.end = EndUDP
	case kindUDPBulk:
		f.maxPay = uint16(maxIP - ipHdr - 8)
		f.phase = phUDPBulk
		f.left = int32(10 + f.intn(300))
		f.end = EndUDP
	}
}

var vlanIDs = [...]uint16{10, 20, 100, 101, 200, 300, 1000, 4000}

func (f *flow) serverPort() uint16 {
	switch f.kind {
	case kindTCPShort:
		switch x := f.intn(10); {
		case x < 6:
			return 443
		case x < 9:
			return 80
		default:
			return [...]uint16{25, 993, 8080}[f.intn(3)]
		}
	case kindTCPBulk:
		return [...]uint16{443, 80, 873}[f.intn(3)]
	case kindTCPPersistent:
		return 22
	case kindDNS:
		return 53
	default:
		if f.intn(4) == 0 {
			return 5004
		}
		return 443
	}
}

// plannedPackets replays a copy of a fresh flow and counts its packets.
func (f *flow) plannedPackets() int64 {
	c := *f
	var n int64
	for {
		n++
		if _, _, done := c.step(); done {
			return n
		}
	}
}

// ---- the state machine ----

func (f *flow) reqBytes() uint32 {
	if f.kind == kindTCPPersistent {
		return uint32(f.between(32, 200))
	}
	return uint32(f.logUniform(50, 1200))
}

func (f *flow) respBytes() uint32 {
	switch f.kind {
	case kindTCPPersistent:
		return uint32(f.between(32, 600))
	case kindTCPBulk:
		return uint32(f.logUniform(50e3, 1e6))
	}
	return uint32(f.logUniform(100, 20000))
}

func (f *flow) clientThink() int64 {
	if f.kind == kindTCPPersistent {
		return clampGap(int64(f.logUniform(float64(50*ms), float64(10*sec))))
	}
	if f.intn(100) == 0 {
		return f.between(1*sec, 10*sec) // an occasional idle pause
	}
	return clampGap(int64(f.float() * float64(300*ms)))
}

func (f *flow) nextRound() {
	if f.end == EndRst && f.roundsLeft == f.rstAt {
		f.phase = phRST
		return
	}
	if f.roundsLeft == 0 {
		f.phase = phFIN1
		return
	}
	f.roundsLeft--
	f.phase = phDATA
	f.burstDir = 0
	f.burstLeft = f.reqBytes()
	f.segs = 0
}

// step returns the next packet, the gap to the one after it, and whether
// this packet is the flow's last.
func (f *flow) step() (p pkt, gap int64, done bool) {
	switch f.phase {
	case phSYN:
		p = pkt{dir: 0, flags: fSYN, opt: true, seq: f.seq[0]}
		f.seq[0]++
		if f.rej {
			f.phase = phREJ
		} else {
			f.phase = phSYNACK
		}
		gap = f.rtt
	case phREJ:
		p = pkt{dir: 1, flags: fRST | fACK, ack: f.seq[0]}
		done = true
	case phSYNACK:
		p = pkt{dir: 1, flags: fSYN | fACK, opt: true, seq: f.seq[1], ack: f.seq[0]}
		f.seq[1]++
		f.phase = phACK
		gap = f.between(20*us, 300*us)
	case phACK:
		p = pkt{dir: 0, flags: fACK, seq: f.seq[0], ack: f.seq[1]}
		f.nextRound()
		gap = f.between(10*us, 200*us)
	case phDATA:
		d := f.burstDir
		n := min(f.burstLeft, uint32(f.maxPay))
		p = pkt{dir: d, flags: fACK, seq: f.seq[d], ack: f.seq[1-d], pay: uint16(n)}
		f.seq[d] += n
		f.burstLeft -= n
		f.segs++
		switch {
		case f.burstLeft == 0:
			p.flags |= fPSH
			f.segs = 0
			if d == 0 {
				f.burstDir = 1
				f.burstLeft = f.respBytes()
				gap = f.rtt + f.between(0, 20*ms)
			} else {
				f.phase = phACKROUND
				gap = f.between(20*us, 200*us)
			}
		case f.segs >= 2:
			f.segs = 0
			f.phase = phPUREACK
			gap = f.between(5*us, 100*us)
		default:
			gap = f.pace
		}
	case phPUREACK:
		d := 1 - f.burstDir
		p = pkt{dir: d, flags: fACK, seq: f.seq[d], ack: f.seq[f.burstDir]}
		f.phase = phDATA
		gap = f.pace
	case phACKROUND:
		p = pkt{dir: 0, flags: fACK, seq: f.seq[0], ack: f.seq[1]}
		f.nextRound()
		gap = f.clientThink()
	case phRST:
		d := f.endDir
		p = pkt{dir: d, flags: fRST | fACK, seq: f.seq[d], ack: f.seq[1-d]}
		done = true
	case phFIN1:
		c := f.endDir
		p = pkt{dir: c, flags: fFIN | fACK, seq: f.seq[c], ack: f.seq[1-c]}
		f.seq[c]++
		f.phase = phFIN2
		gap = f.rtt/2 + f.between(10*us, 200*us)
	case phFIN2:
		o := 1 - f.endDir
		p = pkt{dir: o, flags: fFIN | fACK, seq: f.seq[o], ack: f.seq[1-o]}
		f.seq[o]++
		f.phase = phFIN3
		gap = f.rtt/2 + f.between(10*us, 200*us)
	case phFIN3:
		c := f.endDir
		p = pkt{dir: c, flags: fACK, seq: f.seq[c], ack: f.seq[1-c]}
		done = true

	case phQuery:
		p = pkt{dir: 0, pay: uint16(f.between(28, 90))}
		if f.noResp {
			f.left--
			done = f.left == 0
			gap = f.between(1*ms, 50*ms)
		} else {
			f.phase = phResponse
			gap = f.rtt
		}
	case phResponse:
		p = pkt{dir: 1, pay: uint16(f.between(60, 512))}
		f.left--
		done = f.left == 0
		f.phase = phQuery
		gap = f.between(50*us, 5*ms)
	case phUDPBulk:
		p.dir = 0
		if f.segs != 0 && f.intn(10) < 7 {
			p.dir = 1
		}
		f.segs = 1
		if f.port[1] == 5004 {
			p.pay = 172
		} else {
			p.pay = uint16(f.between(100, int64(f.maxPay)))
		}
		f.left--
		done = f.left == 0
		gap = f.between(200*us, 20*ms)
	}
	return p, clampGap(gap), done
}
