package features

import (
	"net/netip"
	"testing"

	"github.com/flowmeter/flowmeter/features/decode"
)

// synthPackets builds n TCP packets over nflows interleaved connections
// (SYN, SYN-ACK, data both ways), with ascending timestamps.
func synthPackets(n, nflows int) ([]decode.Packet, []int64) {
	ps := make([]decode.Packet, n)
	ts := make([]int64, n)
	for i := range n {
		fl := i % nflows
		seq := i / nflows
		p := &ps[i]
		c := netip.AddrFrom4([4]byte{10, byte(fl >> 16), byte(fl >> 8), byte(fl)})
		s := netip.AddrFrom4([4]byte{192, 0, 2, 1})
		p.IPVersion, p.Proto, p.HasTransport, p.TTL = 4, 6, true, 64
		p.Src, p.Dst, p.SrcPort, p.DstPort = c, s, uint16(1024+fl%50000), 443
		if seq%2 == 1 {
			p.Src, p.Dst, p.SrcPort, p.DstPort = s, c, 443, uint16(1024+fl%50000)
		}
		switch seq {
		case 0:
			p.TCPFlags = decode.TCPSyn
		case 1:
			p.TCPFlags = decode.TCPSyn | decode.TCPAck
		default:
			p.TCPFlags = decode.TCPAck | decode.TCPPsh
			p.PayloadLen = uint32(100 + i%1000)
		}
		p.L4HeaderLen = 20
		p.IPHeaderLen = 20
		p.IPTotalLen = 40 + p.PayloadLen
		p.TCPWindow = 65535
		ts[i] = 1_700_000_000e9 + int64(i)*1000
	}
	return ps, ts
}

// TestTableAddNoAllocs: once the table holds its flows, adding packets to
// existing flows allocates nothing.
func TestTableAddNoAllocs(t *testing.T) {
	ps, ts := synthPackets(20000, 1000)
	tab := NewTable(DefaultOptions(), func(*Flow) {})
	for i := range ps {
		tab.Add(&ps[i], ts[i], 100)
	}
	i := 0
	allocs := testing.AllocsPerRun(10000, func() {
		j := 2000 + i%18000 // data packets of existing flows
		tab.Add(&ps[j], ts[len(ts)-1]+int64(i), 100)
		i++
	})
	if allocs != 0 {
		t.Fatalf("Table.Add allocates %.2f per packet", allocs)
	}
}

func BenchmarkTableAdd(b *testing.B) {
	ps, ts := synthPackets(1<<20, 50000)
	b.ReportAllocs()
	b.ResetTimer()
	var tab *Table
	for i := 0; i < b.N; i++ {
		k := i & (len(ps) - 1)
		if k == 0 {
			if tab != nil {
				tab.Flush()
			}
			tab = NewTable(DefaultOptions(), func(*Flow) {})
		}
		tab.Add(&ps[k], ts[k], uint32(ps[k].IPTotalLen)+14)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}
