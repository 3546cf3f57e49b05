package eve

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flowmeter/flowmeter/internal/corpus"
)

// findCorpus returns the shared corpus directory, or "" when it is absent.
func findCorpus() string {
	c, err := corpus.Dir()
	if err != nil {
		return ""
	}
	return c
}

func corpusEve(t testing.TB) string {
	c := findCorpus()
	if c == "" {
		t.Skip("shared test corpus ../shared/corpus (relative to the repository root) not found; skipping")
	}
	return filepath.Join(c, "slips/dataset/test6-malicious.suricata.json")
}

func readAll(t testing.TB, r io.Reader) ([]Event, *Reader) {
	t.Helper()
	rd, err := NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	var evs []Event
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		e := *ev
		e.Raw = nil
		e.CommunityID = append([]byte(nil), e.CommunityID...)
		e.Type = strings.Clone(e.Type)
		evs = append(evs, e)
	}
	return evs, rd
}

func nonEmptyLines(t testing.TB, p string) int {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	n := 0
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			n++
		}
	}
	return n
}

// TestEveCorpus reads Slips' real Suricata eve.json and compares every event
// with jq's extraction of the same fields, and every timestamp with Python's
// datetime (strptime %z).
func TestEveCorpus(t *testing.T) {
	p := corpusEve(t)
	evs, rd := readAll(t, mustOpen(t, p))
	if n := nonEmptyLines(t, p); len(evs) != n || rd.MalformedCount() != 0 {
		t.Fatalf("%d events, %d malformed, want %d", len(evs), rd.MalformedCount(), n)
	}
	types := map[string]int{}
	for _, e := range evs {
		types[e.Type]++
	}
	if types["flow"] == 0 || types["alert"] == 0 || types["dns"] == 0 {
		t.Fatalf("event types %v", types)
	}
	if jq, err := exec.LookPath("jq"); err != nil {
		t.Log("jq not installed; skipping field comparison")
	} else {
		out, err := exec.Command(jq, "-r", `[.event_type, (.flow_id // 0), (.src_ip // "-"), (.dest_ip // "-"), (.src_port // 0), (.dest_port // 0), (.proto // "-"),
			(.flow.pkts_toserver // 0), (.flow.pkts_toclient // 0), (.flow.bytes_toserver // 0), (.flow.bytes_toclient // 0), (.community_id // "-")] | map(tostring) | join(" ")`, p).Output()
		if err != nil {
			t.Fatalf("jq: %v", err)
		}
		rows := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(rows) != len(evs) {
			t.Fatalf("jq %d rows, reader %d", len(rows), len(evs))
		}
		protos := map[string]uint8{"TCP": 6, "UDP": 17, "ICMP": 1, "IPv6-ICMP": 58, "SCTP": 132, "-": 0}
		for i, row := range rows {
			e := evs[i]
			addr := func(a interface {
				IsValid() bool
				String() string
			}) string {
				if !a.IsValid() {
					return "-"
				}
				return a.String()
			}
			got := strings.Join([]string{e.Type, strconv.FormatUint(e.FlowID, 10), addr(e.SrcIP), addr(e.DestIP),
				strconv.Itoa(int(e.SrcPort)), strconv.Itoa(int(e.DestPort))}, " ")
			f := strings.Fields(row)
			if got != strings.Join(f[:6], " ") {
				t.Fatalf("line %d: %q, jq %q", e.Line, got, strings.Join(f[:6], " "))
			}
			if want, ok := protos[f[6]]; !ok || want != e.Proto {
				t.Fatalf("line %d: proto %d, jq %s", e.Line, e.Proto, f[6])
			}
			counts := strings.Join([]string{strconv.FormatInt(e.PktsToServer, 10), strconv.FormatInt(e.PktsToClient, 10),
				strconv.FormatInt(e.BytesToServer, 10), strconv.FormatInt(e.BytesToClient, 10)}, " ")
			if counts != strings.Join(f[7:11], " ") {
				t.Fatalf("line %d: counts %s, jq %v", e.Line, counts, f[7:11])
			}
			cid := string(e.CommunityID)
			if cid == "" {
				cid = "-"
			}
			if cid != f[11] {
				t.Fatalf("line %d: community_id %q, jq %q", e.Line, cid, f[11])
			}
		}
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not installed; skipping timestamp comparison")
		return
	}
	script := `
import sys, json, datetime
E = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
def ns(s):
    if s is None:
        return "-"
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z")
    td = d - E
    return str((td.days * 86400 + td.seconds) * 10**9 + td.microseconds * 1000)
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    o = json.loads(line)
    fl = o.get("flow") or {}
    print(ns(o.get("timestamp")), ns(fl.get("start")), ns(fl.get("end")))
`
	out, err := exec.Command(py, "-c", script, p).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	rows := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(rows) != len(evs) {
		t.Fatalf("python %d rows, reader %d", len(rows), len(evs))
	}
	ends := 0
	for i, row := range rows {
		e := evs[i]
		fmtNS := func(v int64, has bool) string {
			if !has {
				return "-"
			}
			return strconv.FormatInt(v, 10)
		}
		got := strings.Join([]string{fmtNS(e.Timestamp, e.Has&HasTimestamp != 0), fmtNS(e.Start, e.Has&HasStart != 0), fmtNS(e.End, e.Has&HasEnd != 0)}, " ")
		if got != row {
			t.Fatalf("line %d: times %s, python %s", e.Line, got, row)
		}
		if e.Has&HasEnd != 0 {
			ends++
		}
	}
	if ends == 0 {
		t.Fatal("no flow.end seen")
	}
}

