package features

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/flowmeter/flowmeter/internal/gencap"
)

// TestGencapTruth generates a synthetic capture with its truth file
// (internal/gencap: the generator states, flow by flow, what it wrote) and
// checks that every truth flow comes out of the table exactly once with
// exact packet, IP byte, payload byte and frame byte counts per direction
// and exact first/last packet times, with the default options. The
// generator reuses 5-tuples after FIN, so the SYN-after-close split is
// exercised too.
func TestGencapTruth(t *testing.T) {
	n := 50000
	if testing.Short() {
		n = 10000
	}
	dir := t.TempDir()
	capPath := filepath.Join(dir, "gen.pcap")
	var capBuf, truthBuf bytes.Buffer
	st, err := gencap.Generate(&capBuf, gencap.Options{Packets: n, Seed: 42, Truth: &truthBuf})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(capPath, capBuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	truth, err := gencap.ReadTruth(&truthBuf)
	if err != nil {
		t.Fatal(err)
	}
	run, err := runCapture(capPath, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if run.ReadErr != nil {
		t.Fatal(run.ReadErr)
	}
	type key struct {
		proto      uint8
		src, dst   netip.Addr
		sport, dpt uint16
		first      int64
	}
	ours := map[key][]*Flow{}
	for i := range run.Flows {
		f := &run.Flows[i]
		k := key{f.Proto, f.Src, f.Dst, f.SrcPort, f.DstPort, f.Start}
		ours[k] = append(ours[k], f)
	}
	bad := 0
	report := func(format string, args ...any) {
		bad++
		if bad <= 20 {
			t.Errorf(format, args...)
		}
	}
	for i := range truth {
		tf := &truth[i]
		k := key{tf.Proto, tf.Src, tf.Dst, tf.SrcPort, tf.DstPort, tf.FirstNs}
		fl := ours[k]
		if len(fl) != 1 {
			report("truth flow %d (%s %s:%d > %s:%d at %d): found %d times", tf.Index, ProtoName(tf.Proto), tf.Src, tf.SrcPort, tf.Dst, tf.DstPort, tf.FirstNs, len(fl))
			continue
		}
		f := fl[0]
		got := [...]int64{f.Fwd.IPBytes.N, f.Bwd.IPBytes.N, f.Fwd.IPBytes.Sum, f.Bwd.IPBytes.Sum,
			f.Fwd.Payload.Sum, f.Bwd.Payload.Sum, f.Fwd.FrameBytes, f.Bwd.FrameBytes, f.End}
		want := [...]int64{int64(tf.Pkts[0]), int64(tf.Pkts[1]), int64(tf.IPBytes[0]), int64(tf.IPBytes[1]),
			int64(tf.PayloadBytes[0]), int64(tf.PayloadBytes[1]), int64(tf.FrameBytes[0]), int64(tf.FrameBytes[1]), tf.LastNs}
		if got != want {
			report("truth flow %d (%s, end %s): pkts/ip/payload/frame fwd,bwd + last = %v, want %v", tf.Index, ProtoName(tf.Proto), tf.End, got, want)
		}
	}
	if len(run.Flows) != len(truth) {
		report("%d flows of ours, %d truth flows", len(run.Flows), len(truth))
	}
	if bad > 20 {
		t.Errorf("%d disagreements in all", bad)
	}
	t.Logf("gencap: %d packets, %d truth flows (%d tuple reuses after FIN), %d flows of ours, %d disagreements",
		st.Packets, len(truth), st.ReusedTuple, len(run.Flows), bad)
}
