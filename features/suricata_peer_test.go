package features

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// suriFilter is one `- filter:` block of a suricata-verify test.yaml: its
// count and the key/value pairs of its match block.
type suriFilter struct {
	count int // -1 when absent
	match map[string]string
}

// readSuricataChecks reads the checks of a suricata-verify test.yaml with a
// tiny line-based reader: enough for `- filter:` blocks with `count:` and a
// flat `match:` map (the only shape used by the flow checks).
func readSuricataChecks(path string) ([]suriFilter, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []suriFilter
	var cur *suriFilter
	matchIndent := -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \r")
		trim := strings.TrimLeft(line, " ")
		indent := len(line) - len(trim)
		if trim == "" || trim[0] == '#' {
			continue
		}
		if strings.HasPrefix(trim, "- filter:") {
			out = append(out, suriFilter{count: -1, match: map[string]string{}})
			cur = &out[len(out)-1]
			matchIndent = -1
			continue
		}
		if cur == nil {
			continue
		}
		if indent <= 1 && !strings.HasPrefix(trim, "-") { // left the checks list
			cur = nil
			continue
		}
		if matchIndent >= 0 && indent > matchIndent {
			k, v, ok := strings.Cut(trim, ":")
			if ok {
				cur.match[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
			}
			continue
		}
		matchIndent = -1
		switch {
		case trim == "match:":
			matchIndent = indent
		case strings.HasPrefix(trim, "count:"):
			cur.count, _ = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(trim, "count:")))
		case strings.HasPrefix(trim, "- "):
			cur = nil // another kind of check (shell, ...)
		}
	}
	return out, sc.Err()
}

func suriProto(s string) uint8 {
	switch strings.ToUpper(s) {
	case "TCP":
		return 6
	case "UDP":
		return 17
	case "ICMP":
		return 1
	case "IPV6-ICMP", "ICMPV6":
		return 58
	case "SCTP":
		return 132
	}
	return 0
}

