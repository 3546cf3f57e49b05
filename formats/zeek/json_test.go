package zeek

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// isTSV reports whether a log starts with a '#' directive (else JSON).
func isTSV(p string) bool {
	b, err := os.ReadFile(p)
	return err == nil && len(bytes.TrimLeft(b, " \t")) > 0 && bytes.TrimLeft(b, " \t")[0] == '#'
}

func jsonLogs(t *testing.T) []string {
	c := corpusDir(t)
	var out []string
	for _, p := range []string{"test9-mixed-zeek-dir", "test13-malicious-dhcpscan-zeek-dir", "test14-malicious-zeek-dir",
		"test15-malicious-zeek-dir", "port-scans/horizontal", "port-scans/vertical"} {
		// port-scans/horizontal is TSV; tsvLogs picks it up instead.
		if q := filepath.Join(c, "slips/dataset", p, "conn.log"); !isTSV(q) {
			out = append(out, q)
		}
	}
	if len(out) < 5 {
		t.Fatalf("only %d JSON conn.logs", len(out))
	}
	return out
}

// TestJSONCorpus: every line of Slips' real Zeek JSON conn.logs is read, and
// the Conn view agrees with jq's extraction of the same fields.
func TestJSONCorpus(t *testing.T) {
	jq, jqErr := exec.LookPath("jq")
	if jqErr != nil {
		t.Log("jq not installed: comparing counts only")
	}
	for _, p := range jsonLogs(t) {
		n, lineNos := dataLines(t, p)
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		rd, _ := NewJSONReader(f)
		var conns []Conn
		var lines []int64
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			var c Conn
			if !rec.Conn(&c) {
				t.Fatalf("%s line %d: Conn failed: %s", p, rec.Line, rec.Raw)
			}
			c.UID = append([]byte(nil), c.UID...)
			conns = append(conns, c)
			lines = append(lines, rec.Line)
		}
		f.Close()
		if len(conns) != n || rd.MalformedCount() != 0 {
			t.Fatalf("%s: %d records, %d malformed, want %d", p, len(conns), rd.MalformedCount(), n)
		}
		for i := range lines {
			if lines[i] != lineNos[i] {
				t.Fatalf("%s: line numbers differ at %d", p, i)
			}
		}
		if jqErr != nil {
			continue
		}
		// jq prints numbers as doubles (%.17g): compare ts and duration
		// within 1 µs, everything else exactly.
		cmd := exec.Command(jq, "-r", `[.ts, .uid, ."id.orig_h", ."id.orig_p", ."id.resp_h", ."id.resp_p", .proto, (.duration // "-"), (.orig_pkts // "-"), (.resp_pkts // "-"), (.orig_ip_bytes // "-"), (.resp_ip_bytes // "-")] | map(tostring) | join(" ")`, p)
		outb, err := cmd.Output()
		if err != nil {
			t.Fatalf("jq: %v", err)
		}
		rows := strings.Split(strings.TrimSpace(string(outb)), "\n")
		if len(rows) != len(conns) {
			t.Fatalf("%s: jq gives %d rows, reader %d", p, len(rows), len(conns))
		}
		for i, row := range rows {
			f := strings.Fields(row)
			c := conns[i]
			ts, _ := ParseNanos([]byte(f[0]))
			if d := ts - c.Start; d > 1000 || d < -1000 {
				t.Fatalf("%s line %d: ts %d vs jq %s", p, lines[i], c.Start, f[0])
			}
			if f[6] != "-" {
				du, _ := ParseNanos([]byte(f[7]))
				if d := du - c.Duration; f[7] != "-" && (d > 1000 || d < -1000) {
					t.Fatalf("%s line %d: duration %d vs jq %s", p, lines[i], c.Duration, f[7])
				}
			}
			want := map[string]uint8{"tcp": 6, "udp": 17, "icmp": 1}[f[6]]
			if f[6] == "icmp" && c.OrigH.Is6() {
				want = 58
			}
			got := []string{string(c.UID), c.OrigH.String(), itoa(int64(c.OrigP)), c.RespH.String(), itoa(int64(c.RespP))}
			if strings.Join(got, " ") != strings.Join(f[1:6], " ") || c.Proto != want {
				t.Fatalf("%s line %d: %v proto %d vs jq %v", p, lines[i], got, c.Proto, f[1:7])
			}
			counts := []string{itoa(c.OrigPkts), itoa(c.RespPkts), itoa(c.OrigIPBytes), itoa(c.RespIPBytes)}
			if c.HasCounts != !strings.Contains(strings.Join(f[8:12], " "), "-") ||
				(c.HasCounts && strings.Join(counts, " ") != strings.Join(f[8:12], " ")) {
				t.Fatalf("%s line %d: counts %v vs jq %v", p, lines[i], counts, f[8:12])
			}
		}
	}
}

