package enricher

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flowmeter/flowmeter/features/communityid"
	"github.com/flowmeter/flowmeter/formats/eve"
)

// yamlMatches extracts the "match:" maps of a suricata-verify test.yaml
// (flat key: value lines; enough for its checks).
func yamlMatches(t *testing.T, path string) []map[string]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]string
	var cur map[string]string
	indent := -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trim := strings.TrimSpace(line)
		ind := len(line) - len(strings.TrimLeft(line, " "))
		if trim == "match:" {
			cur = map[string]string{}
			out = append(out, cur)
			indent = ind
			continue
		}
		if cur == nil {
			continue
		}
		if ind <= indent || trim == "" {
			cur = nil
			continue
		}
		k, v, ok := strings.Cut(trim, ":")
		if ok {
			cur[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return out
}

// TestSuricataCommunityID: for the suricata-verify tests whose checks name
// community_id values (seeds 7, 1, 1234, 0), the ID we compute from the
// event's tuple with the test's seed equals Suricata's, and every event
// (flow and app-layer) is joined, through its logged ID, to a flow of the
// trace.
func TestSuricataCommunityID(t *testing.T) {
	corpus := corpusRoot(t)
	rows := readPairs(t, corpus, "suricata-eve-checks(community_id values)")
	if len(rows) == 0 {
		t.Skip("no suricata community_id rows in PAIRS.tsv")
	}
	var checked, flows int
	for _, row := range rows {
		_, rest, _ := strings.Cut(row.Notes, "seed=")
		seedStr, _, _ := strings.Cut(rest, ";")
		seed, err := strconv.Atoi(strings.TrimSpace(seedStr))
		if err != nil {
			t.Fatalf("%s: seed in %q", row.Baseline, row.Notes)
		}
		ix := indexCapture(t, filepath.Join(corpus, row.Pcap), zeekLikeOptions(uint16(seed)), Options{Seed: uint16(seed), Tolerance: 1e9})
		h := communityid.New(uint16(seed))
		for _, m := range yamlMatches(t, filepath.Join(corpus, row.Baseline)) {
			want := m["community_id"]
			if want == "" || m["src_ip"] == "" {
				continue
			}
			line := `{"event_type":"` + m["event_type"] + `","src_ip":"` + m["src_ip"] + `","dest_ip":"` + m["dest_ip"] +
				`","src_port":` + orZero(m["src_port"]) + `,"dest_port":` + orZero(m["dest_port"]) + `,"proto":"` + m["proto"] +
				`","community_id":"` + want + `"}`
			var ev eve.Event
			eve.Parse([]byte(line), &ev)
			ev.Raw = []byte(line)
			var q Query
			EveQuery(&ev, &q)
			got := h.Sum(q.Proto, q.Orig, q.Resp, q.OrigPort, q.RespPort, hasPorts(q.Proto))
			if got.String() != want {
				t.Errorf("%s seed %d: %s: computed %s, Suricata %s", row.Baseline, seed, line, got, want)
			}
			var res Result
			ix.Join(&q, &res)
			if res.Reason != Matched || res.Source != IDLogged {
				t.Errorf("%s: event %s not joined: %s", row.Baseline, line, res.Reason)
			}
			checked++
			if m["event_type"] == "flow" {
				flows++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no community_id checks found")
	}
	t.Logf("%d Suricata events with community_id (%d flow events) across %d tests: IDs equal, all joined", checked, flows, len(rows))
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}
