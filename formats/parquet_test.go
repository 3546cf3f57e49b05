package formats

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/flowmeter/flowmeter/features"
)

func writeParquet(t testing.TB, s *features.Schema, flows []*features.Flow, opts ParquetOptions, batch int) []byte {
	var out bytes.Buffer
	w, err := NewParquetWriter(&out, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(flows); i += batch {
		if err := w.Write(flows[i:min(i+batch, len(flows))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// checkParquetFrame checks the file frame without any Parquet library:
// "PAR1" at both ends and a footer length that fits in the file.
func checkParquetFrame(t *testing.T, b []byte) {
	t.Helper()
	if len(b) < 12 || string(b[:4]) != "PAR1" || string(b[len(b)-4:]) != "PAR1" {
		t.Fatalf("no PAR1 magic at both ends (%d bytes)", len(b))
	}
	footer := binary.LittleEndian.Uint32(b[len(b)-8:])
	if footer == 0 || int64(footer) > int64(len(b)-12) {
		t.Fatalf("footer length %d does not fit a %d-byte file", footer, len(b))
	}
}

func TestParquetRoundTrip(t *testing.T) {
	s := testSchema()
	flows := testFlows(300) // more than one internal batch of 256
	b := writeParquet(t, s, flows, ParquetOptions{MaxRowsPerRowGroup: 64, Metadata: map[string]string{"flowmeter.schema": "test"}}, 100)
	checkParquetFrame(t, b)

	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if f.NumRows() != int64(len(flows)) {
		t.Fatalf("NumRows = %d, want %d", f.NumRows(), len(flows))
	}
	if n := len(f.RowGroups()); n != 5 { // ceil(300/64)
		t.Errorf("%d row groups, want 5 of at most 64 rows", n)
	}
	if cb := f.Metadata().CreatedBy; !strings.HasPrefix(cb, "flowmeter version ") || strings.Contains(cb, ")(build") {
		t.Errorf("created_by %q", cb)
	}
	if v, ok := f.Lookup("flowmeter.schema"); !ok || v != "test" {
		t.Errorf("metadata flowmeter.schema = %q, %v", v, ok)
	}

	// Column order, physical and logical types, repetition.
	fields := f.Schema().Fields()
	if len(fields) != len(s.Columns) {
		t.Fatalf("%d parquet columns, want %d", len(fields), len(s.Columns))
	}
	for i, fl := range fields {
		col := s.Columns[i]
		if fl.Name() != col.Name {
			t.Errorf("column %d is %q, want %q (schema order)", i, fl.Name(), col.Name)
		}
		if !fl.Leaf() {
			t.Errorf("column %q is a group, want a leaf", col.Name)
			continue
		}
		typ := fl.Type()
		lt := typ.LogicalType()
		wantOpt := col.Kind == features.KindFloat || col.Kind == features.KindAddr
		if fl.Optional() != wantOpt {
			t.Errorf("column %q optional=%v, want %v", col.Name, fl.Optional(), wantOpt)
		}
		switch col.Kind {
		case features.KindInt:
			it, _ := logical(lt).(*format.IntType)
			if typ.Kind() != parquet.Int64 || it == nil || it.BitWidth != 64 || !it.IsSigned {
				t.Errorf("column %q: %v %v, want INT64 INT(64,signed)", col.Name, typ.Kind(), lt)
			}
		case features.KindFloat:
			if typ.Kind() != parquet.Double {
				t.Errorf("column %q: %v, want DOUBLE", col.Name, typ.Kind())
			}
		case features.KindTime:
			ts, _ := logical(lt).(*format.TimestampType)
			if typ.Kind() != parquet.Int64 || ts == nil || !ts.IsAdjustedToUTC || ts.Unit.String() != "NANOS" {
				t.Errorf("column %q: %v %v, want INT64 TIMESTAMP(NANOS,UTC)", col.Name, typ.Kind(), lt)
			}
		case features.KindString, features.KindAddr:
			if _, ok := logical(lt).(*format.StringType); typ.Kind() != parquet.ByteArray || !ok {
				t.Errorf("column %q: %v %v, want BYTE_ARRAY STRING", col.Name, typ.Kind(), lt)
			}
		}
	}
	for _, rg := range f.Metadata().RowGroups {
		for i, cc := range rg.Columns {
			if cc.MetaData.Codec != format.Zstd {
				t.Errorf("column %d compression %v, want ZSTD", i, cc.MetaData.Codec)
			}
		}
	}

	// Values.
	got := readAllRows(t, f)
	for ri, row := range got {
		fl := flows[ri]
		for ci := range s.Columns {
			col := &s.Columns[ci]
			v := row[ci]
			switch col.Kind {
			case features.KindInt, features.KindTime:
				if v.IsNull() || v.Int64() != col.Int(fl) {
					t.Errorf("row %d %s = %v, want %d", ri, col.Name, v, col.Int(fl))
				}
			case features.KindFloat:
				x := col.Float(fl)
				if math.IsNaN(x) {
					if !v.IsNull() {
						t.Errorf("row %d %s = %v, want null for NaN", ri, col.Name, v)
					}
				} else if v.IsNull() || math.Float64bits(v.Double()) != math.Float64bits(x) {
					t.Errorf("row %d %s = %v, want %v", ri, col.Name, v, x)
				}
			case features.KindAddr:
				a := col.Addr(fl)
				if !a.IsValid() {
					if !v.IsNull() {
						t.Errorf("row %d %s = %v, want null", ri, col.Name, v)
					}
				} else if v.IsNull() || string(v.ByteArray()) != a.String() {
					t.Errorf("row %d %s = %v, want %s", ri, col.Name, v, a)
				}
			case features.KindString:
				want := string(col.String(nil, fl))
				if v.IsNull() || string(v.ByteArray()) != want {
					t.Errorf("row %d %s = %q, want %q", ri, col.Name, v.ByteArray(), want)
				}
			}
		}
	}
}

func logical(lt *format.LogicalType) format.LogicalTypeValue {
	if lt == nil {
		return nil
	}
	return lt.Value
}

func readAllRows(t *testing.T, f *parquet.File) []parquet.Row {
	t.Helper()
	var all []parquet.Row
	for _, rg := range f.RowGroups() {
		if rg.NumRows() > 64 {
			t.Errorf("row group of %d rows, want at most 64", rg.NumRows())
		}
		rows := rg.Rows()
		buf := make([]parquet.Row, 17)
		for {
			n, err := rows.ReadRows(buf)
			for _, r := range buf[:n] {
				all = append(all, r.Clone())
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
	}
	if int64(len(all)) != f.NumRows() {
		t.Fatalf("read %d rows, file says %d", len(all), f.NumRows())
	}
	return all
}

func TestParquetSchemaOrderAndKinds(t *testing.T) {
	s := testSchema()
	ps := ParquetSchema(s)
	if ps.Name() != "test" {
		t.Errorf("name %q", ps.Name())
	}
	// Every Kind must map to a leaf column (an unsupported type would
	// silently become an empty group).
	cols := ps.Columns()
	if len(cols) != len(s.Columns) {
		t.Fatalf("%d leaf columns, want %d", len(cols), len(s.Columns))
	}
	for i, path := range cols {
		if len(path) != 1 || path[0] != s.Columns[i].Name {
			t.Errorf("leaf %d = %v, want [%s]", i, path, s.Columns[i].Name)
		}
	}
}

func TestParquetEmptyAndErrors(t *testing.T) {
	s := testSchema()
	b := writeParquet(t, s, nil, ParquetOptions{}, 1)
	checkParquetFrame(t, b)
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if f.NumRows() != 0 || len(f.Schema().Fields()) != len(s.Columns) {
		t.Errorf("empty file: %d rows, %d columns", f.NumRows(), len(f.Schema().Fields()))
	}

	var out bytes.Buffer
	w, _ := NewParquetWriter(&out, s, ParquetOptions{})
	flows := testFlows(3)
	if err := w.Write([]*features.Flow{flows[0], flows[1], nil, flows[2]}); !errors.Is(err, ErrNilFlow) {
		t.Errorf("nil flow: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	f, err = parquet.OpenFile(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil || f.NumRows() != 2 {
		t.Fatalf("rows before the nil flow: %v, %v", f, err)
	}
}

func TestParquetFlushMakesRowGroups(t *testing.T) {
	s := testSchema()
	var out bytes.Buffer
	w, _ := NewParquetWriter(&out, s, ParquetOptions{})
	flows := testFlows(10)
	for i := 0; i < 10; i += 5 {
		if err := w.Write(flows[i : i+5]); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	f, err := parquet.OpenFile(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.RowGroups()) != 2 || f.NumRows() != 10 {
		t.Errorf("%d row groups, %d rows; want 2, 10", len(f.RowGroups()), f.NumRows())
	}
}

// TestParquetWriterAllocs bounds parquet-go's own allocations: our row
// conversion allocates nothing, parquet-go allocates when it cuts pages.
func TestParquetWriterAllocs(t *testing.T) {
	s := testSchema()
	flows := testFlows(256)
	w, err := NewParquetWriter(io.Discard, s, ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		w.Write(flows)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := w.Write(flows); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%.2f allocations per batch of %d flows", allocs, len(flows))
	if allocs/float64(len(flows)) > 0.05 {
		t.Errorf("%.2f allocations per batch of %d flows: more than 0.05 per flow", allocs, len(flows))
	}
	w.Close()
}

func TestNewFlowWriterParquetToFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "flows.parquet")
	af, err := CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	defer af.Abort()
	w, err := NewFlowWriter("parquet", af, testSchema())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(testFlows(5)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := af.Commit(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkParquetFrame(t, b)
}

// TestParquetPrepareRows: rows made by PrepareRows (on other goroutines, in
// batches of several sizes, reusing their ParquetRows) and written with
// WriteRows read back exactly as the rows Write writes.
func TestParquetPrepareRows(t *testing.T) {
	s := testSchema()
	ptrs := testFlows(300)
	flows := make([]features.Flow, len(ptrs))
	for i, f := range ptrs {
		flows[i] = *f
	}
	opts := ParquetOptions{MaxRowsPerRowGroup: 64} // readAllRows checks it
	want := writeParquet(t, s, ptrs, opts, 256)

	var out bytes.Buffer
	fw, err := NewParquetWriter(&out, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	w := fw.(*ParquetWriter)
	var spare [2]*ParquetRows
	sizes := []int{64, 1, 0, 100, 64, 7}
	for i, k := 0, 0; i < len(flows); k++ {
		n := min(sizes[k%len(sizes)], len(flows)-i)
		done := make(chan *ParquetRows)
		go func(prev *ParquetRows, batch []features.Flow) { done <- w.PrepareRows(prev, batch) }(spare[k%2], flows[i:i+n])
		r := <-done
		if r.n != n {
			t.Fatalf("batch of %d flows: %d rows", n, r.n)
		}
		if err := w.WriteRows(r); err != nil {
			t.Fatal(err)
		}
		spare[k%2] = r
		i += n
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := out.Bytes()
	checkParquetFrame(t, got)
	open := func(b []byte) *parquet.File {
		f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	wr, gr := readAllRows(t, open(want)), readAllRows(t, open(got))
	if len(gr) != len(wr) {
		t.Fatalf("%d rows, Write wrote %d", len(gr), len(wr))
	}
	for i := range wr {
		if !gr[i].Equal(wr[i]) {
			t.Fatalf("row %d differs from Write's:\n%v\n%v", i, gr[i], wr[i])
		}
	}
	if err := w.WriteRows(&ParquetRows{}); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteRows after Close: %v, want ErrClosed", err)
	}
}
