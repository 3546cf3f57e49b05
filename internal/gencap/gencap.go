// Package gencap writes large, deterministic synthetic captures for
// benchmarks and end-to-end tests, together with a truth file that states,
// flow by flow, what a correct flow meter must report, and (optionally) a
// Zeek conn.log and a Suricata eve.json describing the same flows.
//
// Everything is a pure function of Options: the same seed gives the same
// bytes. Randomness comes from math/rand/v2 PCG generators: one for flow
// creation and one per flow (seeded from the first) for every decision the
// flow makes afterwards, so a flow's packets can be counted ahead of time by
// replaying a copy of its state (see Generate's stopping rule).
//
// The capture is classic pcap, nanosecond timestamps (magic 0xa1b23c4d,
// little endian), link type Ethernet, frames of 60 to 1514 bytes without FCS.
// IPv4 header checksums and TCP/UDP checksums are valid (payload bytes come
// from a few fixed random patterns whose prefix checksums are precomputed).
//
// Generation allocates nothing per packet: frames are built in one reused
// buffer and written through a bufio.Writer.
package gencap

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/flowmeter/flowmeter/features/communityid"
)

// DefaultStart is the timestamp of the first packet unless Options.Start is
// set: 2024-01-01T00:00:00Z.
var DefaultStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Options controls a generation. The zero value is not useful: set Packets.
type Options struct {
	// Packets is the minimum number of packets to write. The capture ends
	// when every finite flow has finished; it holds between Packets and
	// Packets plus the length of the last flow started (Stats.Packets says
	// exactly).
	Packets int
	// Concurrent is the number of flows active at once (flow slots). 0 means
	// Packets/100, at least 16 and at most 50000.
	Concurrent int
	// Seed selects the capture. Same seed, same options: same bytes.
	Seed uint64
	// Start is the time of the first packet; zero means DefaultStart.
	Start time.Time

	// Truth, if not nil, receives the truth TSV (see WriteTruthHeader).
	Truth io.Writer
	// Conn, if not nil, receives a Zeek conn.log (TSV) of the same flows.
	Conn io.Writer
	// Eve, if not nil, receives Suricata eve.json flow events of the flows.
	Eve io.Writer
	// ConnRecords: when larger than the number of flows in the capture, the
	// conn.log is topped up with synthetic records that are NOT in the
	// capture (initiators in 100.64.0.0/10 and fd64::/16, which the capture
	// never uses) until it holds ConnRecords records.
	ConnRecords int
	// EveRecords does the same for eve.json.
	EveRecords int
	// CommunityIDSeed is the Community ID seed used in conn.log and eve.json.
	CommunityIDSeed uint16
}

// Stats summarises a generation.
type Stats struct {
	Packets     uint64 // frames written
	Flows       uint64 // flows in the capture (rows of the truth file)
	FileBytes   uint64 // size of the pcap file
	FrameBytes  uint64 // sum of frame lengths
	FirstNs     int64  // first packet time, ns since the epoch
	LastNs      int64  // last packet time
	Ends        [numEnds]uint64
	ReusedTuple uint64 // TCP flows that reuse the 5-tuple of an earlier FIN-closed flow
	VLANFlows   uint64
	IPv6Flows   uint64
	TCPFlows    uint64
	ConnRecords uint64 // rows written to conn.log (capture flows + extra)
	EveRecords  uint64 // events written to eve.json
}

// End is how a synthetic flow ended.
type End uint8

const (
	EndFin  End = iota // TCP, FIN from both sides and the last ACK
	EndRst             // TCP, closed by a RST (includes SYN answered by RST)
	EndOpen            // TCP, still established when the capture ends
	EndUDP             // UDP (no teardown)
	numEnds
)

var endNames = [numEnds]string{"fin", "rst", "open", "udp"}

// String returns "fin", "rst", "open" or "udp", the truth file's spelling.
func (e End) String() string {
	if e < numEnds {
		return endNames[e]
	}
	return "end?"
}

// Flow is one synthetic flow: one row of the truth file. Index [0] of the
// arrays is the forward direction (initiator to responder), [1] backward.
type Flow struct {
	Index            uint64
	IPVersion        uint8 // 4 or 6
	Proto            uint8 // 6 (TCP) or 17 (UDP)
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	VLAN             uint16 // 802.1Q VLAN ID, 0 if untagged
	FirstNs, LastNs  int64  // first and last packet times, ns since the epoch
	Pkts             [2]uint64
	IPBytes          [2]uint64 // sum of IPv4 total length / IPv6 payload length + 40
	PayloadBytes     [2]uint64 // sum of TCP/UDP payload lengths
	FrameBytes       [2]uint64 // sum of frame lengths (Ethernet, no FCS, padded to 60)
	End              End

	// Details not in the truth file (used for the logs).
	EndDir   uint8 // side that sent the first FIN or the RST (0 initiator)
	Rejected bool  // SYN answered by RST
}

// ErrOptions reports unusable Options.
var ErrOptions = errors.New("gencap: invalid options")

// Generate writes the capture to w (which it buffers itself) and the
// optional truth file and logs, and returns what it wrote.
func Generate(w io.Writer, opt Options) (Stats, error) {
	if opt.Packets < 0 || opt.Concurrent < 0 || opt.ConnRecords < 0 || opt.EveRecords < 0 {
		return Stats{}, fmt.Errorf("%w: negative count", ErrOptions)
	}
	g := newGen(w, opt)
	if err := g.run(); err != nil {
		return g.st, err
	}
	return g.st, g.close()
}

// ---- generator state ----

const (
	numPatterns = 8
	patternLen  = 1500
	numHosts    = 4096
	numServers  = 256
	reuseCap    = 256
	rampNs      = 500 * int64(time.Millisecond)
)

