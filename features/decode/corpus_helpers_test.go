package decode

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/flowmeter/flowmeter/internal/corpus"
)

// corpusDir returns the shared corpus directory, or skips the test.
func corpusDir(t testing.TB) string { return corpus.Require(t) }

// corpusCaptures lists the capture paths (relative to the corpus) of
// FORMATS.tsv whose path starts with one of prefixes (all when empty).
func corpusCaptures(t testing.TB, corpus string, include func(path string) bool) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus, "FORMATS.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		path, _, _ := strings.Cut(sc.Text(), "\t")
		if include(path) {
			out = append(out, path)
		}
	}
	return out
}

// readCapture calls fn for each packet of a pcap or pcapng file (optionally
// gzip-compressed), read with gopacket's pcapgo, with the link type of the
// packet's interface. It stops at the first read error (many corpus files
// are deliberately broken) and returns it unless it is io.EOF.
func readCapture(path string, fn func(data []byte, linkType uint32)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return err
		}
		r = bufio.NewReader(zr)
	}
	br := r.(*bufio.Reader)
	magic, err := br.Peek(4)
	if err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(magic) == 0x0a0d0d0a {
		ng, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
		if err != nil {
			return err
		}
		for {
			data, ci, err := ng.ReadPacketData()
			if err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
			lt := uint32(ng.LinkType())
			if iface, err := ng.Interface(ci.InterfaceIndex); err == nil {
				lt = uint32(iface.LinkType)
			}
			fn(data, lt)
		}
	}
	pr, err := pcapgo.NewReader(br)
	if err != nil {
		return err
	}
	// layers.LinkType is 16 bits: the FCS bits of the 32-bit field are lost,
	// which is what a decoder comparison wants.
	lt := uint32(pr.LinkType())
	for {
		data, _, err := pr.ReadPacketData()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		fn(data, lt)
	}
}

// walkPcapLenient walks the records of a classic pcap image without judging
// them: it hands every record whose bytes are present to fn with the raw
// 32-bit link-type field, caplen capped at 256 KiB. It is the bad-input feed
// for the no-panic test, independent of the reader package.
func walkPcapLenient(img []byte, fn func(data []byte, linkType uint32)) bool {
	if len(img) < 24 {
		return false
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(img) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return false
	}
	lt := bo.Uint32(img[20:])
	off := 24
	for off+16 <= len(img) {
		caplen := int(bo.Uint32(img[off+8:]))
		off += 16
		if caplen < 0 || caplen > 256<<10 || off+caplen > len(img) {
			caplen = min(len(img)-off, 256<<10)
			fn(img[off:off+caplen], lt)
			return true
		}
		fn(img[off:off+caplen], lt)
		off += caplen
	}
	return true
}
