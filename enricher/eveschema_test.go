package enricher

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/formats/eve"
	"github.com/flowmeter/flowmeter/internal/gencap"
)

// flattenJSON is the test's own flattening of one eve line, with
// encoding/json: nested objects joined with dots up to depth levels,
// nulls and empty keys left out, the first of duplicate paths kept.
func flattenJSON(t testing.TB, line []byte, depth int) map[string]any {
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("encoding/json: %v: %s", err, line)
	}
	out := map[string]any{}
	var rec func(prefix string, m map[string]any, level int)
	rec = func(prefix string, m map[string]any, level int) {
		for k, v := range m {
			if k == "" || v == nil {
				continue
			}
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			if o, ok := v.(map[string]any); ok && level < depth {
				rec(p, o, level+1)
				continue
			}
			if _, dup := out[p]; !dup {
				out[p] = v
			}
		}
	}
	rec("", m, 1)
	return out
}

// parseTimeStd parses the timestamp forms of Suricata and RFC 3339 with
// the time package (no zone: UTC).
func parseTimeStd(s string) (time.Time, error) {
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	var err error
	for _, l := range []string{"2006-01-02T15:04:05.999999999-0700", "2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999-07", "2006-01-02T15:04:05.999999999"} {
		var tm time.Time
		if tm, err = time.Parse(l, s); err == nil {
			return tm, nil
		}
	}
	return time.Time{}, err
}

// typeOf is the test's statement of the inference rule for one set of
// values.
func typeOf(name string, vals []any) EveType {
	var b, i, f, s, other, nonTime bool
	for _, v := range vals {
		switch x := v.(type) {
		case bool:
			b = true
		case json.Number:
			if _, err := x.Int64(); err == nil {
				i = true
			} else {
				f = true
			}
		case string:
			s = true
			if _, err := parseTimeStd(x); err != nil {
				nonTime = true
			}
		default:
			other = true
		}
	}
	switch {
	case b && !i && !f && !s && !other:
		return EveBool
	case i && !b && !f && !s && !other:
		return EveInt
	case (i || f) && !b && !s && !other:
		return EveDouble
	case s && !b && !i && !f && !other && (!nonTime || eveTimeKeys[name]):
		return EveTime
	}
	return EveString
}

// readEveLines returns the lines the eve reader accepts.
func readEveLines(t testing.TB, path string) [][]byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := eve.NewReader(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		ev, err := r.Next()
		if err != nil {
			break
		}
		out = append(out, bytes.Clone(ev.Raw))
	}
	return out
}