func TestJSONMalformedAndTime(t *testing.T) {
	in := `{"ts":1700000000.5,"uid":"Ca","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"fe80::1","id.resp_p":2,"proto":"icmp","community_id":"1:abc="}
{"ts":"2020-10-06T17:32:46.785668Z","uid":"Cb","id.orig_h":"fe80::2","id.orig_p":1,"id.resp_h":"fe80::1","id.resp_p":2,"proto":"icmp","duration":1.5e-06}
{"ts":1700000000.5,"uid":"Cc"
   
[1,2]
{"ts":1700000000.5,"uid":"Cd","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.x"}
{"ts":1.0,"uid":"C\u0041","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":3,"proto":"tcp","orig_pkts":1,"resp_pkts":2,"orig_ip_bytes":3,"resp_ip_bytes":4}`
	rd, _ := NewJSONReader(strings.NewReader(in))
	var got []Conn
	var oks []bool
	var lines []int64
	for {
		rec, err := rd.Next()
		if err != nil {
			break
		}
		var c Conn
		oks = append(oks, rec.Conn(&c))
		c.UID = append([]byte(nil), c.UID...)
		c.CommunityID = append([]byte(nil), c.CommunityID...)
		got = append(got, c)
		lines = append(lines, rec.Line)
		if rec.Line == 1 {
			if v := rec.Field("id.orig_h"); v.Str != "10.0.0.1" {
				t.Errorf("Field = %v", v)
			}
			if v := rec.Get(`id\.resp_p`); v.Int() != 2 {
				t.Errorf("Get = %v", v)
			}
		}
	}
	if len(got) != 4 || lines[0] != 1 || lines[1] != 2 || lines[2] != 6 || lines[3] != 7 {
		t.Fatalf("lines %v", lines)
	}
	if m := rd.Malformed(); rd.MalformedCount() != 2 || m[0] != (Malformed{3, ReasonBadJSON, -1}) || m[1] != (Malformed{5, ReasonNotObject, -1}) {
		t.Fatalf("malformed %+v", m)
	}
	if !oks[0] || got[0].Start != 1700000000500000000 || got[0].Proto != 1 || string(got[0].CommunityID) != "1:abc=" || got[0].HasCounts {
		t.Errorf("conn0 %+v", got[0])
	}
	if !oks[1] || got[1].Start != 1602005566785668000 || got[1].Proto != 58 || got[1].Duration != 1500 {
		t.Errorf("conn1 %+v", got[1])
	}
	if oks[2] {
		t.Errorf("conn2 with a bad address accepted")
	}
	if !oks[3] || string(got[3].UID) != "CA" || !got[3].HasCounts || got[3].RespIPBytes != 4 {
		t.Errorf("conn3 %+v", got[3])
	}
}

func TestJSONNoAllocs(t *testing.T) {
	rd, _ := NewJSONReader(bytes.NewReader(genJSON(2000)))
	var c Conn
	allocs := testing.AllocsPerRun(1000, func() {
		rec, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		rec.Conn(&c)
		rec.Field("service")
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per record", allocs)
	}
}