// TestSuricataVerifyFlows compares the flow events that suricata-verify
// tests check (src/dest tuple, flow.pkts_toserver, flow.pkts_toclient) with
// our flows of the same tuple, where the flow boundaries agree (one
// Suricata flow event and one flow of ours for the tuple).
func TestSuricataVerifyFlows(t *testing.T) {
	corpus := corpusRoot(t)
	rows := readPairs(t, corpus, "suricata-eve-checks(flow tuple+pkts)")
	if len(rows) == 0 {
		t.Skip("no suricata-eve-checks(flow tuple+pkts) rows in PAIRS.tsv")
	}
	type result struct{ class, detail string }
	var results []result
	counts := map[string]int{}
	add := func(class, detail string) {
		counts[class]++
		results = append(results, result{class, detail})
	}
	o := DefaultOptions() // Suricata's own timeouts differ; boundaries are checked below
	for _, row := range rows {
		checks, err := readSuricataChecks(filepath.Join(corpus, row.Baseline))
		if err != nil {
			t.Errorf("%s: %v", row.Baseline, err)
			continue
		}
		run, err := runCapture(filepath.Join(corpus, row.Pcap), o)
		if err != nil {
			for _, c := range checks {
				if c.match["event_type"] == "flow" {
					add("capture not in the corpus or unreadable", fmt.Sprintf("%s: %v", row.Pcap, err))
				}
			}
			continue
		}
		for _, c := range checks {
			m := c.match
			if m["event_type"] != "flow" {
				continue
			}
			ts, ok1 := m["flow.pkts_toserver"]
			tc, ok2 := m["flow.pkts_toclient"]
			src, err1 := netip.ParseAddr(m["src_ip"])
			dst, err2 := netip.ParseAddr(m["dest_ip"])
			if !ok1 && !ok2 || err1 != nil || err2 != nil {
				add("check without tuple or packet counts", row.Baseline)
				continue
			}
			proto := suriProto(m["proto"])
			sp, hasSP := m["src_port"]
			dp := m["dest_port"]
			var flows []*Flow
			for i := range run.Flows {
				f := &run.Flows[i]
				if f.Proto != proto {
					continue
				}
				fwd := f.Src == src && f.Dst == dst && (!hasSP || strconv.Itoa(int(f.SrcPort)) == sp && strconv.Itoa(int(f.DstPort)) == dp)
				bwd := f.Src == dst && f.Dst == src && (!hasSP || strconv.Itoa(int(f.SrcPort)) == dp && strconv.Itoa(int(f.DstPort)) == sp)
				if fwd || bwd {
					flows = append(flows, f)
				}
			}
			var toServer, toClient int64
			for _, f := range flows {
				if f.Src == src && (!hasSP || strconv.Itoa(int(f.SrcPort)) == sp) {
					toServer += f.Fwd.IPBytes.N
					toClient += f.Bwd.IPBytes.N
				} else {
					toServer += f.Bwd.IPBytes.N
					toClient += f.Fwd.IPBytes.N
				}
			}
			// ICMP errors sent to either endpoint: Suricata counts an ICMP
			// error that quotes a flow's packet in that flow.
			var errToServer, errToClient int64
			for i := range run.Flows {
				f := &run.Flows[i]
				if !icmpError(f.Proto, f.SrcPort) {
					continue
				}
				switch f.Dst {
				case dst:
					errToServer += f.Packets()
				case src:
					errToClient += f.Packets()
				}
			}
			desc := fmt.Sprintf("%s: %s %s:%s > %s:%s suricata %s/%s (count %d), ours %d/%d in %d flows",
				row.Baseline, m["proto"], src, sp, dst, dp, ts, tc, c.count, toServer, toClient, len(flows))
			wantTS, _ := strconv.ParseInt(ts, 10, 64)
			wantTC, _ := strconv.ParseInt(tc, 10, 64)
			same := (!ok1 || wantTS == toServer) && (!ok2 || wantTC == toClient)
			switch {
			case len(flows) == 0:
				add("MISSING", desc)
			case same && len(flows) == 1:
				add("exact", desc)
			case same:
				add("exact (sum of our split flows)", desc)
			case (!ok1 || wantTS == toServer+errToServer) && (!ok2 || wantTC == toClient+errToClient):
				add("Suricata counts ICMP errors quoting the flow in it", desc)
			case len(flows) > 1 || c.count > 1 || c.count == 0:
				add("flow boundaries differ (several records for the tuple)", desc)
			default:
				add("MISMATCH", desc)
			}
		}
	}
	classes := make([]string, 0, len(counts))
	for c := range counts {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	exact := counts["exact"] + counts["exact (sum of our split flows)"]
	agree := exact + counts["MISMATCH"] + counts["MISSING"]
	t.Logf("suricata-verify flow checks: %d in %d tests; where boundaries agree: %d of %d exact (%.1f%%)",
		len(results), len(rows), exact, agree, pct(exact, agree))
	for _, c := range classes {
		t.Logf("  %-60s %d", c, counts[c])
	}
	for _, r := range results {
		if r.class != "exact" && (testing.Verbose() || r.class == "MISMATCH" || r.class == "MISSING") {
			t.Logf("    %s: %s", r.class, r.detail)
		}
	}
	if got := pct(exact, agree); got < suricataTarget {
		t.Errorf("suricata-verify flow checks: %.1f%% exact < target %.0f%%", got, suricataTarget)
	}
}

// icmpError reports ICMP/ICMPv6 error types (they quote a packet of
// another flow): unreachable, source quench, redirect, time exceeded,
// parameter problem; ICMPv6 1-4.
func icmpError(proto uint8, typ uint16) bool {
	switch proto {
	case 1:
		return typ == 3 || typ == 4 || typ == 5 || typ == 11 || typ == 12
	case 58:
		return typ >= 1 && typ <= 4
	}
	return false
}

// suricataTarget is the documented share (docs/ACCURACY.md) of Suricata flow
// checks, where the flow boundaries agree, whose packet counts equal ours.
const suricataTarget = 95.0
