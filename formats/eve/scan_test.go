package eve

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/flowmeter/flowmeter/formats/zeek"
	"github.com/tidwall/gjson"
)

// refParse decodes line with the gjson parser (one ForEach pass; the
// implementation the scanner replaced, checked against jq and Python).
func refParse(line []byte) Event {
	var ev Event
	newParser().parse(line, &ev)
	return ev
}

func sameEvent(a, b Event) bool {
	if !bytes.Equal(a.CommunityID, b.CommunityID) || (a.CommunityID == nil) != (b.CommunityID == nil) {
		return false
	}
	a.CommunityID, b.CommunityID, a.Raw, b.Raw = nil, nil, nil, nil
	return a.Line == b.Line && a.Type == b.Type && a.FlowID == b.FlowID && a.Timestamp == b.Timestamp &&
		a.SrcIP == b.SrcIP && a.DestIP == b.DestIP && a.SrcPort == b.SrcPort && a.DestPort == b.DestPort &&
		a.Proto == b.Proto && a.Start == b.Start && a.End == b.End && a.PktsToServer == b.PktsToServer &&
		a.PktsToClient == b.PktsToClient && a.BytesToServer == b.BytesToServer && a.BytesToClient == b.BytesToClient &&
		a.Has == b.Has
}

// gjsonReason is the reference verdict: gjson.Valid, then the first byte.
func gjsonReason(line []byte) Reason {
	if !gjson.ValidBytes(line) {
		return ReasonBadJSON
	}
	if bytes.TrimLeft(line, " \t\r\n")[0] != '{' {
		return ReasonNotObject
	}
	return ReasonNone
}