// writeEveParquet infers the schema of evePath and joins it against ix into
// a Parquet file, returning its path.
func writeEveParquet(t testing.TB, evePath string, ix *Index, opt EveSchemaOptions) (string, *EveSchema) {
	t.Helper()
	s, err := InferEveSchemaFile(evePath, opt)
	if err != nil || s == nil {
		t.Fatalf("InferEveSchemaFile: %v, %v", s, err)
	}
	f, err := os.Open(evePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := OpenEve(f)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "eve.parquet")
	of, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer of.Close()
	schema, err := features.SchemaFor(features.SchemaNative, 0)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewParquetWriter(of, schema, src, ParquetOptions{Eve: s, MaxRowsPerRowGroup: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := JoinLog(context.Background(), src, ix, w, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out, s
}

// readParquetRows returns the leaf column names and all rows.
func readParquetRows(t testing.TB, path string) ([]string, *parquet.File, []parquet.Row) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range pf.Schema().Fields() {
		names = append(names, c.Name())
	}
	var rows []parquet.Row
	for _, rg := range pf.RowGroups() {
		rr := rg.Rows()
		buf := make([]parquet.Row, 256)
		for {
			n, err := rr.ReadRows(buf)
			for _, r := range buf[:n] {
				rows = append(rows, r.Clone())
			}
			if err != nil || n == 0 {
				break
			}
		}
		rr.Close()
	}
	return names, pf, rows
}

// checkEveParquet compares every typed column of every row, and raw_json,
// with encoding/json's reading of the same line, and the inferred types
// with the rule applied to all values of the key.
func checkEveParquet(t *testing.T, lines [][]byte, s *EveSchema, path string) map[string]EveType {
	names, pf, rows := readParquetRows(t, path)
	if len(rows) != len(lines) {
		t.Fatalf("%d rows, %d events", len(rows), len(lines))
	}
	n := len(s.Columns)
	if names[n] != RawJSONColumn {
		t.Fatalf("column %d is %q, want raw_json", n, names[n])
	}
	// Physical and logical types in the file.
	for i, c := range s.Columns {
		if names[i] != c.Name {
			t.Fatalf("column %d: %q, schema says %q", i, names[i], c.Name)
		}
		lf, _ := pf.Schema().Lookup(c.Name)
		kind := lf.Node.Type().Kind()
		want := map[EveType]parquet.Kind{EveString: parquet.ByteArray, EveBool: parquet.Boolean, EveInt: parquet.Int64,
			EveDouble: parquet.Double, EveTime: parquet.Int64}[c.Type]
		if kind != want || !lf.Node.Optional() {
			t.Errorf("%s (%s): physical %s optional=%v", c.Name, c.Type, kind, lf.Node.Optional())
		}
		if c.Type == EveTime {
			lt := lf.Node.Type().LogicalType()
			var ts *format.TimestampType
			if lt != nil {
				ts, _ = lt.Value.(*format.TimestampType)
			}
			if ts == nil || !ts.IsAdjustedToUTC || reflect.TypeOf(ts.Unit.Value) != reflect.TypeFor[*format.NanoSeconds]() {
				t.Errorf("%s: logical type %v, want TIMESTAMP(NANOS, UTC)", c.Name, lt)
			}
		}
	}
	all := map[string][]any{}
	var order []string
	for r, line := range lines {
		flat := flattenJSON(t, line, s.MaxDepth)
		for k, v := range flat {
			if _, ok := all[k]; !ok {
				order = append(order, k)
			}
			all[k] = append(all[k], v)
		}
		row := rows[r]
		vals := make([]parquet.Value, len(names))
		for _, v := range row {
			vals[v.Column()] = v
		}
		if got := vals[n].ByteArray(); !bytes.Equal(got, line) {
			t.Fatalf("row %d: raw_json differs", r)
		}
		for i, c := range s.Columns {
			got := vals[i]
			want, ok := flat[c.Name]
			if !ok {
				if !got.IsNull() {
					t.Fatalf("row %d %s: %v, want null", r, c.Name, got)
				}
				continue
			}
			if got.IsNull() {
				if c.Type == EveTime { // a value that does not parse is null
					if _, err := parseTimeStd(want.(string)); err != nil {
						continue
					}
				}
				t.Fatalf("row %d %s: null, want %v", r, c.Name, want)
			}
			var bad bool
			switch c.Type {
			case EveInt:
				x, _ := want.(json.Number).Int64()
				bad = got.Int64() != x
			case EveDouble:
				x, _ := want.(json.Number).Float64()
				bad = got.Double() != x
			case EveBool:
				bad = got.Boolean() != want.(bool)
			case EveTime:
				tm, err := parseTimeStd(want.(string))
				bad = err != nil || got.Int64() != tm.UnixNano()
			default:
				if str, ok := want.(string); ok {
					bad = string(got.ByteArray()) != str
				} else {
					d := json.NewDecoder(bytes.NewReader(got.ByteArray()))
					d.UseNumber()
					var x any
					bad = d.Decode(&x) != nil || !reflect.DeepEqual(x, want)
				}
			}
			if bad {
				t.Fatalf("row %d %s (%s): got %v, want %v", r, c.Name, c.Type, got, want)
			}
		}
	}
	if !s.Truncated && len(order) != n+s.DroppedKeys {
		t.Errorf("%d distinct key paths, %d columns", len(order), n)
	}
	types := map[string]EveType{}
	for _, c := range s.Columns {
		types[c.Name] = c.Type
		if want := typeOf(c.Name, all[c.Name]); c.Type != want {
			t.Errorf("%s: inferred %s, rule gives %s", c.Name, c.Type, want)
		}
	}
	return types
}

// TestEveParquetSlips: the real Slips eve.json (7 event types) written as
// Parquet with inferred columns reads back, with parquet-go, one row per
// event whose every column equals encoding/json's value of the line.
func TestEveParquetSlips(t *testing.T) {
	path := filepath.Join(corpusRoot(t), "slips/dataset/test6-malicious.suricata.json")
	lines := readEveLines(t, path)
	out, s := writeEveParquet(t, path, NewIndex(DefaultOptions(), 0), EveSchemaOptions{})
	if s.Events != int64(len(lines)) {
		t.Errorf("schema pass read %d events, %d lines", s.Events, len(lines))
	}
	types := checkEveParquet(t, lines, s, out)
	for k, v := range map[string]EveType{"timestamp": EveTime, "flow_id": EveInt, "src_ip": EveString,
		"src_port": EveInt, "event_type": EveString, "flow.pkts_toserver": EveInt, "flow.start": EveTime,
		"alert.signature_id": EveInt, "alert.metadata.tag": EveString} {
		if types[k] != v {
			t.Errorf("%s: %s, want %s", k, types[k], v)
		}
	}
	ets := map[string]bool{}
	for _, l := range lines {
		var m struct {
			EventType string `json:"event_type"`
		}
		json.Unmarshal(l, &m)
		ets[m.EventType] = true
	}
	if len(ets) < 7 {
		t.Errorf("%d event types: %v", len(ets), ets)
	}
	t.Logf("%d events, %d event types, %d columns", len(lines), len(ets), len(s.Columns))
}

// TestEveParquetGencap: gencap's eve.json, joined to its capture, has
// matched rows whose typed flow.pkts_* columns sum to the flowmeter packet
// count, besides the per-value checks.
func TestEveParquetGencap(t *testing.T) {
	dir := t.TempDir()
	var pb, eb bytes.Buffer
	if _, err := gencap.Generate(&pb, gencap.Options{Packets: 4000, Concurrent: 8, Seed: 3, Eve: &eb}); err != nil {
		t.Fatal(err)
	}
	pcap, evePath := filepath.Join(dir, "c.pcap"), filepath.Join(dir, "eve.json")
	os.WriteFile(pcap, pb.Bytes(), 0o644)
	os.WriteFile(evePath, eb.Bytes(), 0o644)
	ix := indexCapture(t, pcap, zeekLikeOptions(0), DefaultOptions())
	lines := readEveLines(t, evePath)
	out, s := writeEveParquet(t, evePath, ix, EveSchemaOptions{})
	types := checkEveParquet(t, lines, s, out)
	for k, v := range map[string]EveType{"timestamp": EveTime, "flow.pkts_toserver": EveInt, "src_ip": EveString,
		"flow.start": EveTime, "flow.end": EveTime} {
		if types[k] != v {
			t.Errorf("%s: %s, want %s", k, types[k], v)
		}
	}
	names, _, rows := readParquetRows(t, out)
	col := map[string]int{}
	for i, n := range names {
		col[n] = i
	}
	matched := 0
	for r, row := range rows {
		v := map[int]parquet.Value{}
		for _, x := range row {
			v[x.Column()] = x
		}
		if string(v[col[ColumnPrefix+MetaMatch]].ByteArray()) != "matched" {
			continue
		}
		matched++
		if v[col["flow.pkts_toserver"]].Int64()+v[col["flow.pkts_toclient"]].Int64() != v[col[ColumnPrefix+"packets"]].Int64() {
			t.Errorf("row %d: eve packets %d+%d, flowmeter %d", r, v[col["flow.pkts_toserver"]].Int64(),
				v[col["flow.pkts_toclient"]].Int64(), v[col[ColumnPrefix+"packets"]].Int64())
		}
	}
	if matched == 0 || matched < len(rows)*9/10 {
		t.Errorf("%d of %d rows matched", matched, len(rows))
	}
}

// TestEveSchemaRules: the inference rule on hand-made lines (mixed kinds,
// arrays, the depth cap, reserved and case-duplicate names, nulls, the
// column cap).
func TestEveSchemaRules(t *testing.T) {
	lines := `{"a":1,"b":1.5,"c":true,"d":"x","e":[1,2],"f":{"g":{"h":1}},"m":1,"big":18446744073709551615}
{"m":"s","a":2,"b":2,"t":"2021-06-06T15:59:46.457984+0200","n":null,"A":5,"raw_json":1,"flowmeter_x":2,"":3,"timestamp":"masked"}
not json
{"c":false,"e":{"k":1},"t":"2021-06-06 15:59:46Z","f":{"g":2},"big":1}
`
	path := filepath.Join(t.TempDir(), "eve.json")
	os.WriteFile(path, []byte(lines), 0o644)
	s, err := InferEveSchemaFile(path, EveSchemaOptions{MaxDepth: 2})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	var names []string
	for _, c := range s.Columns {
		got[c.Name] = c.Type.String()
		names = append(names, c.Name)
	}
	want := map[string]string{"a": "int64", "b": "double", "c": "bool", "d": "string", "e": "string",
		"f.g": "string", "m": "string", "big": "double", "t": "timestamp", "timestamp": "timestamp", "e.k": "int64"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("types %v\nwant %v", got, want)
	}
	if strings.Join(names, ",") != "a,b,c,d,e,f.g,m,big,t,timestamp,e.k" {
		t.Errorf("order %v", names)
	}
	if s.Events != 3 || s.Truncated || s.DroppedKeys != 3 { // A, raw_json, flowmeter_x
		t.Errorf("events %d truncated %v dropped %d", s.Events, s.Truncated, s.DroppedKeys)
	}
	checkEveParquet(t, readEveLines(t, path), s, mustWrite(t, path, s))

	s, _ = InferEveSchemaFile(path, EveSchemaOptions{MaxColumns: 3})
	if len(s.Columns) != 3 || !s.Truncated || s.Columns[2].Name != "c" {
		t.Errorf("cap 3: %+v", s)
	}
	out := mustWrite(t, path, s)
	names2, _, _ := readParquetRows(t, out)
	if names2[3] != RawJSONColumn || names2[4] != ColumnPrefix+MetaMatch {
		t.Errorf("capped columns %v", names2[:5])
	}
}

func mustWrite(t *testing.T, path string, s *EveSchema) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, _ := OpenEve(f)
	out := filepath.Join(t.TempDir(), "x.parquet")
	of, _ := os.Create(out)
	defer of.Close()
	schema, _ := features.SchemaFor(features.SchemaNative, 0)
	w, err := NewParquetWriter(of, schema, src, ParquetOptions{Eve: s})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := JoinLog(context.Background(), src, NewIndex(DefaultOptions(), 0), w, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveSchemaNotRegular: a FIFO (as stdin would be) gets no schema.
func TestEveSchemaNotRegular(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	s, err := InferEveSchemaFile(p, EveSchemaOptions{})
	if s != nil || err != nil {
		t.Errorf("fifo: %v, %v", s, err)
	}
}

// TestEveRowAllocs: gathering and converting one event's values allocates
// nothing when its keys and strings have no JSON escapes.
func TestEveRowAllocs(t *testing.T) {
	line := []byte(`{"timestamp":"2021-06-06T15:59:46.457984+0200","flow_id":1374195536821504,"event_type":"alert","src_ip":"78.36.196.213","src_port":51698,"alert":{"signature_id":2403388,"metadata":{"tag":["CINS"]}},"flow":{"pkts_toserver":1,"start":"2021-06-06T15:59:46.457984+0200"}}`)
	in := newEveInfer(EveSchemaOptions{})
	in.add(line)
	s := in.finish()
	r := newEveRow(s)
	n := testing.AllocsPerRun(200, func() {
		r.fill(line)
		for i, c := range s.Columns {
			if r.gen[i] == r.cur {
				eveValue(c.Type, &r.vals[i])
			}
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per event", n)
	}
}

func BenchmarkEveRow(b *testing.B) {
	path := filepath.Join(corpusRoot(b), "slips/dataset/test6-malicious.suricata.json")
	lines := readEveLines(b, path)
	in := newEveInfer(EveSchemaOptions{})
	for _, l := range lines {
		in.add(l)
	}
	s := in.finish()
	r := newEveRow(s)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.fill(lines[i%len(lines)])
		for j, c := range s.Columns {
			if r.gen[j] == r.cur {
				eveValue(c.Type, &r.vals[j])
			}
		}
	}
}

func BenchmarkInferEveSchema(b *testing.B) {
	path := filepath.Join(corpusRoot(b), "slips/dataset/test6-malicious.suricata.json")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := InferEveSchema(bytes.NewReader(data), EveSchemaOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzEveSchema: any line neither panics the schema pass nor the value
// conversion, and every value of the line converts under its own schema.
func FuzzEveSchema(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[1,{"c":2}]},"t":"2021-06-06T15:59:46.457984+0200","x":1e400,"y":-9223372036854775809}`))
	f.Add([]byte(`{"\u0061":"\ud83d\ude00","a":{"":1},"b":{}}`))
	if p := filepath.Join("..", "..", "shared", "corpus", "slips/dataset/test6-malicious.suricata.json"); true {
		if fh, err := os.Open(p); err == nil {
			sc := bufio.NewScanner(fh)
			sc.Buffer(nil, 1<<20)
			for i := 0; i < 20 && sc.Scan(); i++ {
				f.Add(bytes.Clone(sc.Bytes()))
			}
			fh.Close()
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.ContainsAny(line, "\n") {
			return
		}
		s, err := InferEveSchema(bytes.NewReader(line), EveSchemaOptions{MaxColumns: 64, MaxDepth: 3})
		if err != nil || s.Events == 0 {
			return
		}
		r := newEveRow(s)
		r.fill(line)
		for i, c := range s.Columns {
			if r.gen[i] != r.cur {
				continue // a duplicate path kept only one value, or a null
			}
			if _, ok := eveValue(c.Type, &r.vals[i]); !ok && c.Type != EveTime {
				t.Errorf("%s (%s): value %s does not convert", c.Name, c.Type, r.vals[i].Raw)
			}
		}
	})
}

// BenchmarkEveParquetJoin: the second pass over the Slips eve.json (5000
// events, no flows) into Parquet with inferred columns, writer set-up
// included; records/s and allocations per record are reported.
func BenchmarkEveParquetJoin(b *testing.B) {
	path := filepath.Join(corpusRoot(b), "slips/dataset/test6-malicious.suricata.json")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	s, err := InferEveSchema(bytes.NewReader(data), EveSchemaOptions{})
	if err != nil {
		b.Fatal(err)
	}
	schema, _ := features.SchemaFor(features.SchemaNative, 0)
	ix := NewIndex(DefaultOptions(), 0)
	for _, bc := range []struct {
		name string
		s    *EveSchema
	}{{"inferred", s}, {"fixed", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				src, _ := OpenEve(bytes.NewReader(data))
				w, err := NewParquetWriter(io.Discard, schema, src, ParquetOptions{Eve: bc.s})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := JoinLog(context.Background(), src, ix, w, false, nil); err != nil {
					b.Fatal(err)
				}
				w.Close()
			}
			b.ReportMetric(float64(b.N)*float64(s.Events)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