func mustOpen(t testing.TB, p string) *os.File {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestEveGzip(t *testing.T) {
	p := corpusEve(t)
	data, _ := os.ReadFile(p)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	a, _ := readAll(t, bytes.NewReader(data))
	b, _ := readAll(t, &gz)
	if len(a) != len(b) || a[len(a)-1].FlowID != b[len(b)-1].FlowID {
		t.Fatalf("gzip: %d vs %d events", len(b), len(a))
	}
}

const sample = `{"timestamp":"2024-01-02T03:04:05.123456+0100","flow_id":42,"event_type":"flow","src_ip":"2001:db8::1","src_port":5353,"dest_ip":"ff02::fb","dest_port":5353,"proto":"UDP","community_id":"1:Lw4C9pEzoivxJQDQnQ+CH9vpqJI=","flow":{"pkts_toserver":3,"pkts_toclient":0,"bytes_toserver":300,"bytes_toclient":0,"start":"2024-01-02T03:04:00.000001+0100","end":"2024-01-02T03:04:05.5+01:00"}}
not json
{"timestamp":"2024-01-02T02:04:05Z","event_type":"netflow","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","proto":"58","netflow":{"pkts":7,"bytes":700,"start":"2024-01-02T02:04:00Z","end":"2024-01-02T02:04:05Z"}}

"just a string"
{"timestamp":"bad","event_type":"my_custom_type","proto":47,"src_ip":"x"}
{"event_type":"stats","stats":{"uptime":5}}`

func TestEveSampleAndMalformed(t *testing.T) {
	evs, rd := readAll(t, strings.NewReader(sample))
	if len(evs) != 4 {
		t.Fatalf("%d events", len(evs))
	}
	if m := rd.Malformed(); rd.MalformedCount() != 2 || m[0] != (Malformed{2, ReasonBadJSON}) || m[1] != (Malformed{5, ReasonNotObject}) {
		t.Fatalf("malformed %+v", m)
	}
	e := evs[0]
	if e.Line != 1 || e.Type != "flow" || e.FlowID != 42 || e.Timestamp != 1704161045123456000 || e.Proto != 17 ||
		e.SrcPort != 5353 || e.DestIP.String() != "ff02::fb" || string(e.CommunityID) != "1:Lw4C9pEzoivxJQDQnQ+CH9vpqJI=" ||
		e.PktsToServer != 3 || e.BytesToServer != 300 || e.Start != 1704161040000001000 || e.End != 1704161045500000000 ||
		e.Has != HasTimestamp|HasFlowID|HasTuple|HasFlow|HasCounts|HasStart|HasEnd {
		t.Errorf("flow event %+v", e)
	}
	e = evs[1]
	if e.Line != 3 || e.Type != "netflow" || e.Proto != 58 || e.PktsToServer != 7 || e.BytesToServer != 700 ||
		e.End-e.Start != 5e9 || e.Timestamp != 1704161045000000000 || e.Has&HasNetflow == 0 {
		t.Errorf("netflow event %+v", e)
	}
	e = evs[2]
	if e.Line != 6 || e.Type != "my_custom_type" || e.Proto != 47 || e.Has&(HasTimestamp|HasTuple) != 0 {
		t.Errorf("custom event %+v", e)
	}
	if evs[3].Type != "stats" || evs[3].Line != 7 {
		t.Errorf("stats %+v", evs[3])
	}
	var ev Event
	Parse([]byte(strings.SplitN(sample, "\n", 2)[0]), &ev)
	if ev.FlowID != 42 || ev.End != 1704161045500000000 {
		t.Errorf("Parse %+v", ev)
	}
}

func genEve(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		b.WriteString(`{"timestamp":"2021-06-06T15:59:46.` + strconv.Itoa(100000+i%900000) + `+0200","flow_id":` + strconv.Itoa(1374195536821504+i) +
			`,"event_type":"flow","src_ip":"192.168.1.` + strconv.Itoa(i%256) + `","src_port":` + strconv.Itoa(1024+i%60000) +
			`,"dest_ip":"192.168.1.129","dest_port":445,"proto":"TCP","community_id":"1:LQU9qZlK+B5F3KDmev6m5PMibrg=","flow":{"pkts_toserver":1,"pkts_toclient":0,"bytes_toserver":60,"bytes_toclient":0,"start":"2021-06-06T15:59:46.457984+0200","end":"2021-06-06T15:59:47.457984+0200","age":1,"state":"new","reason":"timeout","alerted":false},"tcp":{"tcp_flags":"02","tcp_flags_ts":"02","tcp_flags_tc":"00","syn":true,"state":"syn_sent"},"host":"stratosphere.org"}` + "\n")
	}
	return b.Bytes()
}

