package zeek

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// gjsonReason is the reference verdict for a non-blank line: gjson.Valid,
// then the first non-blank byte.
func gjsonReason(line []byte) Reason {
	if !gjson.ValidBytes(line) {
		return ReasonBadJSON
	}
	if bytes.TrimLeft(line, " \t\r\n")[0] != '{' {
		return ReasonNotObject
	}
	return ReasonNone
}

func isBlankJSON(b []byte) bool { return len(bytes.TrimLeft(b, " \t\r\n")) == 0 }

var scanCases = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a":[]}`, `{"a":{}}`, `{"a":{"b":[],"c":1}}`, `{"a":[1,[],{},[[]],{"x":[{}]}]}`,
	`[[]]`, `[]`, `1`, `-0`, `-`, `01`, `1.`, `1.5e`, `1.5e+3`, `1E-0`, `"x"`, `true`, `tru`, `nul`, `falsey`,
	`{"a":"x\"y"}`, `{"a":{"b":"x\\"}}`, `{"a":"\\"}`, `{"a":"\u00e9\uD83D"}`, `{"a":"\u00g9"}`, `{"a":"\x"}`,
	`{"a":"` + "\x01" + `"}`, `{"a":"` + "\x7f\xff\xfe" + `"}`, `{"a":1,}`, `{,"a":1}`, `{"a":1 "b":2}`, `{"a" 1}`,
	`{"a":[1,]}`, `{"a":[,1]}`, `{"a":[1 2]}`, `{"a":[}`, `{"a":{]}`, `{"a":1}}`, `{"a":1} x`, `{"a":1}` + "\t\r",
	`{"a":1`, `{"a"`, `{"`, `{`, `{"a":"12345678901234567890"}`, `{"abcdefgh":"ijklmnop\"qrstuvwx"}`,
	`{"a":tRUE}`, `{"ts":1,"id.orig_h":"::1","id.resp_h":"1.2.3.4","uid":"","community_id":"","proto":"icmp"}`, `{"a":+1}`, `{"a":.5}`, `{"a":-.5}`, `{"a":1e5,"b":-0.0e-0}`, "{\"a\":\n1}", `{"a":[true,false,null]}`,
}

func TestJSONScanMatchesGJSON(t *testing.T) {
	for _, c := range scanCases {
		checkScan(t, []byte(c))
	}
	// Deep nesting: no recursion, so no stack overflow; gjson agrees.
	deep := "{\"a\":" + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "}"
	checkScan(t, []byte(deep))
	checkScan(t, []byte(deep[:len(deep)-2]+"}"))
}

// checkScan compares the scanner with gjson on one line: the verdict, and
// for valid objects the members (key, kind, raw text) against ForEach, and
// Conn against the gjson implementation.
func checkScan(t *testing.T, line []byte) {
	t.Helper()
	if isBlankJSON(line) {
		return
	}
	want := gjsonReason(line)
	var s JSONScanner
	if got := s.ValidJSONObject(line); got != want {
		t.Fatalf("%q: ValidJSONObject %v, gjson %v", line, got, want)
	}
	got := s.Begin(line)
	if got == ReasonNone {
		type mem struct {
			key, raw string
			kind     JSONKind
		}
		var mems []mem
		for {
			k, kesc, v, ok := s.Next()
			if !ok {
				break
			}
			key := string(k)
			if kesc {
				key = gjson.Parse(`"` + key + `"`).Str
			}
			raw := string(v.Raw)
			if v.Kind == JSONString {
				raw = `"` + raw + `"`
			}
			mems = append(mems, mem{key, raw, v.Kind})
		}
		if !s.Valid() {
			got = ReasonBadJSON
		}
		if got == ReasonNone {
			var ref []mem
			gjson.ParseBytes(line).ForEach(func(k, v gjson.Result) bool {
				m := mem{key: k.Str}
				switch v.Type {
				case gjson.String:
					m.kind, m.raw = JSONString, v.Raw
				case gjson.Number:
					m.kind, m.raw = JSONNumber, v.Raw
				case gjson.True:
					m.kind = JSONTrue
				case gjson.False:
					m.kind = JSONFalse
				case gjson.Null:
					m.kind = JSONNull
				case gjson.JSON:
					m.kind = JSONArray
					if v.IsObject() {
						m.kind = JSONObject
					}
				}
				ref = append(ref, m)
				return true
			})
			if len(ref) != len(mems) {
				t.Fatalf("%q: %d members, gjson ForEach %d", line, len(mems), len(ref))
			}
			for i := range ref {
				if ref[i] != mems[i] {
					t.Fatalf("%q: member %d %+v, gjson %+v", line, i, mems[i], ref[i])
				}
			}
		}
	}
	if got != want {
		t.Fatalf("%q: Begin+Next %v, gjson %v", line, got, want)
	}
	if want != ReasonNone {
		return
	}
	// Conn: scanner path (no index), reader path (index) and gjson.
	var a, b, c Conn
	rec := JSONRecord{Raw: line}
	okA := rec.Conn(&a)
	okB := rec.connGJSON(&b)
	if okA != okB || !sameConn(a, b) {
		t.Fatalf("%q: Conn %v %+v, gjson %v %+v", line, okA, a, okB, b)
	}
	if bytes.IndexByte(line, '\n') >= 0 {
		return // the reader would split it
	}
	rd, _ := NewJSONReader(bytes.NewReader(line))
	if r, err := rd.Next(); err == nil {
		okC := r.Conn(&c)
		if okC != okB || !sameConn(c, b) {
			t.Fatalf("%q: reader Conn %v %+v, gjson %v %+v", line, okC, c, okB, b)
		}
	} else {
		t.Fatalf("%q: reader: %v (malformed %v)", line, err, rd.Malformed())
	}
}

