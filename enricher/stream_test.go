package enricher

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/features/engine"
	"github.com/flowmeter/flowmeter/internal/gencap"
	"github.com/flowmeter/flowmeter/reader"
)

// streamCase is a synthetic capture with its Zeek conn.log (gencap), long
// in capture time compared to the flow timeouts and the window used.
type streamCase struct {
	pcap, conn []byte
	st         gencap.Stats
}

var (
	streamOnce sync.Once
	streamData streamCase
	streamErr  error
)

func streamInput(t testing.TB) *streamCase {
	t.Helper()
	streamOnce.Do(func() {
		var p, c bytes.Buffer
		streamData.st, streamErr = gencap.Generate(&p, gencap.Options{Packets: 60000, Concurrent: 6, Seed: 11, Conn: &c})
		streamData.pcap, streamData.conn = p.Bytes(), c.Bytes()
	})
	if streamErr != nil {
		t.Fatal(streamErr)
	}
	return &streamData
}

// streamFlowOptions: short timeouts so that the capture spans many windows
// (flows with gaps above the idle timeout are cut, so records merge several
// flows).
func streamFlowOptions() features.Options {
	fo := features.DefaultOptions()
	fo.IdleTimeout = 4e9
	fo.ActiveTimeout = 0
	fo.TCPLinger = 1e9
	return fo
}

// twoPass runs the two-pass join (Index + JoinLog) into JSON lines.
func twoPass(t testing.TB, c *streamCase, fo features.Options, eo Options, emit bool) ([]byte, Summary) {
	t.Helper()
	ix := NewIndex(eo, 0)
	src, err := reader.NewReader(bytes.NewReader(c.pcap))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Run(context.Background(), src, engine.Config{Flow: fo}, ix.Add, nil); err != nil {
		t.Fatal(err)
	}
	log, err := OpenZeek(bytes.NewReader(c.conn))
	if err != nil {
		t.Fatal(err)
	}
	schema, _ := features.SchemaFor(features.SchemaNative, fo.EarlyPackets)
	var out bytes.Buffer
	sink := NewJSONLWriter(&out, schema, JSONLOptions{ECS: true})
	sum, err := JoinLog(context.Background(), log, ix, sink, emit, nil)
	if err != nil {
		t.Fatal(err)
	}
	sink.Close()
	return out.Bytes(), sum
}

func streamed(t testing.TB, c *streamCase, log io.Reader, fo features.Options, eo Options, so StreamOptions) ([]byte, Summary) {
	t.Helper()
	src, err := reader.NewReader(bytes.NewReader(c.pcap))
	if err != nil {
		t.Fatal(err)
	}
	ls, err := OpenZeek(log)
	if err != nil {
		t.Fatal(err)
	}
	schema, _ := features.SchemaFor(features.SchemaNative, fo.EarlyPackets)
	var out bytes.Buffer
	sink := NewJSONLWriter(&out, schema, JSONLOptions{ECS: true})
	sum, err := StreamJoin(context.Background(), src, engine.Config{Flow: fo}, ls, sink, eo, so, nil)
	if err != nil {
		t.Fatal(err)
	}
	sink.Close()
	return out.Bytes(), sum
}

func splitLines(b []byte) []string {
	s := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(s) == 1 && s[0] == "" {
		return nil
	}
	return s
}