func TestEveNoAllocs(t *testing.T) {
	rd, _ := NewReader(bytes.NewReader(genEve(2000)))
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := rd.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per event", allocs)
	}
}

func BenchmarkEve(b *testing.B) {
	const n = 20000
	data := genEve(n)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cpu0 := cpuNanos()
	recs := 0
	for i := 0; i < b.N; i++ {
		rd, _ := NewReader(bytes.NewReader(data))
		for {
			if _, err := rd.Next(); err != nil {
				break
			}
			recs++
		}
	}
	b.ReportMetric(float64(recs)/b.Elapsed().Seconds(), "records/s")
	if cpu := cpuNanos() - cpu0; cpu > 0 {
		b.ReportMetric(float64(recs)/(float64(cpu)/1e9), "records/cpu-s")
	}
}

func FuzzEve(f *testing.F) {
	f.Add([]byte(sample))
	f.Add(genEve(2))
	if c := findCorpus(); c != "" {
		if b, err := os.ReadFile(filepath.Join(c, "slips/dataset/test6-malicious.suricata.json")); err == nil {
			lines := bytes.Split(b, []byte("\n"))
			for _, i := range []int{0, 100, 1000, 3000} {
				if i < len(lines) {
					f.Add(lines[i])
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for {
			if _, err := rd.Next(); err != nil {
				break
			}
		}
		var ev Event
		Parse(data, &ev)
	})
}
