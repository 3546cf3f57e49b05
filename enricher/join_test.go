package enricher

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/flowmeter/flowmeter/features"
)

// TestMergeExact: a connection cut into several records by a short active
// timeout, joined back, has exactly the counts, sums, minima, maxima and
// (to rounding) the means and variances of the uncut flow.
func TestMergeExact(t *testing.T) {
	corpus := corpusRoot(t)
	pcap := filepath.Join(corpus, "zeek/testing/btest/Traces/ssh/ssh.pcap")
	whole := indexCapture(t, pcap, zeekLikeOptions(0), DefaultOptions())
	cutOpts := zeekLikeOptions(0)
	cutOpts.ActiveTimeout = 1e9
	cut := indexCapture(t, pcap, cutOpts, DefaultOptions())
	if cut.Len() <= whole.Len() {
		t.Fatalf("active timeout did not cut: %d vs %d flows", cut.Len(), whole.Len())
	}
	multi := 0
	for i := range whole.flows {
		w := &whole.flows[i]
		q := Query{Proto: w.Proto, Orig: w.Src, Resp: w.Dst, OrigPort: w.SrcPort, RespPort: w.DstPort, Start: w.Start, End: w.End, HasTime: true}
		var a, b Result
		whole.Join(&q, &a)
		cut.Join(&q, &b)
		if a.Reason != Matched || b.Reason != Matched || a.N != 1 {
			t.Fatalf("flow %d: %s/%s", i, a.Reason, b.Reason)
		}
		if b.N > 1 {
			multi++
		}
		fa, fb := &a.Flow, &b.Flow
		for _, p := range [][2]features.Stat{{fa.Fwd.IPBytes, fb.Fwd.IPBytes}, {fa.Bwd.IPBytes, fb.Bwd.IPBytes}, {fa.Fwd.Payload, fb.Fwd.Payload}, {fa.IAT, fb.IAT}, {fa.Fwd.IAT, fb.Fwd.IAT}} {
			x, y := p[0], p[1]
			if x.N != y.N || x.Sum != y.Sum || x.Min != y.Min || x.Max != y.Max {
				t.Errorf("flow %d: whole %+v merged %+v", i, x, y)
			}
			if d := x.Var() - y.Var(); d*d > 1e-12*(x.Var()*x.Var()+1) {
				t.Errorf("flow %d: variance %g vs %g", i, x.Var(), y.Var())
			}
		}
		if fa.Start != fb.Start || fa.End != fb.End {
			t.Errorf("flow %d: span differs", i)
		}
	}
	if multi == 0 {
		t.Fatal("no record merged several flows")
	}
}

// TestReasons covers the unmatched reasons and orientation swapping.
func TestReasons(t *testing.T) {
	corpus := corpusRoot(t)
	ix := indexCapture(t, filepath.Join(corpus, "zeek/testing/btest/Traces/ssh/ssh.pcap"), zeekLikeOptions(0), DefaultOptions())
	f := ix.flows[0]
	var res Result
	q := Query{}
	ix.Join(&q, &res)
	if res.Reason != NoCommunityID {
		t.Errorf("empty query: %s", res.Reason)
	}
	q = Query{Proto: f.Proto, Orig: f.Src, Resp: f.Dst, OrigPort: f.SrcPort + 1, RespPort: f.DstPort}
	ix.Join(&q, &res)
	if res.Reason != NoFlow {
		t.Errorf("other port: %s", res.Reason)
	}
	q = Query{Proto: f.Proto, Orig: f.Src, Resp: f.Dst, OrigPort: f.SrcPort, RespPort: f.DstPort, Start: f.End + 10e9, End: f.End + 11e9, HasTime: true}
	ix.Join(&q, &res)
	if res.Reason != NoOverlap {
		t.Errorf("later time: %s", res.Reason)
	}
	// Reversed orientation: the record's originator is our responder.
	q = Query{Proto: f.Proto, Orig: f.Dst, Resp: f.Src, OrigPort: f.DstPort, RespPort: f.SrcPort}
	ix.Join(&q, &res)
	if res.Reason != Matched || !res.Swapped || res.Flow.Fwd.IPBytes != f.Bwd.IPBytes || res.Flow.Src != f.Dst {
		t.Errorf("reversed: %s swapped %v", res.Reason, res.Swapped)
	}
	q.CommunityID = []byte("1:not-an-id")
	ix.Join(&q, &res)
	if res.Reason != Matched || res.Source != IDComputed {
		t.Errorf("bad logged id: %s %s", res.Reason, res.Source)
	}
}

