package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const sample = "../../testdata/sample.pcap"

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestHelp(t *testing.T) {
	code, out, _ := runCLI(t, "help")
	if code != 0 || !strings.Contains(out, "inspect") || !strings.Contains(out, "flows") {
		t.Fatalf("help: code %d, %q", code, out)
	}
	for _, c := range commands {
		code, out, _ := runCLI(t, "help", c.name)
		if code != 0 || !strings.Contains(out, "Usage: flowmeter "+c.name) && c.name != "version" {
			t.Errorf("help %s: code %d, %q", c.name, code, out)
		}
		if c.name != "version" && !strings.Contains(out, "Example") {
			t.Errorf("help %s has no examples", c.name)
		}
	}
	if code, _, errOut := runCLI(t, "nosuch"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: code %d, %q", code, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"flows"},
		{"flows", "--schema", "nope", sample},
		{"flows", "--early-packets", "99", sample},
		{"flows", "--idle-timeout", "soon", sample},
		{"flows", "-f", "parquet", sample},
		{"inspect"},
	} {
		code, _, errOut := runCLI(t, args...)
		if code != 2 || !strings.Contains(errOut, "flowmeter") {
			t.Errorf("%v: code %d, stderr %q", args, code, errOut)
		}
	}
}

// TestInspectJSON checks inspect's counts against the generator's own
// truth for the sample (the truth rows: pkts_fwd + pkts_bwd).
func TestInspectJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "inspect", "--json", sample)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	var rep captureReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Format != "pcap-nsec" || rep.Packets == 0 || rep.Link["EN10MB (1)"] != rep.Packets {
		t.Fatalf("report: %+v", rep)
	}
	if rep.Network["IPv4"]+rep.Network["IPv6"] != rep.Packets || rep.Transport["TCP"]+rep.Transport["UDP"] != rep.Packets {
		t.Fatalf("network/transport counts do not add up: %+v", rep)
	}
}

func TestInspectTruncated(t *testing.T) {
	b, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	os.WriteFile(cut, b[:len(b)/2+3], 0o644)
	code, out, _ := runCLI(t, "inspect", "--json", cut)
	var rep captureReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 {
		t.Fatalf("code %d, %v", code, err)
	}
	if rep.Error == "" || rep.ErrorOffset <= 0 || !strings.Contains(rep.Error, "offset") {
		t.Fatalf("truncation not reported: %+v", rep)
	}
}

// TestFlowsCSV reads the CSV back with encoding/csv and checks that the
// flows hold every decoded packet.
func TestFlowsCSV(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "flows.csv")
	code, _, errOut := runCLI(t, "flows", sample, "-o", out, "--workers", "2")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "packets") || !strings.Contains(errOut, "flows") {
		t.Errorf("no summary: %q", errOut)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, n := range rows[0] {
		col[n] = i
	}
	var pkts int64
	for _, r := range rows[1:] {
		n, err := strconv.ParseInt(r[col["packets"]], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		pkts += n
	}
	_, js, _ := runCLI(t, "inspect", "--json", sample)
	var rep captureReport
	json.Unmarshal([]byte(js), &rep)
	if pkts != rep.Packets {
		t.Fatalf("flows hold %d packets, capture has %d", pkts, rep.Packets)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// TestFlowsFailureLeavesNoFile: an unreadable input leaves no output file.
func TestFlowsFailureLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pcap")
	os.WriteFile(bad, []byte("this is not a capture"), 0o644)
	out := filepath.Join(dir, "flows.csv")
	code, _, errOut := runCLI(t, "flows", "-o", out, bad)
	if code == 0 {
		t.Fatalf("bad input accepted: %s", errOut)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("output exists after a failed run: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left behind: %v", entries)
	}
}

func TestFlowsSchemas(t *testing.T) {
	for _, s := range []string{"native", "flowmeter", "cic2017", "cic2018"} {
		for _, f := range []string{"csv", "jsonl", "parquet"} {
			out := filepath.Join(t.TempDir(), "flows."+f)
			code, _, errOut := runCLI(t, "flows", "-q", "--schema", s, "-f", f, "-o", out, sample)
			if code != 0 {
				t.Errorf("%s/%s: code %d: %s", s, f, code, errOut)
				continue
			}
			if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
				t.Errorf("%s/%s: no output: %v", s, f, err)
			}
		}
	}
}
