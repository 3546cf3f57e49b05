package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/flowmeter/flowmeter/formats/zeek"
	"github.com/flowmeter/flowmeter/internal/gencap"
)

// enrichCorpus returns the ssh trace and its Zeek conn.log baseline, or skips.
func enrichCorpus(t *testing.T) (pcap, connLog string) {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		p := filepath.Dir(dir)
		if p == dir {
			t.Skip("repository root not found")
		}
		dir = p
	}
	c := filepath.Join(dir, "..", "shared", "corpus", "zeek", "testing", "btest")
	pcap = filepath.Join(c, "Traces", "ssh", "ssh.pcap")
	connLog = filepath.Join(c, "Baseline", "scripts.base.protocols.ssh.basic", "conn.log")
	if _, err := os.Stat(pcap); err != nil {
		t.Skipf("corpus not found (../shared/corpus): %v", err)
	}
	return pcap, connLog
}

func runEnrichCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("flowmeter %v: exit %d: %s", args, code, errb.String())
	}
	return errb.String()
}

// zeekCut mimics zeek-cut (zeek-aux/zeek-cut/zeek-cut.c): it takes the
// separator from "#separator \xNN", the column names from #fields, and
// prints the named columns of each data line. It fails the test where
// zeek-cut would misbehave: no #separator or #fields before data, a data
// line whose value count differs from #fields, a duplicate field name.
func zeekCut(t *testing.T, data []byte, cols ...string) [][]string {
	t.Helper()
	sep := ""
	var fields []string
	var out [][]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#separator "):
			v := strings.TrimPrefix(line, "#separator ")
			if !strings.HasPrefix(v, `\x`) || len(v) != 4 {
				t.Fatalf("zeek-cut: bad #separator %q", v)
			}
			b, err := strconv.ParseUint(v[2:], 16, 8)
			if err != nil {
				t.Fatal(err)
			}
			sep = string(rune(b))
			continue
		case strings.HasPrefix(line, "#fields"):
			if sep == "" {
				t.Fatal("zeek-cut: #fields before #separator")
			}
			fields = strings.Split(line, sep)[1:]
			seen := map[string]bool{}
			for _, f := range fields {
				if seen[f] {
					t.Fatalf("zeek-cut: duplicate field %q", f)
				}
				seen[f] = true
			}
			continue
		case strings.HasPrefix(line, "#"):
			continue
		}
		if fields == nil {
			t.Fatal("zeek-cut: data before #fields")
		}
		v := strings.Split(line, sep)
		if len(v) != len(fields) {
			t.Fatalf("zeek-cut: %d values for %d fields", len(v), len(fields))
		}
		row := make([]string, len(cols))
		for i, c := range cols {
			row[i] = "-"
			for j, f := range fields {
				if f == c {
					row[i] = v[j]
				}
			}
		}
		out = append(out, row)
	}
	return out
}

func TestEnrichZeekTSV(t *testing.T) {
	pcap, connLog := enrichCorpus(t)
	out := filepath.Join(t.TempDir(), "conn.flowmeter.log")
	runEnrichCLI(t, "enrich", "--pcap", pcap, "--zeek", connLog, "-o", out, "--idle-timeout", "60", "--active-timeout", "0", "-q")
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// Our reader, with type validation on: every line must be well formed.
	r, err := zeek.NewTSVReader(bytes.NewReader(data), zeek.TSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		rec, err := r.Next()
		if err != nil {
			break
		}
		n++
		h := rec.Header
		if h.Index("flowmeter_packets") < 0 || h.Index("uid") != 1 {
			t.Fatalf("header fields %v", h.Fields)
		}
		if len(h.Types) != len(h.Fields) {
			t.Fatalf("#types has %d entries for %d fields", len(h.Types), len(h.Fields))
		}
		m, _ := rec.Field("flowmeter_match")
		if string(m) != "matched" {
			t.Errorf("line %d: match %s", rec.Line, m)
		}
		// Summed packets equal Zeek's (orig + resp).
		op, _ := rec.Count(h.Index("orig_pkts"))
		rp, _ := rec.Count(h.Index("resp_pkts"))
		fp, _ := rec.Int(h.Index("flowmeter_packets"))
		if int64(op+rp) != fp {
			t.Errorf("line %d: zeek %d+%d packets, ours %d", rec.Line, op, rp, fp)
		}
	}
	// Malformed lines would be bad values (e.g. masked ts is in the input
	// too, and the input baseline itself has the same).
	for _, m := range r.Malformed() {
		if m.Field >= 0 && r.Header().Fields[m.Field] != "ts" {
			t.Errorf("malformed output line %d: %s in %s", m.Line, m.Reason, r.Header().Fields[m.Field])
		}
	}
	if n+int(r.MalformedCount()) != 25 {
		t.Errorf("read %d records back (+%d masked-ts lines), want 25", n, r.MalformedCount())
	}
	rows := zeekCut(t, data, "id.orig_h", "flowmeter_src_ip", "flowmeter_fwd_packets", "orig_pkts")
	if len(rows) != 25 {
		t.Fatalf("zeek-cut: %d rows", len(rows))
	}
	for _, r := range rows {
		if r[0] != r[1] || r[2] != r[3] {
			t.Errorf("zeek-cut row %v: originator or packets differ", r)
		}
	}
}

