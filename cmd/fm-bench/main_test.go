package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flowmeter/flowmeter/internal/gencap"
)

// TestRun measures a small generated capture and checks the table: one row
// per measurement, the packet count known, no counting disagreement.
func TestRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := gencap.Generate(f, gencap.Options{Packets: 5000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	var out bytes.Buffer
	if err := run([]string{"-runs", "1", "-cmd", "cat {}", path}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"| cat FILE > /dev/null |", "| gopacket pcapgo + DecodingLayerParser |",
		"| flowmeter reader.Open + decode.Decode |", "| `cat " + path + "` |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing row %q in\n%s", want, s)
		}
	}
	if strings.Contains(s, "WARNING") || strings.Contains(s, "error:") {
		t.Errorf("unexpected warning or error:\n%s", s)
	}
	if !strings.Contains(s, " bytes, "+itoa(st.Packets)+" packets.") {
		t.Errorf("packet count %d not reported:\n%s", st.Packets, s)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func TestRunBadCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.pcap")
	f, _ := os.Create(path)
	gencap.Generate(f, gencap.Options{Packets: 100, Seed: 1})
	f.Close()
	var out bytes.Buffer
	if err := run([]string{"-runs", "1", "-cmd", "/nonexistent/binary {}", path}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "| `/nonexistent/binary "+path+"` | error: ") {
		t.Fatalf("missing error row:\n%s", out.String())
	}
}

// Every run of a -cmd starts with an empty {tmp}: `ln -s {} {tmp}/x` fails
// on the second run if the first run's link is still there.
func TestRunEmptiesTmp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gencap.Generate(f, gencap.Options{Packets: 100, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var out bytes.Buffer
	if err := run([]string{"-runs", "2", "-cmd", "ln -s {} {tmp}/x", path}, &out); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); strings.Contains(s, "File exists") || strings.Contains(s, "error:") {
		t.Fatalf("a run found the previous run's output:\n%s", s)
	}
}
