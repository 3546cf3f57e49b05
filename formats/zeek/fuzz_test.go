package zeek

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// fuzzSeeds returns the first lines of real logs (when the corpus is there)
// plus the synthetic log from the tests.
func fuzzSeeds(f *testing.F, json bool) {
	f.Add([]byte(synthetic))
	f.Add(genTSV(3))
	f.Add(genJSON(3))
	f.Add([]byte("#fields\ta\n#types\tvector[count]\n1,2,x\n-\n(empty)\n"))
	f.Add([]byte("{\"ts\":\"2020-10-06T17:32:46.785668Z\",\"id.orig_h\":\"::1\"}\n{]\n"))
	c := findCorpus()
	if c == "" {
		return
	}
	var paths []string
	paths, _ = filepath.Glob(filepath.Join(c, "slips/dataset/*/conn.log"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil || isTSV(p) == json {
			continue
		}
		if len(b) > 4000 {
			b = b[:4000]
		}
		f.Add(b)
	}
}

func FuzzZeekTSV(f *testing.F) {
	fuzzSeeds(f, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewTSVReader(bytes.NewReader(data), TSVOptions{})
		if err != nil {
			return
		}
		var out bytes.Buffer
		w := NewWriter(&out, nil, []Column{{"x", "count"}, {"y", "string"}})
		var c Conn
		var buf []byte
		var el [][]byte
		n := 0
		for {
			rec, err := rd.Next()
			if err != nil {
				break
			}
			n++
			FillConn(rec, &c)
			for i := range rec.Values {
				rec.Time(i)
				rec.Count(i)
				rec.Int(i)
				rec.Double(i)
				rec.Addr(i)
				rec.Port(i)
				rec.Bool(i)
				buf, _ = rec.String(i, buf[:0])
				el, _ = rec.Elems(i, el[:0])
			}
			if err := w.Write(rec, [][]byte{[]byte("1"), buf}); err != nil {
				t.Fatalf("write: %v", err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		rd2, _ := NewTSVReader(bytes.NewReader(out.Bytes()), TSVOptions{NoValidate: true})
		for {
			if _, err := rd2.Next(); err != nil {
				break
			}
		}
	})
}

func FuzzZeekJSON(f *testing.F) {
	fuzzSeeds(f, true)
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewJSONReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		var c Conn
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return
			}
			rec.Conn(&c)
			JSONTime(rec.Field("ts"))
			JSONInterval(rec.Field("duration"))
			JSONCount(rec.Field("orig_pkts"))
			JSONAddr(rec.Get(`id\.orig_h`))
		}
	})
}
