package reader

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
)

const benchPackets = 100_000

func benchRead(b *testing.B, data []byte, packets int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != packets {
			b.Fatalf("%d packets", n)
		}
	}
	b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkReadPcap reads an in-memory capture of 100k packets (60..1514
// bytes); the per-iteration allocations are the Reader and its buffer.
func BenchmarkReadPcap(b *testing.B) {
	benchRead(b, synthPcap(benchPackets), benchPackets)
}

func BenchmarkReadPcapNG(b *testing.B) {
	benchRead(b, synthPcapNG(benchPackets), benchPackets)
}

func BenchmarkReadPcapGzip(b *testing.B) {
	benchRead(b, gzipBytes(b, synthPcap(benchPackets)), benchPackets)
}

func BenchmarkReadPcapZstd(b *testing.B) {
	benchRead(b, zstdBytes(b, synthPcap(benchPackets)), benchPackets)
}

// BenchmarkGopacketPcapgo is the same capture read with pcapgo's
// ZeroCopyReadPacketData, for comparison.
func BenchmarkGopacketPcapgo(b *testing.B) {
	data := synthPcap(benchPackets)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for range b.N {
		r, err := pcapgo.NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, _, err := r.ZeroCopyReadPacketData()
			if err != nil {
				break
			}
		}
	}
	b.ReportMetric(float64(benchPackets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkReadPcapFile reads a ~200 MB classic pcap file from the page
// cache: "mmap" is Open (memory-mapped, prefetched, zero-copy, with the
// read-ahead goroutine when GOMAXPROCS >= 2), "mmap-noahead" the same
// without the goroutine, "multi" is OpenMulti of that
// one file (the CLI's path), "stream" is OpenStream (read(2) through the
// 256 KiB buffer). Skipped with -short.
func BenchmarkReadPcapFile(b *testing.B) {
	if testing.Short() {
		b.Skip("writes a 200 MB temporary file")
	}
	const packets = 255_000 // ~200 MB
	path := filepath.Join(b.TempDir(), "bench.pcap")
	if err := os.WriteFile(path, synthPcap(packets), 0o644); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		open func(string) (Source, error)
	}{
		{"mmap", func(p string) (Source, error) { return Open(p) }},
		{"mmap-noahead", func(p string) (Source, error) { return OpenWith(p, Options{NoReadAhead: true}) }},
		{"multi", func(p string) (Source, error) { return OpenMulti([]string{p}) }},
		{"stream", func(p string) (Source, error) { return OpenStream(p) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for range b.N {
				r, err := c.open(path)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				var sum byte
				for {
					p, err := r.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					sum += p.Data[0] // touch the frame as a decoder would
					n++
				}
				r.Close()
				if n != packets {
					b.Fatalf("%d packets", n)
				}
				benchSink += sum
			}
			b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
		})
	}
}

var benchSink byte
