package parquetcheck

import (
	"bufio"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
	rows, err := db.Query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))`, out)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		types[name] = typ
	}
	rows.Close()
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
