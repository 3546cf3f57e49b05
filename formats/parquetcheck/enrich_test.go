package parquetcheck

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildTools builds the flowmeter CLI and the capture generator into dir.
func buildTools(t *testing.T, dir string) (flowmeter, gencap string) {
	t.Helper()
	flowmeter, gencap = filepath.Join(dir, "flowmeter"), filepath.Join(dir, "fm-gencap")
	for bin, pkg := range map[string]string{flowmeter: "./cmd/flowmeter", gencap: "./cmd/fm-gencap"} {
		cmd := exec.Command("go", "build", "-o", bin, pkg)
		cmd.Dir = "../.." // the main module, not this check's own
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return flowmeter, gencap
}

// TestEnrichParquetDuckDB: the Parquet that `flowmeter enrich` writes for a
// Zeek conn.log is read by DuckDB with one row per conn.log record, the Zeek
// columns typed from #types and the flowmeter columns typed from the
// feature table.
func TestEnrichParquetDuckDB(t *testing.T) {
	dir := t.TempDir()
	fm, gen := buildTools(t, dir)
	if out, err := exec.Command(gen, "-o", dir, "-packets", "3000", "-zeek").CombinedOutput(); err != nil {
		t.Fatalf("fm-gencap: %v\n%s", err, out)
	}
	conn := filepath.Join(dir, "conn.log")
	records := countZeekRecords(t, conn)
	out := filepath.Join(dir, "enriched.parquet")
	if b, err := exec.Command(fm, "enrich", "-q", "--pcap", filepath.Join(dir, "synth.pcap"), "--zeek", conn, "-f", "parquet", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("flowmeter enrich: %v\n%s", err, b)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM read_parquet(?)`, out).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != records {
		t.Fatalf("DuckDB reads %d rows, conn.log has %d records", n, records)
	}
	types := columnTypes(t, db, out)
	want := map[string]string{
		"ts":        "TIMESTAMP",
		"id.orig_p": "", // port: an integer type
		"orig_pkts": "", // count: an integer type
		"duration":  "",
	}
	for col := range want {
		if _, ok := types[col]; !ok {
			t.Errorf("column %q missing; DuckDB sees %v", col, types)
		}
	}
	if !strings.HasPrefix(types["ts"], "TIMESTAMP") {
		t.Errorf("ts is %s, want a TIMESTAMP", types["ts"])
	}
	for _, col := range []string{"id.orig_p", "orig_pkts"} {
		if typ := types[col]; !strings.Contains(typ, "INT") {
			t.Errorf("%s is %s, want an integer type", col, typ)
		}
	}
	var flowCols int
	for name, typ := range types {
		if strings.HasPrefix(name, "flowmeter") {
			flowCols++
			if strings.Contains(name, "packets") && !strings.Contains(name, "per") && !strings.Contains(typ, "INT") {
				t.Errorf("%s is %s, want an integer type", name, typ)
			}
		}
	}
	if flowCols < 50 {
		t.Errorf("only %d flowmeter columns", flowCols)
	}
	// Every record of the generated log describes a flow of the capture,
	// so every row must be matched with Zeek's own packet counts.
	var bad int
	q := `SELECT count(*) FROM read_parquet(?) WHERE orig_pkts + resp_pkts <> "flowmeter_packets"`
	if _, ok := types["flowmeter_packets"]; !ok {
		q = `SELECT count(*) FROM read_parquet(?) WHERE orig_pkts + resp_pkts <> "flowmeter.packets"`
		if _, ok := types["flowmeter.packets"]; !ok {
			t.Skipf("no flowmeter packets column among %d columns", len(types))
		}
	}
	if err := db.QueryRow(q, out).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d rows whose flowmeter packet count differs from conn.log's", bad)
	}
}

// columnTypes returns DuckDB's type of each column of the Parquet file at
// path, by name.
func columnTypes(t *testing.T, db *sql.DB, path string) map[string]string {
	t.Helper()
	rows, err := db.Query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))`, path)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		types[name] = typ
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return types
}

func countZeekRecords(t *testing.T, path string) int {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			n++
		}
	}
	return n
}

// eveLines returns the lines of an eve.json that are JSON objects.
func eveLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "{") {
			out = append(out, l)
		}
	}
	return out
}

// repoRoot walks up from the working directory to the main module's root.
func repoRoot(t *testing.T) string {
	dir, _ := os.Getwd()
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/flowmeter/flowmeter\n") {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("main module not found")
		}
		dir = parent
	}
}

