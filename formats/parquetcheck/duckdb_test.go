package parquetcheck

import (
	"database/sql"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/formats"
)

var notes = []string{
	"plain", "", "comma,inside", `quote "here"`, "new\nline", " leading space",
	"unicode: żółć 日本語 🎉", `\.`, "tab\there", `"`, ",",
}

var times = []int64{1704067200123456789, 0, -1, 951782400000000000, 1735689599999999999, 1e18 + 7}

var addrs = []netip.Addr{
	netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1"), {}, netip.MustParseAddr("::ffff:10.0.0.1"),
}

func schema() *features.Schema {
	return &features.Schema{Name: "check", Columns: []features.Column{
		{Name: "id", Kind: features.KindInt, Int: func(f *features.Flow) int64 { return int64(f.ID) }},
		{Name: "start", Kind: features.KindTime, Int: func(f *features.Flow) int64 { return f.Start }},
		{Name: "src", Kind: features.KindAddr, Addr: func(f *features.Flow) netip.Addr { return f.Src }},
		{Name: "ratio", Kind: features.KindFloat, Float: func(f *features.Flow) float64 {
			return float64(f.Fwd.IPBytes.Sum) / float64(f.Bwd.IPBytes.Sum)
		}},
		{Name: "note", Kind: features.KindString, String: func(dst []byte, f *features.Flow) []byte {
			return append(dst, notes[int(f.ID)%len(notes)]...)
		}},
		{Name: "bytes", Kind: features.KindInt, Int: func(f *features.Flow) int64 { return f.Fwd.IPBytes.Sum - 1000 }},
	}}
}

func flows(n int) []*features.Flow {
	fs := make([]*features.Flow, n)
	for i := range fs {
		f := &features.Flow{ID: uint64(i), Start: times[i%len(times)], Src: addrs[i%len(addrs)]}
		if i%3 != 0 { // i%3 == 0: 0/0 = NaN
			f.Fwd.IPBytes.Add(int64(7 * i))
		}
		if i%3 == 2 { // i%3 == 1: x/0 = +Inf
			f.Bwd.IPBytes.Add(int64(3 + i))
		}
		fs[i] = f
	}
	return fs
}

