package reader

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// addSeeds adds the small corpus files matching the patterns, plus the
// synthetic captures.
func addSeeds(f *testing.F, patterns ...string) {
	f.Add(synthPcap(3))
	f.Add(synthPcapNG(3))
	f.Add(gzipBytes(f, synthPcap(2)))
	f.Add(zstdBytes(f, synthPcapNG(2)))
	dir, err := os.Getwd()
	if err != nil {
		return
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			return
		}
		dir = filepath.Dir(dir)
	}
	root := filepath.Join(dir, "..", "shared", "corpus")
	n := 0
	for _, pat := range patterns {
		matches, _ := filepath.Glob(filepath.Join(root, pat))
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && st.Size() <= 4096 && n < 200 {
				if b, err := os.ReadFile(m); err == nil {
					f.Add(b)
					n++
				}
			}
		}
	}
}

// fuzzRead reads everything from b: no panic, typed errors only, and no
// allocation far beyond the input size.
func fuzzRead(t *testing.T, b []byte) {
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	r, err := NewReaderSize(bytes.NewReader(b), minBufferSize)
	var recs []rec
	if err == nil {
		for {
			p, err2 := r.Next()
			if err2 != nil {
				err = err2
				break
			}
			if len(p.Data) != int(p.CaptureLength) {
				t.Fatalf("len(Data) %d != CaptureLength %d", len(p.Data), p.CaptureLength)
			}
			if len(recs) < 1000 {
				recs = append(recs, own(p))
			}
		}
		r.Close()
	}
	if len(recs) < 1000 {
		checkSamePaths(t, "fuzz input", b, r, recs, err)
	}
	if err == io.EOF {
		err = nil
	}
	if err != nil {
		var oe *OffsetError
		if !errors.As(err, &oe) {
			t.Fatalf("untyped error %v", err)
		}
	}
	runtime.ReadMemStats(&ms1)
	// buffers (bufio, decompressors) plus at most twice the input's worth of
	// copied records; decompression may legitimately expand the input.
	if d := ms1.TotalAlloc - ms0.TotalAlloc; d > 64<<20+uint64(len(b))*4 {
		t.Fatalf("allocated %d bytes for %d input bytes", d, len(b))
	}
}

func FuzzPcap(f *testing.F) {
	addSeeds(f, "tcpdump/tests/*-oobr*.pcap", "tcpdump/tests/*asan*.pcap", "zeek/testing/btest/Traces/trunc/*.pcap", "community-id-spec/pcaps/*.pcap")
	f.Fuzz(fuzzRead)
}

func FuzzPcapNG(f *testing.F) {
	addSeeds(f, "pcapng-test-generator/output_*/*/*.pcapng", "gopacket/pcapgo/tests/*/*.pcapng", "tcpdump/tests/*.pcapng")
	f.Fuzz(fuzzRead)
}