func TestEnrichJSONL(t *testing.T) {
	pcap, connLog := enrichCorpus(t)
	out := filepath.Join(t.TempDir(), "conn.jsonl")
	runEnrichCLI(t, "enrich", "--pcap", pcap, "--zeek", connLog, "-o", out, "--ecs", "-q")
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	if len(lines) != 25 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		fm := m["flowmeter"].(map[string]any)
		if fm["match"] != "matched" || fm["packets"].(float64) != m["orig_pkts"].(float64)+m["resp_pkts"].(float64) {
			t.Errorf("record %v: flowmeter %v", m["uid"], fm["match"])
		}
		src := m["source"].(map[string]any)
		if src["ip"] != m["id.orig_h"] || m["network"].(map[string]any)["community_id"] != fm["community_id"] {
			t.Errorf("ECS fields %v vs %v", src, m["id.orig_h"])
		}
	}
}

func TestEnrichParquet(t *testing.T) {
	pcap, connLog := enrichCorpus(t)
	out := filepath.Join(t.TempDir(), "conn.parquet")
	runEnrichCLI(t, "enrich", "--pcap", pcap, "--zeek", connLog, "-o", out, "-q")
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	if pf.NumRows() != 25 {
		t.Errorf("rows %d, want 25", pf.NumRows())
	}
	want := map[string]string{
		"ts":                           "INT64", // TIMESTAMP(NANOS)
		"id.orig_h":                    "BYTE_ARRAY",
		"id.orig_p":                    "INT32",
		"orig_pkts":                    "INT64",
		"duration":                     "DOUBLE",
		"local_orig":                   "BOOLEAN",
		"tunnel_parents":               "BYTE_ARRAY",
		"flowmeter_packets":            "INT64",
		"flowmeter_pkt_len_mean_bytes": "DOUBLE",
		"flowmeter_match":              "BYTE_ARRAY",
	}
	got := map[string]string{}
	for _, c := range pf.Schema().Fields() {
		if c.Leaf() {
			got[c.Name()] = c.Type().Kind().String()
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("column %s: type %q, want %q", k, got[k], v)
		}
	}
	if lt, ok := pf.Schema().Lookup("ts"); !ok || lt.Node.Type().LogicalType() == nil || !strings.HasPrefix(lt.Node.Type().LogicalType().String(), "TIMESTAMP") {
		t.Errorf("ts is not a timestamp")
	}
	// Read the rows back through the generic reader.
	rows := make([]parquet.Row, 32)
	rr := pf.RowGroups()[0].Rows()
	defer rr.Close()
	nr, _ := rr.ReadRows(rows)
	if nr != 25 {
		t.Errorf("read %d rows", nr)
	}
}

// TestEnrichFollow: enrich --follow tails a conn.log that another goroutine
// writes in chunks (the header first, then records, one chunk every 20 ms)
// while the capture is read, and ends by itself once the capture has ended
// and the log stayed idle for --follow-idle. Every record comes out exactly
// once, matched to its flows (gencap's conn.log describes the capture's
// flows), and the result equals the two-pass join's.
func TestEnrichFollow(t *testing.T) {
	dir := t.TempDir()
	pcap := filepath.Join(dir, "cap.pcap")
	var pb, conn bytes.Buffer
	if _, err := gencap.Generate(&pb, gencap.Options{Packets: 8000, Concurrent: 6, Seed: 5, Conn: &conn}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pcap, pb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	full := filepath.Join(dir, "full.log")
	if err := os.WriteFile(full, conn.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(conn.String(), "\n")
	var header, records []string
	for _, l := range lines {
		switch {
		case l == "":
		case strings.HasPrefix(l, "#close"):
		case strings.HasPrefix(l, "#"):
			header = append(header, l)
		default:
			records = append(records, l)
		}
	}
	growing := filepath.Join(dir, "conn.log")
	if err := os.WriteFile(growing, []byte(strings.Join(header, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(growing, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			done <- err
			return
		}
		defer f.Close()
		const chunks = 15
		for i := 0; i < chunks; i++ {
			time.Sleep(20 * time.Millisecond)
			a, b := i*len(records)/chunks, (i+1)*len(records)/chunks
			if _, err := f.WriteString(strings.Join(records[a:b], "")); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	flowArgs := []string{"--idle-timeout", "4s", "--active-timeout", "0", "--tcp-linger", "1s"}
	out := filepath.Join(dir, "follow.jsonl")
	runEnrichCLI(t, append([]string{"enrich", "--follow", "--follow-idle", "400ms", "--follow-window", "2m",
		"--pcap", pcap, "--zeek", growing, "-o", out, "-q"}, flowArgs...)...)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	twoPass := filepath.Join(dir, "twopass.jsonl")
	runEnrichCLI(t, append([]string{"enrich", "--pcap", pcap, "--zeek", full, "-o", twoPass, "-q"}, flowArgs...)...)

	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(twoPass)
	seen := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(got)), "\n") {
		var m struct {
			UID       string `json:"uid"`
			Flowmeter struct {
				Match string `json:"match"`
			} `json:"flowmeter"`
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("bad line %q: %v", l, err)
		}
		seen[m.UID]++
		if m.Flowmeter.Match != "matched" {
			t.Errorf("record %s: match %q", m.UID, m.Flowmeter.Match)
		}
	}
	if len(seen) != len(records) {
		t.Errorf("%d distinct records out, %d written to the log", len(seen), len(records))
	}
	for uid, n := range seen {
		if n != 1 {
			t.Errorf("record %s written %d times", uid, n)
		}
	}
	if !bytes.Equal(got, want) {
		t.Errorf("follow output differs from the two-pass join (%d vs %d bytes)", len(got), len(want))
	}
}
