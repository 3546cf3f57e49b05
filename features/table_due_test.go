package features

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/flowmeter/flowmeter/features/decode"
)

// TestAdvanceShortcut: Advance's early return (the cached earliest expiry)
// ends exactly the same flows, at the same packets, as checking every list
// head on every packet, including with timestamps that step back, flows
// that linger, hit the active timeout or are evicted by MaxFlows.
func TestAdvanceShortcut(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 9))
		o := DefaultOptions()
		o.IdleTimeout, o.ActiveTimeout, o.TCPLinger = 2e9, 7e9, 5e8
		if seed%3 == 0 {
			o.MaxFlows = 8
		}
		if seed%4 == 1 {
			o.TCPLinger = 0
		}
		type rec struct {
			id      uint64
			reason  EndReason
			packets int64
			end     int64
			at      int
		}
		var got, want []rec
		var n int
		fast := NewTable(o, func(f *Flow) { got = append(got, rec{f.ID, f.Reason, f.Packets(), f.End, n}) })
		slow := NewTable(o, func(f *Flow) { want = append(want, rec{f.ID, f.Reason, f.Packets(), f.End, n}) })
		ts := int64(1_700_000_000e9)
		for n = 0; n < 5000; n++ {
			ts += r.Int64N(2e8)
			if r.IntN(50) == 0 {
				ts -= r.Int64N(3e9) // the clock steps back
			}
			var p decode.Packet
			c := netip.AddrFrom4([4]byte{10, 0, 0, byte(r.IntN(24))})
			s := netip.AddrFrom4([4]byte{192, 0, 2, 1})
			p.IPVersion, p.Proto, p.HasTransport, p.TTL = 4, 6, true, 64
			p.Src, p.Dst, p.SrcPort, p.DstPort = c, s, uint16(1000+r.IntN(3)), 80
			if r.IntN(2) == 0 {
				p.Src, p.Dst, p.SrcPort, p.DstPort = p.Dst, p.Src, p.DstPort, p.SrcPort
			}
			if r.IntN(4) == 0 {
				p.Proto = 17
			}
			p.TCPFlags = []uint16{decode.TCPAck, decode.TCPAck, decode.TCPSyn, decode.TCPSyn | decode.TCPAck, decode.TCPFin | decode.TCPAck, decode.TCPRst}[r.IntN(6)]
			p.IPTotalLen, p.L4HeaderLen, p.PayloadLen = 100, 20, 60
			fast.Add(&p, ts, 114)
			slow.due = math.MinInt64 // force the full check
			slow.Add(&p, ts, 114)
			if r.IntN(100) == 0 {
				later := ts + r.Int64N(4e9)
				fast.Advance(later)
				slow.due = math.MinInt64
				slow.Advance(later)
			}
		}
		fast.Flush()
		slow.Flush()
		if len(got) != len(want) {
			t.Fatalf("seed %d: %d flows with the shortcut, %d without", seed, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("seed %d: flow %d: %+v with the shortcut, %+v without", seed, i, got[i], want[i])
			}
		}
	}
}