// checkEveScan compares scan with gjson on one line: the verdict with
// gjson.Valid; the fields with the gjson ForEach parser; and, when keys are
// not repeated (gjson.Get takes the first, ForEach the last), the fields
// with gjson.Get per path.
func checkEveScan(t *testing.T, line []byte) {
	t.Helper()
	if isBlank(line) {
		return
	}
	var s zeek.JSONScanner
	var ev Event
	reason, slow := scan(&s, line, &ev)
	if want := gjsonReason(line); reason != want {
		t.Fatalf("%q: scan %v, gjson %v", line, reason, want)
	}
	if reason != ReasonNone {
		return
	}
	ref := refParse(line)
	var pe Event
	if r := Parse(line, &pe); r != ReasonNone || !sameEvent(pe, ref) {
		t.Fatalf("%q: Parse %v %+v, gjson %+v", line, r, pe, ref)
	}
	if slow {
		if !bytes.Contains(line, []byte(`\`)) {
			t.Fatalf("%q: slow path without escapes", line)
		}
		return
	}
	if !sameEvent(ev, ref) {
		t.Fatalf("%q:\nscan  %+v\ngjson %+v", line, ev, ref)
	}
	if repeatedKeys(line) {
		return
	}
	js := string(line)
	get := func(p string) gjson.Result { return gjson.Get(js, p) }
	if v := get("event_type"); v.Type == gjson.String && internType(v.Str) != ev.Type {
		t.Fatalf("%q: type %q, gjson.Get %q", line, ev.Type, v.Str)
	}
	if v := get("community_id"); v.Type == gjson.String && v.Str != string(ev.CommunityID) {
		t.Fatalf("%q: community_id %q, gjson.Get %q", line, ev.CommunityID, v.Str)
	}
	if v := get("flow_id"); (v.Type == gjson.Number && v.Raw == strings.TrimSpace(v.Raw) && isDigits(v.Raw) && fitsUint64(v.Raw)) != (ev.Has&HasFlowID != 0) ||
		(ev.Has&HasFlowID != 0 && v.Uint() != ev.FlowID) {
		t.Fatalf("%q: flow_id %d (has %v), gjson.Get %s", line, ev.FlowID, ev.Has&HasFlowID != 0, v.Raw)
	}
	if v := get("src_ip"); v.Type == gjson.String {
		if a, _ := zeek.ParseAddr([]byte(v.Str)); a != ev.SrcIP {
			t.Fatalf("%q: src_ip %v, gjson.Get %q", line, ev.SrcIP, v.Str)
		}
	}
	if v := get("dest_port"); v.Type == gjson.Number && isDigits(v.Raw) && v.Uint() < 65536 && uint16(v.Uint()) != ev.DestPort {
		t.Fatalf("%q: dest_port %d, gjson.Get %s", line, ev.DestPort, v.Raw)
	}
	if ev.Has&HasNetflow == 0 {
		if v := get("flow.bytes_toclient"); v.Type == gjson.Number && isDigits(v.Raw) && len(v.Raw) < 19 && v.Int() != ev.BytesToClient {
			t.Fatalf("%q: bytes_toclient %d, gjson.Get %s", line, ev.BytesToClient, v.Raw)
		}
		if v := get("flow.end"); v.Type == gjson.String {
			ns, ok := zeek.ParseTimestamp([]byte(v.Str))
			if ok != (ev.Has&HasEnd != 0) || ns != ev.End {
				t.Fatalf("%q: end %d, gjson.Get %q", line, ev.End, v.Str)
			}
		}
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// repeatedKeys reports whether a key repeats at the top level or inside
// a flow/netflow object, or flow and netflow are both present.
func repeatedKeys(line []byte) bool {
	rep := false
	seen := map[string]bool{}
	gjson.ParseBytes(line).ForEach(func(k, v gjson.Result) bool {
		if seen[k.Str] {
			rep = true
		}
		seen[k.Str] = true
		if k.Str == "flow" || k.Str == "netflow" {
			inner := map[string]bool{}
			v.ForEach(func(k, _ gjson.Result) bool {
				if inner[k.Str] {
					rep = true
				}
				inner[k.Str] = true
				return true
			})
		}
		return true
	})
	return rep || (seen["flow"] && seen["netflow"])
}

var eveScanCases = []string{
	`{}`, `{"event_type":"flow"}`, `{"event_type":"fl\u006fw"}`, `{"event_\u0074ype":"dns"}`, `{"flow":{"start":"2024-01-02T02:04:00Z","st\u0061rt":1}}`,
	`{"flow":[],"netflow":{"pkts":1,"bytes":2,"x":{"pkts":9}}}`, `{"flow":{"pkts":1},"flow":{"bytes_toserver":5}}`,
	`{"flow_id":-1}`, `{"flow_id":1.5}`, `{"flow_id":18446744073709551616}`, `{"src_port":70000,"dest_port":"80"}`,
	`{"proto":6}`, `{"proto":"6"}`, `{"proto":"tcp","proto":null}`, `{"src_ip":"1.2.3.4","dest_ip":"::1"}`, `{"src_ip":"1.2.3.4","dest_ip":5}`,
	`{"community_id":""}`, `{"community_id":null}`, `{"timestamp":"2024-01-02T02:04:05.1+02"}`, `[1]`, `"x"`, `{"a":1`, `{"flow":{"pkts_toserver":1}`,
	`{"flow":{"pkts_toserver":4611686018427387905}}`, `{"event_type":"my\"type"}`, ` {"event_type" : "alert" , "flow" : { } } `,
}

func TestEveScanMatchesGJSON(t *testing.T) {
	for _, c := range eveScanCases {
		checkEveScan(t, []byte(c))
	}
	for _, l := range strings.Split(sample, "\n") {
		checkEveScan(t, []byte(l))
	}
	for _, l := range bytes.Split(genEve(50), []byte("\n")) {
		checkEveScan(t, l)
	}
}

// TestEveScanCorpus: on every line of Slips' eve.json (7 event types) the
// scanner agrees with the gjson parser and gjson.Get.
func TestEveScanCorpus(t *testing.T) {
	b, err := os.ReadFile(corpusEve(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range bytes.Split(b, []byte("\n")) {
		checkEveScan(t, bytes.TrimRight(l, "\r"))
	}
}

// FuzzEveScan is differential: scan against gjson.Valid, the gjson ForEach
// parser and gjson.Get.
func FuzzEveScan(f *testing.F) {
	for _, c := range eveScanCases {
		f.Add([]byte(c))
	}
	for _, l := range strings.Split(sample, "\n") {
		f.Add([]byte(l))
	}
	f.Add(bytes.TrimSpace(genEve(1)))
	if c := findCorpus(); c != "" {
		if b, err := os.ReadFile(c + "/slips/dataset/test6-malicious.suricata.json"); err == nil {
			seen := map[string]bool{}
			for _, l := range bytes.Split(b, []byte("\n")) {
				if ty := gjson.GetBytes(l, "event_type").Str; !seen[ty] {
					seen[ty] = true
					f.Add(l)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkEveScan(t, data)
	})
}

// fitsUint64 reports whether the decimal digits s fit in a uint64 (flow_id
// is an unsigned 64-bit value; 20-digit values up to 18446744073709551615
// are valid: found by FuzzEveScan, kept in testdata/fuzz).
func fitsUint64(s string) bool {
	const max = "18446744073709551615"
	s = strings.TrimLeft(s, "0")
	return len(s) < len(max) || (len(s) == len(max) && s <= max)
}