func sameConn(a, b Conn) bool {
	if !bytes.Equal(a.UID, b.UID) || !bytes.Equal(a.CommunityID, b.CommunityID) || (a.CommunityID == nil) != (b.CommunityID == nil) {
		return false
	}
	return a.Start == b.Start && a.Duration == b.Duration && a.Proto == b.Proto && a.OrigH == b.OrigH && a.RespH == b.RespH &&
		a.OrigP == b.OrigP && a.RespP == b.RespP && a.OrigPkts == b.OrigPkts && a.RespPkts == b.RespPkts &&
		a.OrigIPBytes == b.OrigIPBytes && a.RespIPBytes == b.RespIPBytes && a.HasCounts == b.HasCounts
}

// TestJSONConnCorpus compares Conn with the gjson implementation on every
// line of the real Zeek JSON logs.
func TestJSONConnCorpus(t *testing.T) {
	for _, p := range jsonLogs(t) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			checkScan(t, bytes.TrimRight(line, "\r"))
		}
	}
	for _, line := range bytes.Split(genJSON(100), []byte("\n")) {
		checkScan(t, line)
	}
}

func TestJSONIndexNoAllocs(t *testing.T) {
	rd, _ := NewJSONReader(bytes.NewReader(genJSON(3000)))
	var c Conn
	allocs := testing.AllocsPerRun(1000, func() {
		rec, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !rec.Conn(&c) {
			t.Fatal("conn")
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per record", allocs)
	}
	// A record not from a reader is scanned (no index), still without allocating
	// once the scanner exists.
	line := bytes.SplitN(genJSON(1), []byte("\n"), 2)[0]
	rec := JSONRecord{Raw: line, sc: new(JSONScanner)}
	if allocs := testing.AllocsPerRun(100, func() { rec.Conn(&c) }); allocs != 0 {
		t.Fatalf("%v allocs per scanned record", allocs)
	}
}

// FuzzJSONScan is differential: the scanner's verdict, members and Conn
// against gjson (Valid, ForEach) and the gjson Conn.
func FuzzJSONScan(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c))
	}
	f.Add(bytes.SplitN(genJSON(1), []byte("\n"), 2)[0])
	if c := findCorpus(); c != "" {
		if b, err := os.ReadFile(c + "/slips/dataset/test9-mixed-zeek-dir/conn.log"); err == nil {
			for i, l := range bytes.Split(b, []byte("\n")) {
				if i%200 == 0 {
					f.Add(l)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScan(t, data)
	})
}

// BenchmarkJSONValid compares the scanner's validation with gjson.Valid.
func BenchmarkJSONValid(b *testing.B) {
	lines := bytes.Split(bytes.TrimSpace(genJSON(1000)), []byte("\n"))
	b.Run("scanner", func(b *testing.B) {
		var s JSONScanner
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if s.ValidJSONObject(lines[i%len(lines)]) != ReasonNone {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("gjson", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if !gjson.ValidBytes(lines[i%len(lines)]) {
				b.Fatal("invalid")
			}
		}
	})
}