// TestStreamEqualsTwoPass: over a synthetic capture and its conn.log
// spanning many windows, the streaming join writes exactly the records of
// the two-pass join, in the same order and byte for byte (features, match
// reasons, orientation), emits the same flows without a record, and holds
// far fewer flows and records at a time than the totals.
func TestStreamEqualsTwoPass(t *testing.T) {
	c := streamInput(t)
	fo := streamFlowOptions()
	eo := DefaultOptions()
	span := time.Duration(c.st.LastNs - c.st.FirstNs)
	so := StreamOptions{Hold: DefaultHold(fo), Window: 10e9, EmitUnmatched: true}
	if span < 20*time.Duration(so.Window) {
		t.Fatalf("capture spans %v only: too short for the test", span)
	}
	want, ws := twoPass(t, c, fo, eo, true)
	got, gs := streamed(t, c, bytes.NewReader(c.conn), fo, eo, so)

	wl, gl := splitLines(want), splitLines(got)
	// Records first (same order), then flows without a record: the two-pass
	// join writes those after the log, the stream as they leave the window.
	isFlow := func(s string) bool { return strings.HasPrefix(s, `{"flowmeter":{"match":"flow_only"`) }
	var wr, wf, gr, gf []string
	for _, l := range wl {
		if isFlow(l) {
			wf = append(wf, l)
		} else {
			wr = append(wr, l)
		}
	}
	for _, l := range gl {
		if isFlow(l) {
			gf = append(gf, l)
		} else {
			gr = append(gr, l)
		}
	}
	if len(wr) != len(gr) {
		t.Fatalf("records: two-pass %d, stream %d", len(wr), len(gr))
	}
	// A record that spans more than the window arrives (Zeek writes it at
	// the connection's end) after its first flows have left the window: it
	// is counted late and may differ. Every other record must be identical.
	diff, long := 0, 0
	for i := range wr {
		d := durationOf(t, wr[i])
		if d > so.Window {
			long++
		}
		if wr[i] != gr[i] {
			if d > so.Window {
				continue
			}
			if diff < 3 {
				t.Errorf("record %d differs:\ntwo-pass %s\nstream   %s", i, wr[i], gr[i])
			}
			diff++
		}
	}
	if diff > 0 {
		t.Fatalf("%d of %d records differ", diff, len(wr))
	}
	if gs.LateRecords > int64(long) {
		t.Errorf("%d late records, but only %d records span more than the window", gs.LateRecords, long)
	}
	slices.Sort(wf)
	slices.Sort(gf)
	if long == 0 {
		if !slices.Equal(wf, gf) {
			t.Errorf("flows without a record: two-pass %d, stream %d (or different)", len(wf), len(gf))
		}
		if ws.Matched != gs.Matched || ws.MultiFlow != gs.MultiFlow || ws.Unmatched != gs.Unmatched ||
			ws.Flows != gs.Flows || ws.FlowsUsed != gs.FlowsUsed || ws.FlowsEmitted != gs.FlowsEmitted {
			t.Errorf("summaries differ:\ntwo-pass %+v\nstream   %+v", ws, gs)
		}
	} else if ws.Matched != gs.Matched || ws.Records != gs.Records || ws.Flows != gs.Flows {
		t.Errorf("summaries differ:\ntwo-pass %+v\nstream   %+v", ws, gs)
	}
	if gs.LateFlows != 0 {
		t.Errorf("late flows %d", gs.LateFlows)
	}
	t.Logf("%d records (%d matched, %d multi-flow, %d longer than the %v window, %d late), %d flows over %v of capture; peak %d flows and %d records held",
		gs.Records, gs.Matched, gs.MultiFlow, long, time.Duration(so.Window), gs.LateRecords, gs.Flows, span.Round(time.Second), gs.PeakFlows, gs.PeakPending)
	if gs.Records < 1000 || gs.MultiFlow == 0 {
		t.Errorf("test input too small: %d records, %d multi-flow", gs.Records, gs.MultiFlow)
	}
	if gs.PeakFlows*5 > gs.Flows {
		t.Errorf("window held %d of %d flows at once: not bounded by time", gs.PeakFlows, gs.Flows)
	}
	if gs.PeakPending > 1 {
		t.Errorf("%d records held at once, want 1", gs.PeakPending)
	}
}

// durationOf returns a JSON line's Zeek duration (0 when absent).
func durationOf(t testing.TB, line string) int64 {
	t.Helper()
	v := jsonGet([]byte(line), "duration")
	return int64(v.Float() * 1e9)
}

// TestStreamInterrupt: with a followed log that never goes idle, cancelling
// the context ends the join cleanly: every record read is written, once.
func TestStreamInterrupt(t *testing.T) {
	c := streamInput(t)
	p := filepath.Join(t.TempDir(), "conn.log")
	if err := os.WriteFile(p, c.conn, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tl, err := OpenTail(p, TailOptions{Poll: 10 * time.Millisecond, Idle: time.Hour}, ctx.Done())
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	fo := streamFlowOptions()
	so := StreamOptions{Hold: DefaultHold(fo), Window: 400e9, LogQuiet: tl.Quiet, CaptureDone: tl.CaptureDone}
	src, _ := reader.NewReader(bytes.NewReader(c.pcap))
	ls, err := OpenZeek(tl)
	if err != nil {
		t.Fatal(err)
	}
	schema, _ := features.SchemaFor(features.SchemaNative, fo.EarlyPackets)
	var out bytes.Buffer
	sink := NewJSONLWriter(&out, schema, JSONLOptions{})
	time.AfterFunc(500*time.Millisecond, cancel)
	sum, err := StreamJoin(ctx, src, engine.Config{Flow: fo}, ls, sink, DefaultOptions(), so, nil)
	sink.Close()
	if err != nil || !sum.Interrupted {
		t.Fatalf("err %v, interrupted %v", err, sum.Interrupted)
	}
	// On a fast machine everything is read before the cancel; on a slow one
	// (-race) part of it: either way what was read is written, matched.
	lines := splitLines(out.Bytes())
	if sum.Records == 0 || int(sum.Records) != len(lines) || sum.Matched != sum.Records {
		t.Errorf("%d records read, %d matched, %d lines", sum.Records, sum.Matched, len(lines))
	}
	seen := map[string]bool{}
	for _, l := range lines {
		uid := jsonGet([]byte(l), "uid").String()
		if seen[uid] {
			t.Errorf("record %s written twice", uid)
		}
		seen[uid] = true
	}
}

// BenchmarkStreamJoin: the synthetic capture and conn.log of
// TestStreamEqualsTwoPass through StreamJoin (capture decoding included).
func BenchmarkStreamJoin(b *testing.B) {
	c := streamInput(b)
	fo := streamFlowOptions()
	so := StreamOptions{Hold: DefaultHold(fo), Window: 10e9}
	b.ReportAllocs()
	b.SetBytes(int64(len(c.pcap)))
	for b.Loop() {
		streamed(b, c, bytes.NewReader(c.conn), fo, DefaultOptions(), so)
	}
}

// BenchmarkTwoPassJoin is the same input through Index + JoinLog.
func BenchmarkTwoPassJoin(b *testing.B) {
	c := streamInput(b)
	fo := streamFlowOptions()
	b.ReportAllocs()
	b.SetBytes(int64(len(c.pcap)))
	for b.Loop() {
		twoPass(b, c, fo, DefaultOptions(), false)
	}
}