type hent struct {
	t    int64
	slot int32
}

type gen struct {
	opt Options
	rng rand.PCG // flow creation

	flows []flow
	heap  []hent

	patterns [numPatterns][patternLen]byte
	psum     [numPatterns][patternLen/2 + 1]uint64 // prefix sums of 16-bit words

	ephem [2][numHosts]uint16 // next ephemeral port per client host, per IP version

	reuse     [reuseCap]tuple
	reuseHead int
	reuseLen  int

	bw    *bufio.Writer
	frame [16 + 1600]byte

	logs logWriters

	cid     communityid.Hasher
	start   int64
	lastTs  int64
	nextIdx uint64

	sumRemaining int64 // planned packets left in active finite flows
	finiteActive int
	stopping     bool

	st Stats
}

// tuple is what a reused flow takes over from a FIN-closed one.
type tuple struct {
	ipv  uint8
	vlan uint16
	addr [2][16]byte
	port [2]uint16
	host uint16
}

func newGen(w io.Writer, opt Options) *gen {
	g := &gen{opt: opt}
	if g.opt.Concurrent == 0 {
		g.opt.Concurrent = min(max(opt.Packets/100, 16), 50000)
	}
	if opt.Start.IsZero() {
		g.start = DefaultStart.UnixNano()
	} else {
		g.start = opt.Start.UnixNano()
	}
	g.lastTs = g.start - 1
	g.rng.Seed(opt.Seed, 0x9e3779b97f4a7c15)
	g.cid = communityid.New(opt.CommunityIDSeed)
	// Payload patterns and their prefix checksums.
	var pr rand.PCG
	pr.Seed(opt.Seed^0x5bd1e995, 0x27d4eb2f165667c5)
	for i := range g.patterns {
		p := &g.patterns[i]
		for j := 0; j < patternLen; j += 8 {
			v := pr.Uint64()
			for k := 0; k < 8 && j+k < patternLen; k++ {
				p[j+k] = byte(v >> (8 * k))
			}
		}
		var s uint64
		for j := 0; j < patternLen/2; j++ {
			g.psum[i][j] = s
			s += uint64(p[2*j])<<8 | uint64(p[2*j+1])
		}
		g.psum[i][patternLen/2] = s
	}
	for v := range g.ephem {
		for h := range g.ephem[v] {
			g.ephem[v][h] = uint16(32768 + g.rng.Uint64()%28000)
		}
	}
	g.bw = bufio.NewWriterSize(w, 1<<20)
	g.logs.init(g, opt)
	return g
}

func (g *gen) run() error {
	g.writePcapHeader()
	k := g.opt.Concurrent
	g.flows = make([]flow, k)
	g.heap = make([]hent, 0, k)
	if g.opt.Packets > 0 {
		for slot := 0; slot < k && !g.stopping; slot++ {
			g.startFlow(int32(slot), g.start+int64(g.rng.Uint64()%uint64(rampNs)))
		}
	}
	for len(g.heap) > 0 {
		h := g.heap[0]
		f := &g.flows[h.slot]
		p, gap, done := f.step()
		ts := max(h.t, g.lastTs+1)
		g.lastTs = ts
		g.emit(f, &p, ts)
		if f.kind != kindTCPPersistent {
			g.sumRemaining--
		}
		if done {
			g.heapPop()
			g.finish(f, f.end)
			if f.kind != kindTCPPersistent {
				g.finiteActive--
			}
			if g.stopping && g.finiteActive == 0 {
				break
			}
			g.startFlow(h.slot, ts+1000+int64(g.rng.Uint64()%uint64(5*time.Millisecond)))
		} else {
			g.heap[0].t = ts + max(gap, 1)
			g.heapDown(0)
		}
	}
	// Flows still active are the long-lived ones: open at end of capture.
	if len(g.heap) > 0 {
		slots := make([]int32, 0, len(g.heap))
		for _, h := range g.heap {
			slots = append(slots, h.slot)
		}
		slices.SortFunc(slots, func(a, b int32) int {
			return int(g.flows[a].idx) - int(g.flows[b].idx)
		})
		for _, s := range slots {
			g.finish(&g.flows[s], EndOpen)
		}
		g.heap = g.heap[:0]
	}
	return g.logs.extra(g)
}

// startFlow creates flow number nextIdx in slot, first packet at t, unless
// the packet budget is reached.
func (g *gen) startFlow(slot int32, t int64) {
	if g.stopping {
		return
	}
	f := &g.flows[slot]
	g.newFlow(f, t)
	if f.kind != kindTCPPersistent {
		n := f.plannedPackets()
		g.sumRemaining += n
		g.finiteActive++
	}
	if int64(g.st.Packets)+g.sumRemaining >= int64(g.opt.Packets) {
		g.stopping = true
	}
	g.heapPush(hent{t: t, slot: slot})
}

func (g *gen) close() error {
	if err := g.bw.Flush(); err != nil {
		return err
	}
	return g.logs.flush()
}

// ---- heap of (next time, slot), ties broken by slot for determinism ----

func less(a, b hent) bool { return a.t < b.t || (a.t == b.t && a.slot < b.slot) }

func (g *gen) heapPush(e hent) {
	g.heap = append(g.heap, e)
	i := len(g.heap) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !less(g.heap[i], g.heap[p]) {
			break
		}
		g.heap[i], g.heap[p] = g.heap[p], g.heap[i]
		i = p
	}
}

func (g *gen) heapPop() {
	n := len(g.heap) - 1
	g.heap[0] = g.heap[n]
	g.heap = g.heap[:n]
	if n > 0 {
		g.heapDown(0)
	}
}

func (g *gen) heapDown(i int) {
	h := g.heap
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && less(h[r], h[l]) {
			m = r
		}
		if !less(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