// TestJoinNoAllocs: reading a TSV record and joining it allocate nothing.
func TestJoinNoAllocs(t *testing.T) {
	corpus := corpusRoot(t)
	ix := indexCapture(t, filepath.Join(corpus, "zeek/testing/btest/Traces/ssh/ssh.pcap"), zeekLikeOptions(0), DefaultOptions())
	f := ix.flows[3]
	q := Query{Proto: f.Proto, Orig: f.Src, Resp: f.Dst, OrigPort: f.SrcPort, RespPort: f.DstPort, Start: f.Start, End: f.End, HasTime: true}
	var res Result
	ix.Join(&q, &res)
	if n := testing.AllocsPerRun(100, func() { ix.Join(&q, &res) }); n != 0 {
		t.Errorf("Join: %v allocs", n)
	}
	var buf bytes.Buffer
	buf.WriteString("#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\n#types\ttime\taddr\tport\taddr\tport\tenum\tinterval\n")
	for range 300 {
		buf.WriteString("1324071333.493287\t192.168.1.79\t51880\t131.159.21.1\t22\ttcp\t6.1\n")
	}
	src, err := OpenZeek(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	src.Next()
	if n := testing.AllocsPerRun(100, func() {
		rec, err := src.Next()
		if err != nil {
			t.Fatal(err)
		}
		ix.Join(&rec.Query, &res)
	}); n != 0 {
		t.Errorf("Next+Join: %v allocs", n)
	}
}

// FuzzJoinLog: arbitrary log bytes, as Zeek (TSV or JSON) and as eve, go
// through the join and every writer without panicking.
func FuzzJoinLog(f *testing.F) {
	f.Add([]byte("#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttunnel_parents\n#types\ttime\taddr\tport\taddr\tport\tenum\tset[string]\nXXXXXXXXXX.XXXXXX\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\ta,b\n"))
	f.Add([]byte(`{"ts":1.5,"id.orig_h":"1.2.3.4","id.orig_p":1,"id.resp_h":"5.6.7.8","id.resp_p":2,"proto":"udp"}` + "\n"))
	f.Add([]byte(`{"timestamp":"2020-01-01T00:00:00.000000+0000","event_type":"flow","src_ip":"1.2.3.4","src_port":1,"dest_ip":"5.6.7.8","dest_port":2,"proto":"ICMP","icmp_type":8,"flow":{"start":"2020-01-01T00:00:00.000000+0000","end":"2020-01-01T00:00:01.000000+0000"}}` + "\n"))
	schema, _ := features.SchemaFor("native", 4)
	f.Fuzz(func(t *testing.T, data []byte) {
		ix := NewIndex(DefaultOptions(), 0)
		var fl features.Flow
		fl.Proto, fl.Fwd.IPBytes.N = 132, 1
		ix.Add(&fl)
		for _, open := range []func(io.Reader) (Source, error){OpenZeek, OpenEve} {
			src, err := open(bytes.NewReader(data))
			if err != nil {
				continue
			}
			var sinks []Sink
			sinks = append(sinks, NewJSONLWriter(io.Discard, schema, JSONLOptions{ECS: true}))
			if src.Kind() == LogZeekTSV {
				sinks = append(sinks, NewZeekWriter(io.Discard, schema, nil))
			}
			// The Parquet writer is left out: parquet-go's zstd set-up makes
			// each execution take seconds. Parquet is covered by the CLI test.
			multi := multiSink(sinks)
			JoinLog(context.Background(), src, ix, multi, true, nil)
			multi.Close()
		}
	})
}

type multiSink []Sink

func (m multiSink) Write(r *Record, res *Result) error {
	for _, s := range m {
		s.Write(r, res)
	}
	return nil
}

func (m multiSink) WriteFlow(f *features.Flow) error {
	for _, s := range m {
		s.WriteFlow(f)
	}
	return nil
}

func (m multiSink) Close() error {
	for _, s := range m {
		s.Close()
	}
	return nil
}
