package features

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/flowmeter/flowmeter/features/decode"
	"github.com/flowmeter/flowmeter/internal/gencap"
	"github.com/flowmeter/flowmeter/reader"
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

// BenchmarkTableAddGencap replays a generated capture (internal/gencap:
// 10000 concurrent TCP/UDP flows, IPv4/IPv6, VLANs, the mix `make bench`
// uses) decoded once into memory, so that it measures the table with the
// flow churn (starts, FIN/RST teardown, slot reuse) of a real run.
func BenchmarkTableAddGencap(b *testing.B) {
	items := gencapItems(b)
	b.ReportAllocs()
	b.ResetTimer()
	var tab *Table
	for i := 0; i < b.N; i++ {
		k := i % len(items)
		if k == 0 {
			if tab != nil {
				tab.Flush()
			}
			tab = NewTable(DefaultOptions(), func(*Flow) {})
		}
		tab.Add(&items[k].P, items[k].TS, items[k].Wire)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// benchItem is one decoded packet with its timestamp and wire length.
type benchItem struct {
	P    decode.Packet
	TS   int64
	Wire uint32
}

// gencapItems decodes a generated capture (400k packets, 10000 concurrent
// flows, seed 1) into memory once.
func gencapItems(b *testing.B) []benchItem { return gencapItemsN(b, 10000) }

// gencapItemsN is gencapItems with conc concurrent flows.
func gencapItemsN(b *testing.B, conc int) []benchItem {
	path := filepath.Join(b.TempDir(), "gen.pcap")
	var buf bytes.Buffer
	if _, err := gencap.Generate(&buf, gencap.Options{Packets: 400000, Concurrent: conc, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	r, err := reader.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var items []benchItem
	for {
		pk, err := r.Next()
		if err != nil {
			break
		}
		var it benchItem
		if decode.Decode(pk.Data, uint32(pk.LinkType), &it.P) == decode.StatusOK && it.P.IPVersion != 0 {
			it.TS, it.Wire = pk.Timestamp, pk.Length
			items = append(items, it)
		}
	}
	return items
}

// BenchmarkTableAddBatchGencap is BenchmarkTableAddGencap through AddBatch
// (256 packets a batch, as the engine sends them).
func BenchmarkTableAddBatchGencap(b *testing.B) {
	for _, conc := range []int{100, 10000} {
		b.Run(fmt.Sprintf("flows=%d", conc), func(b *testing.B) {
			src := gencapItemsN(b, conc)
			items := make([]Item, len(src))
			for i := range src {
				items[i] = Item{P: src[i].P, TS: src[i].TS, Wire: src[i].Wire}
			}
			b.ReportAllocs()
			b.ResetTimer()
			var tab *Table
			batch := make([]Item, 256)
			done := 0
			for done < b.N {
				tab = NewTable(DefaultOptions(), func(*Flow) {})
				for k := 0; k < len(items) && done < b.N; k += 256 {
					// Through a reused batch, as the engine sends them.
					n := copy(batch, items[k:min(k+256, len(items))])
					tab.AddBatch(batch[:n])
					done += n
				}
				tab.Flush()
			}
			b.ReportMetric(float64(done)/b.Elapsed().Seconds(), "packets/s")
		})
	}
}
