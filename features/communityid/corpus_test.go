package communityid

import (
	"bufio"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flowmeter/flowmeter/internal/corpus"
)

// corpusDir returns the shared corpus directory, or skips the test.
func corpusDir(t testing.TB) string { return corpus.Require(t) }

// render returns x in the form a peer printed it.
func render(x Hash, b64 bool) string {
	if b64 {
		return string(x.AppendBase64(nil))
	}
	return string(x.AppendHex(nil))
}

func parsePort(t *testing.T, s string) (uint16, bool) {
	t.Helper()
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		t.Fatalf("bad port %q: %v", s, err)
	}
	return uint16(v), true
}

// TestVectorsTSV checks every row of CID_VECTORS.tsv: tuple-level IDs printed
// by the spec's README tables and baselines (pycommunityid), pycommunityid's
// unit tests, Zeek (bif, pcap runs, conn.log) and Suricata (eve.json, seeds
// 7, 1 and 1234).
func TestVectorsTSV(t *testing.T) {
	path := filepath.Join(corpusDir(t), "CID_VECTORS.tsv")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("CID_VECTORS.tsv not available: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		t.Fatal("empty CID_VECTORS.tsv")
	}
	col := map[string]int{}
	for i, name := range strings.Split(sc.Text(), "\t") {
		col[name] = i
	}
	for _, name := range []string{"peer", "proto", "saddr", "sport", "daddr", "dport", "seed", "base64", "expected"} {
		if _, ok := col[name]; !ok {
			t.Fatalf("CID_VECTORS.tsv header lacks column %q", name)
		}
	}
	rows, zeekSCTP := 0, 0
	for line := 2; sc.Scan(); line++ {
		rec := strings.Split(sc.Text(), "\t")
		get := func(name string) string { return rec[col[name]] }
		proto, err := strconv.ParseUint(get("proto"), 10, 8)
		if err != nil {
			t.Fatalf("line %d: proto: %v", line, err)
		}
		seed, err := strconv.ParseUint(get("seed"), 10, 16)
		if err != nil {
			t.Fatalf("line %d: seed: %v", line, err)
		}
		src := netip.MustParseAddr(get("saddr"))
		dst := netip.MustParseAddr(get("daddr"))
		sport, sok := parsePort(t, get("sport"))
		dport, dok := parsePort(t, get("dport"))
		hasPorts := sok && dok
		b64 := get("base64") == "True"
		want := get("expected")
		h := New(uint16(seed))

		zeekSCTPRow := proto == uint64(ProtoSCTP) && strings.HasPrefix(get("peer"), "zeek") && !hasPorts
		if zeekSCTPRow {
			// Documented divergence: Zeek has no SCTP analyzer, so the
			// conn_id it hashes has ports 0/0, and Zeek puts those zero
			// port bytes into the hash. The spec, Suricata and tshark hash
			// the real SCTP ports (same pcap, spec baseline:
			// 192.168.170.8:7 <-> 192.168.170.56:7 = MP2Et...). The row
			// is reproduced with ports 0/0, hasPorts=true; a port-less
			// hash (hasPorts=false) does not match it.
			zeekSCTP++
			hasPorts, sport, dport = true, 0, 0
			if got := render(h.Sum(uint8(proto), src, dst, 0, 0, false), b64); got == want {
				t.Errorf("line %d: Zeek SCTP row equals the port-less hash", line)
			}
			if got := render(h.Sum(uint8(proto), src, dst, 7, 7, true), b64); got != "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" || got == want {
				t.Errorf("line %d: spec SCTP 7/7 hash = %s", line, got)
			}
		}

		got := render(h.Sum(uint8(proto), src, dst, sport, dport, hasPorts), b64)
		if got != want {
			t.Errorf("line %d (%s): Sum(%d, %v:%s, %v:%s, seed %d) = %s, want %s",
				line, get("peer"), proto, src, get("sport"), dst, get("dport"), seed, got, want)
		}
		rows++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if rows < 200 {
		t.Errorf("only %d vectors read", rows)
	}
	if zeekSCTP == 0 {
		t.Error("no Zeek SCTP divergence row found")
	}
	t.Logf("%d vectors, %d Zeek SCTP 0/0 rows", rows, zeekSCTP)
}

// TestSpecBaselines checks the spec repository's JSON baselines: the output
// of pycommunityid's community-id-pcap on pcaps/combined.pcap.gz with seed 0,
// seed 1 and without base64. For ICMP entries, dport holds the counterpart
// type for paired types and the code for one-way types; Sum maps the type
// itself, so feeding either gives the same result.
func TestSpecBaselines(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "community-id-spec", "baseline")
	cases := []struct {
		file string
		seed uint16
		b64  bool
	}{
		{"baseline_deflt.json", 0, true},
		{"baseline_seed1.json", 1, true},
		{"baseline_nob64.json", 0, false},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, c.file))
			if err != nil {
				t.Skipf("baseline not available: %v", err)
			}
			var entries []struct {
				Proto       uint8   `json:"proto"`
				Saddr       string  `json:"saddr"`
				Daddr       string  `json:"daddr"`
				Sport       *uint16 `json:"sport"`
				Dport       *uint16 `json:"dport"`
				CommunityID string  `json:"communityid"`
			}
			if err := json.Unmarshal(data, &entries); err != nil {
				t.Fatal(err)
			}
			if len(entries) == 0 {
				t.Fatal("no entries")
			}
			h := New(c.seed)
			for i, e := range entries {
				var sport, dport uint16
				hasPorts := e.Sport != nil && e.Dport != nil
				if hasPorts {
					sport, dport = *e.Sport, *e.Dport
				}
				x := h.Sum(e.Proto, netip.MustParseAddr(e.Saddr), netip.MustParseAddr(e.Daddr), sport, dport, hasPorts)
				if got := render(x, c.b64); got != e.CommunityID {
					t.Errorf("entry %d %+v: got %s, want %s", i, e, got, e.CommunityID)
				}
				// The peer's string parses back to the same digest.
				if p, err := Parse(e.CommunityID); err != nil || p != x {
					t.Errorf("entry %d: Parse(%q) = %x, %v; want %x", i, e.CommunityID, p, err, x)
				}
			}
		})
	}
}
