package features

import (
	"testing"

	"github.com/flowmeter/flowmeter/features/decode"
)

// FuzzTableAdd feeds arbitrary frames (records of [length, time step,
// bytes...], decoded as Ethernet or raw IP) through a Table with short
// timeouts and checks that nothing panics and that the flows account for
// every IP packet and frame byte exactly once.
func FuzzTableAdd(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{28, 1, 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0, 53, 0, 80, 0, 8, 0, 0})
	f.Add([]byte{40, 200, 0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0, 80, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
		40, 1, 0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1, 0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 2, 0x50, 0x12, 0xff, 0xff, 0, 0, 0, 0})
	f.Add([]byte{48, 7, 0x60, 0, 0, 0, 0, 8, 58, 64, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 128, 0, 0, 0, 0, 7, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		o := DefaultOptions()
		o.IdleTimeout, o.ActiveTimeout, o.TCPLinger, o.MaxFlows = 3e9, 10e9, 1e9, 4
		var pkts, bytes, gotPkts, gotBytes int64
		tab := NewTable(o, func(fl *Flow) {
			gotPkts += fl.Packets()
			gotBytes += fl.Fwd.FrameBytes + fl.Bwd.FrameBytes
			if fl.Fwd.IPBytes.N < 0 || fl.Bwd.IPBytes.N < 0 || fl.End < fl.Start {
				t.Fatalf("bad flow %+v", fl)
			}
		})
		var p decode.Packet
		ts := int64(1_700_000_000_000_000_000)
		for len(data) >= 2 {
			n, step := int(data[0]), int64(data[1])
			data = data[2:]
			n = min(n, len(data))
			frame := data[:n]
			data = data[n:]
			ts += step * step * 1e6 // up to 65 s per step
			decode.Decode(frame, 101, &p)
			tab.Add(&p, ts, uint32(n))
			if p.IPVersion != 0 {
				pkts++
				bytes += int64(n)
			}
		}
		tab.Flush()
		if gotPkts != pkts || gotBytes != bytes || tab.Len() != 0 {
			t.Fatalf("flows hold %d packets / %d bytes, added %d / %d; %d still open", gotPkts, gotBytes, pkts, bytes, tab.Len())
		}
	})
}
