package gencap

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

type outputs struct {
	pcap, truth, conn, eve bytes.Buffer
	st                     Stats
}

func generate(t testing.TB, opt Options) *outputs {
	t.Helper()
	o := &outputs{}
	opt.Truth, opt.Conn, opt.Eve = &o.truth, &o.conn, &o.eve
	st, err := Generate(&o.pcap, opt)
	if err != nil {
		t.Fatal(err)
	}
	o.st = st
	return o
}

// dirKey identifies one direction of a flow as gopacket decodes it.
type dirKey struct {
	proto    uint8
	src, dst netip.Addr
	sp, dp   uint16
	vlan     uint16
}

// decodedFlow accumulates what gopacket sees for one truth flow.
type decodedFlow struct {
	first, last            int64
	pkts, ipb, pay, frameb [2]uint64
	seen                   bool
}

// TestAgainstGopacket reads a small generated capture back with gopacket's
// pcapgo reader and DecodingLayerParser, independent of our code, and checks
// it against the truth file flow by flow. It also checks the capture-wide
// promises: strictly increasing timestamps, frame sizes, valid checksums,
// TCP sequence numbers and gaps below 60 s.
func TestAgainstGopacket(t *testing.T) {
	o := generate(t, Options{Packets: 20000, Seed: 42})
	truth, err := ReadTruth(bytes.NewReader(o.truth.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(truth)) != o.st.Flows {
		t.Fatalf("truth has %d rows, stats say %d flows", len(truth), o.st.Flows)
	}
	// Index truth flows by forward direction; several flows may share a
	// tuple (reuse after FIN), told apart by time.
	byKey := map[dirKey][]int{}
	for i, f := range truth {
		k := dirKey{f.Proto, f.Src, f.Dst, f.SrcPort, f.DstPort, f.VLAN}
		byKey[k] = append(byKey[k], i)
	}
	got := make([]decodedFlow, len(truth))
	// TCP sequence tracking: next expected seq per flow and direction.
	nextSeq := make([][2]uint32, len(truth))

	r, err := pcapgo.NewReader(bytes.NewReader(o.pcap.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Fatalf("link type %v", r.LinkType())
	}
	var (
		eth     layers.Ethernet
		dot1q   layers.Dot1Q
		ip4     layers.IPv4
		ip6     layers.IPv6
		tcp     layers.TCP
		udp     layers.UDP
		payload gopacket.Payload
	)
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &dot1q, &ip4, &ip6, &tcp, &udp, &payload)
	parser.IgnoreUnsupported = true
	var decoded []gopacket.LayerType
	var n uint64
	var lastTs int64
	for {
		data, ci, err := r.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		ts := ci.Timestamp.UnixNano()
		if ts <= lastTs {
			t.Fatalf("packet %d: timestamp %d not after %d", n, ts, lastTs)
		}
		lastTs = ts
		if ci.CaptureLength != ci.Length || len(data) < 60 || len(data) > 1514 {
			t.Fatalf("packet %d: caplen %d len %d", n, ci.CaptureLength, ci.Length)
		}
		if err := parser.DecodeLayers(data, &decoded); err != nil {
			t.Fatalf("packet %d: %v", n, err)
		}
		var k dirKey
		var ipLen, pay int
		for _, l := range decoded {
			switch l {
			case layers.LayerTypeDot1Q:
				k.vlan = dot1q.VLANIdentifier
			case layers.LayerTypeIPv4:
				k.src, _ = netip.AddrFromSlice(ip4.SrcIP.To4())
				k.dst, _ = netip.AddrFromSlice(ip4.DstIP.To4())
				ipLen = int(ip4.Length)
				if c := gopacket.FoldChecksum(gopacket.ComputeChecksum(ip4.Contents, 0)); c != 0 {
					t.Fatalf("packet %d: bad IPv4 header checksum", n)
				}
				tcp.SetNetworkLayerForChecksum(&ip4)
				udp.SetNetworkLayerForChecksum(&ip4)
			case layers.LayerTypeIPv6:
				k.src, _ = netip.AddrFromSlice(ip6.SrcIP)
				k.dst, _ = netip.AddrFromSlice(ip6.DstIP)
				ipLen = int(ip6.Length) + 40
				tcp.SetNetworkLayerForChecksum(&ip6)
				udp.SetNetworkLayerForChecksum(&ip6)
			case layers.LayerTypeTCP:
				k.proto, k.sp, k.dp = 6, uint16(tcp.SrcPort), uint16(tcp.DstPort)
				pay = len(tcp.Payload)
				if err, v := tcp.VerifyChecksum(); err != nil || !v.Valid {
					t.Fatalf("packet %d: bad TCP checksum %+v %v", n, v, err)
				}
			case layers.LayerTypeUDP:
				k.proto, k.sp, k.dp = 17, uint16(udp.SrcPort), uint16(udp.DstPort)
				pay = len(udp.Payload)
				if err, v := udp.VerifyChecksum(); err != nil || !v.Valid {
					t.Fatalf("packet %d: bad UDP checksum %+v %v", n, v, err)
				}
			}
		}
		if k.proto == 0 {
			t.Fatalf("packet %d: no transport decoded (%v)", n, decoded)
		}
		dir := 0
		cands := byKey[k]
		if cands == nil {
			dir = 1
			cands = byKey[dirKey{k.proto, k.dst, k.src, k.dp, k.sp, k.vlan}]
		}
		fi := -1
		for _, i := range cands {
			if truth[i].FirstNs <= ts && ts <= truth[i].LastNs {
				fi = i
			}
		}
		if fi < 0 {
			t.Fatalf("packet %d (%+v at %d): no truth flow", n, k, ts)
		}
		g := &got[fi]
		if !g.seen {
			g.first, g.seen = ts, true
		} else if ts-g.last >= 60e9 {
			t.Fatalf("packet %d: gap of %d ns inside flow %d", n, ts-g.last, truth[fi].Index)
		}
		g.last = ts
		g.pkts[dir]++
		g.ipb[dir] += uint64(ipLen)
		g.pay[dir] += uint64(pay)
		g.frameb[dir] += uint64(ci.Length)
		if k.proto == 6 {
			// Every segment starts where the previous one of its direction
			// ended; ACKs never acknowledge unsent bytes.
			ns := &nextSeq[fi]
			if tcp.SYN {
				ns[dir] = tcp.Seq + 1
			} else if !(tcp.RST && tcp.Seq == 0 && truth[fi].Pkts[1] == 1) {
				if tcp.Seq != ns[dir] {
					t.Fatalf("packet %d flow %d: seq %d, want %d", n, truth[fi].Index, tcp.Seq, ns[dir])
				}
				ns[dir] += uint32(pay)
				if tcp.FIN {
					ns[dir]++
				}
			}
			if tcp.ACK && tcp.Ack != ns[1-dir] {
				t.Fatalf("packet %d flow %d: ack %d, want %d", n, truth[fi].Index, tcp.Ack, ns[1-dir])
			}
		}
	}
	if n != o.st.Packets || n < 20000 {
		t.Fatalf("read %d packets, stats say %d", n, o.st.Packets)
	}
	for i, f := range truth {
		g := got[i]
		if g.first != f.FirstNs || g.last != f.LastNs || g.pkts != f.Pkts || g.ipb != f.IPBytes ||
			g.pay != f.PayloadBytes || g.frameb != f.FrameBytes {
			t.Errorf("flow %d: gopacket saw %+v, truth %+v", f.Index, g, f)
		}
	}
}

// TestMix checks the traffic mix promised in the package documentation.
func TestMix(t *testing.T) {
	o := generate(t, Options{Packets: 200000, Seed: 7})
	st := o.st
	frac := func(a uint64) float64 { return float64(a) / float64(st.Flows) }
	check := func(name string, v, lo, hi float64) {
		if v < lo || v > hi {
			t.Errorf("%s = %.3f, want in [%.2f, %.2f]", name, v, lo, hi)
		}
	}
	check("TCP flow share", frac(st.TCPFlows), 0.70, 0.80)
	check("IPv6 flow share", frac(st.IPv6Flows), 0.25, 0.35)
	check("VLAN flow share", frac(st.VLANFlows), 0.12, 0.28)
	check("RST share of TCP", float64(st.Ends[EndRst])/float64(st.TCPFlows), 0.07, 0.13)
	if st.Ends[EndOpen] == 0 || st.Ends[EndOpen] > st.Flows/100 {
		t.Errorf("open flows %d of %d: want a few", st.Ends[EndOpen], st.Flows)
	}
	if st.ReusedTuple == 0 {
		t.Error("no flow reuses a FIN-closed tuple")
	}
	if st.Packets < 200000 || st.Packets > 210000 {
		t.Errorf("packets %d", st.Packets)
	}
	if st.Ends[EndFin]+st.Ends[EndRst]+st.Ends[EndOpen]+st.Ends[EndUDP] != st.Flows {
		t.Errorf("ends %v do not add up to %d flows", st.Ends, st.Flows)
	}
}

func sum(b []byte) [32]byte { return sha256.Sum256(b) }

// TestDeterminism: same seed, same bytes in every output; another seed,
// another capture.
func TestDeterminism(t *testing.T) {
	opt := Options{Packets: 20000, Seed: 3, ConnRecords: 1000, EveRecords: 1000}
	a, b := generate(t, opt), generate(t, opt)
	for _, p := range [][2]*bytes.Buffer{{&a.pcap, &b.pcap}, {&a.truth, &b.truth}, {&a.conn, &b.conn}, {&a.eve, &b.eve}} {
		if sum(p[0].Bytes()) != sum(p[1].Bytes()) {
			t.Fatal("same seed, different output")
		}
	}
	opt.Seed = 4
	c := generate(t, opt)
	if sum(a.pcap.Bytes()) == sum(c.pcap.Bytes()) {
		t.Fatal("different seeds, same capture")
	}
}

// TestZeekConnLog checks conn.log structure and that its rows carry the
// truth's numbers, then the -conn-records top-up.
func TestZeekConnLog(t *testing.T) {
	o := generate(t, Options{Packets: 20000, Seed: 5, ConnRecords: 3000})
	truth, err := ReadTruth(&o.truth)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		src, dst netip.Addr
		sp, dp   uint16
		first    string
	}
	want := map[key]Flow{}
	for _, f := range truth {
		want[key{f.Src, f.Dst, f.SrcPort, f.DstPort, string(appendSecs(nil, f.FirstNs))}] = f
	}
	sc := bufio.NewScanner(&o.conn)
	var fields []string
	rows, matched, closed := 0, 0, false
	uids := map[string]bool{}
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			if strings.HasPrefix(line, "#fields\t") {
				fields = strings.Split(line, "\t")[1:]
			}
			if strings.HasPrefix(line, "#close\t") {
				closed = true
			}
			continue
		}
		rows++
		col := strings.Split(line, "\t")
		if len(col) != len(fields) || len(fields) != 22 {
			t.Fatalf("row %d: %d columns, %d fields", rows, len(col), len(fields))
		}
		if uids[col[1]] || len(col[1]) != 18 || col[1][0] != 'C' {
			t.Fatalf("row %d: bad or duplicate uid %q", rows, col[1])
		}
		uids[col[1]] = true
		src, dst := netip.MustParseAddr(col[2]), netip.MustParseAddr(col[4])
		sp, _ := strconv.Atoi(col[3])
		dp, _ := strconv.Atoi(col[5])
		f, ok := want[key{src, dst, uint16(sp), uint16(dp), col[0]}]
		if !strings.HasPrefix(col[21], "1:") {
			t.Fatalf("row %d: community_id %q", rows, col[21])
		}
		if rows > len(truth) {
			// Top-up records: never a capture tuple, initiators in
			// 100.64.0.0/10 or fd64::/16.
			if ok || !(netip.MustParsePrefix("100.64.0.0/10").Contains(src) || netip.MustParsePrefix("fd64::/16").Contains(src)) {
				t.Fatalf("row %d: extra record %v overlaps the capture", rows, src)
			}
			continue
		}
		if !ok {
			t.Fatalf("row %d: not in truth: %s", rows, line)
		}
		matched++
		nums := []string{strconv.FormatUint(f.Pkts[0], 10), strconv.FormatUint(f.IPBytes[0], 10),
			strconv.FormatUint(f.Pkts[1], 10), strconv.FormatUint(f.IPBytes[1], 10)}
		if strings.Join(col[16:20], " ") != strings.Join(nums, " ") {
			t.Fatalf("row %d: counts %v, truth %v", rows, col[16:20], nums)
		}
	}
	if !closed || matched != len(truth) || rows != 3000 || o.st.ConnRecords != 3000 {
		t.Fatalf("closed %v, matched %d of %d, rows %d", closed, matched, len(truth), rows)
	}
}

