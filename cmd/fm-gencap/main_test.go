package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunWritesAllFiles(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, d := range dirs {
		var log bytes.Buffer
		err := run([]string{"-o", d, "-packets", "3000", "-seed", "9", "-zeek", "-eve", "-conn-records", "500", "-synflood", "100"}, &log)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(log.String(), "synth.pcap: ") || !strings.Contains(log.String(), "conn.log: 500 records") {
			t.Fatalf("log: %s", log.String())
		}
	}
	for _, name := range []string{"synth.pcap", "synth.truth.tsv", "conn.log", "eve.json", "synflood.pcap", "synflood.truth.tsv"} {
		a, err := os.ReadFile(filepath.Join(dirs[0], name))
		if err != nil || len(a) == 0 {
			t.Fatalf("%s: %v (%d bytes)", name, err, len(a))
		}
		b, _ := os.ReadFile(filepath.Join(dirs[1], name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
}

func TestRunUsage(t *testing.T) {
	if err := run(nil, io.Discard); err == nil {
		t.Fatal("missing -o accepted")
	}
	if err := run([]string{"-o", t.TempDir(), "-packets", "-1"}, io.Discard); err == nil {
		t.Fatal("negative -packets accepted")
	}
}

func TestRunLogsOnly(t *testing.T) {
	d := t.TempDir()
	if err := run([]string{"-o", d, "-packets", "0", "-conn-records", "200", "-eve-records", "100"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d, "synth.pcap")); err == nil {
		t.Error("synth.pcap written with -packets 0")
	}
	conn, _ := os.ReadFile(filepath.Join(d, "conn.log"))
	eve, _ := os.ReadFile(filepath.Join(d, "eve.json"))
	rows := 0
	for _, l := range strings.Split(string(conn), "\n") {
		if l != "" && l[0] != '#' {
			rows++
		}
	}
	if rows != 200 || strings.Count(string(eve), "\n") != 100 {
		t.Fatalf("conn.log %d rows, eve.json %d lines", rows, strings.Count(string(eve), "\n"))
	}
}