// TestEnrichEveParquetDuckDB: the Parquet that `flowmeter enrich --eve`
// writes for a regular eve.json file (gencap's, joined to its capture, and
// the real Slips one) has columns typed from the values DuckDB reads as
// BIGINT, VARCHAR and TIMESTAMP WITH TIME ZONE, one row per event, and for
// every row the values of a few columns equal encoding/json's reading of
// the event's line (raw_json, itself checked against the file's lines).
func TestEnrichEveParquetDuckDB(t *testing.T) {
	dir := t.TempDir()
	fm, gen := buildTools(t, dir)
	if out, err := exec.Command(gen, "-o", dir, "-packets", "3000", "-eve").CombinedOutput(); err != nil {
		t.Fatalf("fm-gencap: %v\n%s", err, out)
	}
	pcap := filepath.Join(dir, "synth.pcap")
	cases := []struct {
		name, eve string
		want      map[string]string
	}{
		{"gencap", filepath.Join(dir, "eve.json"), map[string]string{"flow.pkts_toserver": "BIGINT", "src_ip": "VARCHAR",
			"timestamp": "TIMESTAMP WITH TIME ZONE", "flow.start": "TIMESTAMP WITH TIME ZONE", "src_port": "BIGINT"}},
		{"slips", filepath.Join(repoRoot(t), "../shared/corpus/slips/dataset/test6-malicious.suricata.json"), map[string]string{
			"flow.pkts_toserver": "BIGINT", "src_ip": "VARCHAR", "timestamp": "TIMESTAMP WITH TIME ZONE",
			"alert.signature_id": "BIGINT", "flow_id": "BIGINT", "event_type": "VARCHAR"}},
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := os.Stat(tc.eve); err != nil {
				t.Skipf("%s absent (corpus not mounted?): %v", tc.eve, err)
			}
			lines := eveLines(t, tc.eve)
			out := filepath.Join(dir, tc.name+".parquet")
			if b, err := exec.Command(fm, "enrich", "-q", "--pcap", pcap, "--eve", tc.eve, "-o", out).CombinedOutput(); err != nil {
				t.Fatalf("flowmeter enrich: %v\n%s", err, b)
			}
			types := columnTypes(t, db, out)
			for col, typ := range tc.want {
				if types[col] != typ {
					t.Errorf("%s: DuckDB type %q, want %q", col, types[col], typ)
				}
			}
			if types["raw_json"] != "VARCHAR" || types["flowmeter_packets"] != "BIGINT" {
				t.Errorf("raw_json %q, flowmeter_packets %q", types["raw_json"], types["flowmeter_packets"])
			}
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM read_parquet(?)`, out).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != len(lines) {
				t.Fatalf("DuckDB reads %d rows, the eve.json has %d events", n, len(lines))
			}
			cols := []string{"src_ip", "flow.pkts_toserver", "timestamp", "flow.start"}
			if _, ok := types["alert.signature_id"]; ok {
				cols = append(cols, "alert.signature_id")
			}
			q := `SELECT raw_json, "src_ip", "flow.pkts_toserver", epoch_ns("timestamp"), epoch_ns("flow.start")`
			if len(cols) == 5 {
				q += `, "alert.signature_id"`
			}
			rows, err := db.Query(q+` FROM read_parquet(?)`, out)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			r := 0
			for ; rows.Next(); r++ {
				var raw string
				var src sql.NullString
				var pkts, ts, start, sig sql.NullInt64
				dst := []any{&raw, &src, &pkts, &ts, &start}
				if len(cols) == 5 {
					dst = append(dst, &sig)
				}
				if err := rows.Scan(dst...); err != nil {
					t.Fatal(err)
				}
				if r < len(lines) && raw != lines[r] {
					t.Fatalf("row %d: raw_json is not line %d of the eve.json", r, r+1)
				}
				var ev struct {
					SrcIP     *string `json:"src_ip"`
					Timestamp *string `json:"timestamp"`
					Flow      *struct {
						Pkts  *int64  `json:"pkts_toserver"`
						Start *string `json:"start"`
					} `json:"flow"`
					Alert *struct {
						Sig *int64 `json:"signature_id"`
					} `json:"alert"`
				}
				if err := json.Unmarshal([]byte(raw), &ev); err != nil {
					t.Fatalf("row %d: %v", r, err)
				}
				check := func(col string, got sql.NullInt64, want *int64) {
					if (want == nil) != !got.Valid || (want != nil && *want != got.Int64) {
						t.Fatalf("row %d %s: DuckDB %v, JSON %v", r, col, got, want)
					}
				}
				if (ev.SrcIP == nil) != !src.Valid || (ev.SrcIP != nil && *ev.SrcIP != src.String) {
					t.Fatalf("row %d src_ip: DuckDB %v, JSON %v", r, src, ev.SrcIP)
				}
				check("timestamp", ts, jsonTime(t, ev.Timestamp))
				var p, sg *int64
				var st *string
				if ev.Flow != nil {
					p, st = ev.Flow.Pkts, ev.Flow.Start
				}
				check("flow.pkts_toserver", pkts, p)
				check("flow.start", start, jsonTime(t, st))
				if len(cols) == 5 {
					if ev.Alert != nil {
						sg = ev.Alert.Sig
					}
					check("alert.signature_id", sig, sg)
				}
			}
			if r != len(lines) {
				t.Errorf("%d rows read", r)
			}
		})
	}
}

// jsonTime parses Suricata's timestamp format with the time package.
func jsonTime(t *testing.T, s *string) *int64 {
	if s == nil {
		return nil
	}
	tm, err := time.Parse("2006-01-02T15:04:05.999999999-0700", *s)
	if err != nil {
		t.Fatalf("timestamp %q: %v", *s, err)
	}
	ns := tm.UnixNano()
	return &ns
}
