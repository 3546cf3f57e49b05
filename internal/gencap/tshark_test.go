package gencap

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flowmeter/flowmeter/features/communityid"
)

// TestAgainstTshark dissects a small capture with tshark (Wireshark's own
// dissectors and Community ID post-dissector, not our code) and checks:
// every IPv4/TCP/UDP checksum is good, the only TCP analysis finding is the
// intended "port numbers reused" on flows that reuse a FIN-closed tuple, and
// per Community ID the packet and frame byte totals equal the truth file's
// (tshark groups by Community ID, so reused tuples are summed).
func TestAgainstTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	o := generate(t, Options{Packets: 20000, Seed: 11})
	path := filepath.Join(t.TempDir(), "synth.pcap")
	if err := os.WriteFile(path, o.pcap.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tshark, "-n", "-r", path, "--enable-protocol", "communityid",
		"-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
		"-T", "fields", "-E", "separator=/t",
		"-e", "frame.len", "-e", "communityid", "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
		"-e", "udp.checksum.status", "-e", "tcp.analysis.flags", "-e", "tcp.analysis.reused_ports")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	type agg struct{ pkts, bytes uint64 }
	seen := map[string]agg{}
	var n, reused uint64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		n++
		col := strings.Split(sc.Text(), "\t")
		if len(col) != 7 {
			t.Fatalf("tshark line %d: %q", n, sc.Text())
		}
		for i, name := range []string{"ip", "tcp", "udp"} {
			if s := col[2+i]; s != "" && s != "1" {
				t.Fatalf("frame %d: %s checksum status %s", n, name, s)
			}
		}
		if col[6] != "" {
			reused++
		} else if col[5] != "" {
			t.Fatalf("frame %d: unexpected TCP analysis finding", n)
		}
		l, _ := strconv.ParseUint(col[0], 10, 64)
		a := seen[col[1]]
		a.pkts++
		a.bytes += l
		seen[col[1]] = a
	}
	if n != o.st.Packets {
		t.Fatalf("tshark read %d frames, generator wrote %d", n, o.st.Packets)
	}
	if reused != o.st.ReusedTuple {
		t.Errorf("tshark flags %d reused ports, generator reused %d tuples", reused, o.st.ReusedTuple)
	}
	truth, err := ReadTruth(&o.truth)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]agg{}
	h := communityid.New(0)
	for _, f := range truth {
		id := h.Sum(f.Proto, f.Src, f.Dst, f.SrcPort, f.DstPort, true).String()
		a := want[id]
		a.pkts += f.Pkts[0] + f.Pkts[1]
		a.bytes += f.FrameBytes[0] + f.FrameBytes[1]
		want[id] = a
	}
	if len(want) != len(seen) {
		t.Fatalf("tshark sees %d Community IDs, truth has %d", len(seen), len(want))
	}
	for id, w := range want {
		if seen[id] != w {
			t.Errorf("%s: tshark %+v, truth %+v", id, seen[id], w)
		}
	}
}