// TestEveJSON checks that every event is valid JSON with Suricata's flow
// keys and frame byte counts matching the truth.
func TestEveJSON(t *testing.T) {
	o := generate(t, Options{Packets: 20000, Seed: 6})
	truth, err := ReadTruth(&o.truth)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&o.eve)
	i := 0
	for sc.Scan() {
		var ev struct {
			FlowID    uint64 `json:"flow_id"`
			EventType string `json:"event_type"`
			SrcIP     string `json:"src_ip"`
			SrcPort   uint16 `json:"src_port"`
			DestIP    string `json:"dest_ip"`
			DestPort  uint16 `json:"dest_port"`
			Proto     string `json:"proto"`
			CID       string `json:"community_id"`
			Flow      struct {
				PktsToServer  uint64 `json:"pkts_toserver"`
				PktsToClient  uint64 `json:"pkts_toclient"`
				BytesToServer uint64 `json:"bytes_toserver"`
				BytesToClient uint64 `json:"bytes_toclient"`
				Start, End    string
				State, Reason string
			} `json:"flow"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		f := truth[i] // events and truth rows are written in the same order
		i++
		if ev.EventType != "flow" || ev.FlowID == 0 || netip.MustParseAddr(ev.SrcIP) != f.Src ||
			netip.MustParseAddr(ev.DestIP) != f.Dst || ev.SrcPort != f.SrcPort || ev.DestPort != f.DstPort ||
			ev.Flow.PktsToServer != f.Pkts[0] || ev.Flow.PktsToClient != f.Pkts[1] ||
			ev.Flow.BytesToServer != f.FrameBytes[0] || ev.Flow.BytesToClient != f.FrameBytes[1] ||
			ev.Flow.Start == "" || ev.Flow.State == "" || !strings.HasPrefix(ev.CID, "1:") {
			t.Fatalf("line %d: %s\ntruth %+v", i, sc.Text(), f)
		}
	}
	if i != len(truth) {
		t.Fatalf("%d events, %d flows", i, len(truth))
	}
}

// TestSynFlood reads the SYN flood back with gopacket: N SYNs, all from
// distinct source address/port pairs, to one server.
func TestSynFlood(t *testing.T) {
	const n = 50000
	var pcap, truth bytes.Buffer
	st, err := GenerateSynFlood(&pcap, &truth, n, Options{Seed: 1})
	if err != nil || st.Packets != n || st.Flows != n {
		t.Fatalf("%+v %v", st, err)
	}
	r, err := pcapgo.NewReader(&pcap)
	if err != nil {
		t.Fatal(err)
	}
	var eth layers.Ethernet
	var ip4 layers.IPv4
	var tcp layers.TCP
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &tcp)
	parser.IgnoreUnsupported = true
	var decoded []gopacket.LayerType
	seen := map[netip.AddrPort]bool{}
	for {
		data, _, err := r.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := parser.DecodeLayers(data, &decoded); err != nil || len(decoded) != 3 {
			t.Fatalf("%v %v", decoded, err)
		}
		if !tcp.SYN || tcp.ACK || ip4.DstIP.String() != "198.18.0.1" || tcp.DstPort != 80 {
			t.Fatalf("not a SYN to 198.18.0.1:80: %v:%v", ip4.DstIP, tcp.DstPort)
		}
		a, _ := netip.AddrFromSlice(ip4.SrcIP.To4())
		ap := netip.AddrPortFrom(a, uint16(tcp.SrcPort))
		if seen[ap] {
			t.Fatalf("source %v repeated", ap)
		}
		seen[ap] = true
	}
	if len(seen) != n {
		t.Fatalf("%d SYNs", len(seen))
	}
	rows, err := ReadTruth(&truth)
	if err != nil || len(rows) != n || rows[0].End != EndOpen || rows[0].Pkts != [2]uint64{1, 0} {
		t.Fatalf("truth: %d rows, %v", len(rows), err)
	}
}

func TestReadTruthRoundTrip(t *testing.T) {
	o := generate(t, Options{Packets: 5000, Seed: 8})
	rows, err := ReadTruth(bytes.NewReader(o.truth.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	b := []byte(TruthHeader)
	for i := range rows {
		b = AppendTruthRow(b, &rows[i])
	}
	if !bytes.Equal(b, o.truth.Bytes()) {
		t.Fatal("truth file does not round-trip")
	}
	for _, bad := range []string{"", "x\n", TruthHeader + "1\t2\n", TruthHeader + strings.Repeat("x\t", 18) + "fin\n"} {
		if _, err := ReadTruth(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadTruth(%q) succeeded", bad)
		}
	}
}

// TestAllocsIndependentOfPackets: generation allocates a fixed amount for
// its set-up, nothing per packet or per flow.
func TestAllocsIndependentOfPackets(t *testing.T) {
	allocs := func(n int) float64 {
		return testing.AllocsPerRun(2, func() {
			Generate(io.Discard, Options{Packets: n, Concurrent: 100, Seed: 1, Truth: io.Discard, Conn: io.Discard, Eve: io.Discard})
		})
	}
	small, large := allocs(10000), allocs(50000)
	if large-small > 10 {
		t.Fatalf("allocations grow with packets: %v for 10k packets, %v for 50k", small, large)
	}
}

func BenchmarkGenerate(b *testing.B) {
	const n = 200000
	b.ReportAllocs()
	var st Stats
	for b.Loop() {
		var err error
		st, err = Generate(io.Discard, Options{Packets: n, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(st.FileBytes))
	b.ReportMetric(float64(st.Packets)*float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}

func BenchmarkGenerateWithLogs(b *testing.B) {
	const n = 200000
	b.ReportAllocs()
	var st Stats
	for b.Loop() {
		var err error
		st, err = Generate(io.Discard, Options{Packets: n, Seed: 1, Truth: io.Discard, Conn: io.Discard, Eve: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(st.FileBytes))
	b.ReportMetric(float64(st.Packets)*float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}