func write(t *testing.T, format, path string, s *features.Schema, fl []*features.Flow, opts formats.ParquetOptions) {
	t.Helper()
	af, err := formats.CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	defer af.Abort()
	var w formats.FlowWriter
	if format == "parquet" {
		w, err = formats.NewParquetWriter(af, s, opts)
	} else {
		w, err = formats.NewFlowWriter(format, af, s)
	}
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(fl); i += 50 {
		if err := w.Write(fl[i:min(i+50, len(fl))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := af.Commit(); err != nil {
		t.Fatal(err)
	}
}

func openDB(t *testing.T) *sql.DB {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type rowVals struct {
	id, bytes int64
	start     string // as text, or ns via epoch_ns
	startNS   int64
	src       sql.NullString
	ratio     sql.NullFloat64
	note      sql.NullString
}

// checkRows compares DuckDB's rows with the flows. usTime: DuckDB reads
// Parquet TIMESTAMP(NANOS, isAdjustedToUTC=true) as TIMESTAMPTZ, which has
// microsecond precision (it has no TIMESTAMPTZ_NS), truncating toward zero;
// the exact nanoseconds are checked with parquet-go in package formats.
func checkRows(t *testing.T, what string, got []rowVals, fl []*features.Flow, s *features.Schema, inf, usTime bool) {
	t.Helper()
	if len(got) != len(fl) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(fl))
	}
	for i, r := range got {
		f := fl[i]
		if r.id != int64(f.ID) || r.bytes != f.Fwd.IPBytes.Sum-1000 {
			t.Errorf("%s row %d: id %d bytes %d", what, i, r.id, r.bytes)
		}
		wantStart := f.Start
		if usTime {
			wantStart = f.Start / 1000 * 1000
		}
		if r.startNS != wantStart {
			t.Errorf("%s row %d: start %d ns, want %d", what, i, r.startNS, wantStart)
		}
		if a := f.Src; a.IsValid() != r.src.Valid || (a.IsValid() && r.src.String != a.String()) {
			t.Errorf("%s row %d: src %v, want %v", what, i, r.src, a)
		}
		x := s.Columns[3].Float(f)
		switch {
		case math.IsNaN(x) || (math.IsInf(x, 0) && !inf):
			if r.ratio.Valid {
				t.Errorf("%s row %d: ratio %v, want NULL for %v", what, i, r.ratio.Float64, x)
			}
		case !r.ratio.Valid || math.Float64bits(r.ratio.Float64) != math.Float64bits(x):
			t.Errorf("%s row %d: ratio %v, want %v", what, i, r.ratio, x)
		}
		want := notes[i%len(notes)]
		if r.note.String != want || (!r.note.Valid && want != "") {
			t.Errorf("%s row %d: note %q (valid %v), want %q", what, i, r.note.String, r.note.Valid, want)
		}
	}
}

func TestDuckDBReadsParquet(t *testing.T) {
	s := schema()
	fl := flows(250)
	path := filepath.Join(t.TempDir(), "flows.parquet")
	write(t, "parquet", path, s, fl, formats.ParquetOptions{MaxRowsPerRowGroup: 100})
	db := openDB(t)

	// Column names, order and types as DuckDB maps them.
	rows, err := db.Query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))`, path)
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := [][2]string{{"id", "BIGINT"}, {"start", "TIMESTAMP WITH TIME ZONE"}, {"src", "VARCHAR"}, {"ratio", "DOUBLE"}, {"note", "VARCHAR"}, {"bytes", "BIGINT"}}
	var i int
	for rows.Next() {
		var n, typ string
		if err := rows.Scan(&n, &typ); err != nil {
			t.Fatal(err)
		}
		if i >= len(wantTypes) || n != wantTypes[i][0] || typ != wantTypes[i][1] {
			t.Errorf("column %d: %s %s, want %v", i, n, typ, wantTypes[min(i, len(wantTypes)-1)])
		}
		i++
	}
	rows.Close()
	if i != len(wantTypes) {
		t.Errorf("%d columns, want %d", i, len(wantTypes))
	}

	// Logical types and repetition from the file's own schema, per DuckDB.
	wantSchema := map[string]string{
		"id":    "INT64 REQUIRED IntType(bitWidth=@, isSigned=1)", // DuckDB prints the int8 bit width 64 as the byte "@"
		"start": "INT64 REQUIRED TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=<null>, NANOS=NanoSeconds()))",
		"src":   "BYTE_ARRAY OPTIONAL StringType()",
		"ratio": "DOUBLE OPTIONAL ",
		"note":  "BYTE_ARRAY REQUIRED StringType()",
		"bytes": "INT64 REQUIRED IntType(bitWidth=@, isSigned=1)",
	}
	rows, err = db.Query(`SELECT name, type, repetition_type, coalesce(logical_type, '') FROM parquet_schema(?) WHERE num_children IS NULL OR num_children = 0`, path)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n, typ, rep, lt string
		if err := rows.Scan(&n, &typ, &rep, &lt); err != nil {
			t.Fatal(err)
		}
		want, ok := wantSchema[n]
		if got := typ + " " + rep + " " + lt; !ok || got != want {
			t.Errorf("parquet_schema %s: %q, want %q", n, got, want)
		}
		delete(wantSchema, n)
	}
	if len(wantSchema) != 0 {
		t.Errorf("columns missing from parquet_schema: %v", wantSchema)
	}
	rows.Close()

	// Row groups bounded and zstd compressed.
	var groups, maxRows int64
	var codecs string
	if err := db.QueryRow(`SELECT count(DISTINCT row_group_id), max(row_group_num_rows), string_agg(DISTINCT compression, ',') FROM parquet_metadata(?)`, path).Scan(&groups, &maxRows, &codecs); err != nil {
		t.Fatal(err)
	}
	if groups != 3 || maxRows != 100 || codecs != "ZSTD" {
		t.Errorf("%d row groups, largest %d rows, codecs %s; want 3, 100, ZSTD", groups, maxRows, codecs)
	}

	// Values.
	rows, err = db.Query(`SELECT id, epoch_ns(start), src, ratio, note, bytes FROM read_parquet(?) ORDER BY id`, path)
	if err != nil {
		t.Fatal(err)
	}
	var got []rowVals
	for rows.Next() {
		var r rowVals
		if err := rows.Scan(&r.id, &r.startNS, &r.src, &r.ratio, &r.note, &r.bytes); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	rows.Close()
	checkRows(t, "parquet", got, fl, s, true, true)
}

func TestDuckDBReadsCSVAndJSONL(t *testing.T) {
	s := schema()
	fl := flows(120)
	dir := t.TempDir()
	db := openDB(t)
	for _, format := range []string{"csv", "jsonl"} {
		path := filepath.Join(dir, "flows."+format)
		write(t, format, path, s, fl, formats.ParquetOptions{})
		var q string
		if format == "csv" {
			q = `SELECT id, start, src, TRY_CAST(ratio AS DOUBLE), note, bytes FROM read_csv(?, header = true, delim = ',', quote = '"', escape = '"', all_varchar = true, columns = {'id': 'BIGINT', 'start': 'VARCHAR', 'src': 'VARCHAR', 'ratio': 'VARCHAR', 'note': 'VARCHAR', 'bytes': 'BIGINT'}) ORDER BY id`
		} else {
			q = `SELECT id, start, src, ratio, note, bytes FROM read_json(?, format = 'newline_delimited', columns = {'id': 'BIGINT', 'start': 'VARCHAR', 'src': 'VARCHAR', 'ratio': 'DOUBLE', 'note': 'VARCHAR', 'bytes': 'BIGINT'}) ORDER BY id`
		}
		rows, err := db.Query(q, path)
		if err != nil {
			b, _ := os.ReadFile(path)
			t.Fatalf("%s: %v\n%.500s", format, err, b)
		}
		var got []rowVals
		for rows.Next() {
			var r rowVals
			if err := rows.Scan(&r.id, &r.start, &r.src, &r.ratio, &r.note, &r.bytes); err != nil {
				t.Fatal(err)
			}
			tm, err := time.Parse(time.RFC3339Nano, r.start)
			if err != nil {
				t.Fatalf("%s: start %q: %v", format, r.start, err)
			}
			if want := time.Unix(0, fl[r.id].Start).UTC().Format("2006-01-02T15:04:05.000000000Z"); r.start != want {
				t.Errorf("%s: start %q, want %q", format, r.start, want)
			}
			r.startNS = tm.UnixNano()
			got = append(got, r)
		}
		rows.Close()
		checkRows(t, format, got, fl, s, false, false)
	}
}
