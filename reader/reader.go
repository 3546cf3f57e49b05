// Package reader reads classic pcap and pcapng captures, plain or gzip/zstd
// compressed, from files or standard input, in pure Go.
//
// A Reader hands out borrowed frame bytes that stay valid until the next call
// to Next; it allocates nothing per packet once warmed up. Open memory-maps
// uncompressed regular files (Linux) and hands out slices of the mapping
// without copying; everything else is read through a bufio.Reader (see Open
// and OpenStream). Structural problems
// of a file are typed errors (ErrTruncated, ErrFormat, ...) wrapped with the
// byte offset at which they were found.
package reader

import "errors"

// LinkType is a pcap LINKTYPE_ value (https://www.tcpdump.org/linktypes.html).
type LinkType uint32

// Link types the decoder understands. Others are still read and reported.
const (
	LinkNull      LinkType = 0   // BSD loopback, host-order 4-byte family
	LinkEthernet  LinkType = 1   // IEEE 802.3 Ethernet
	LinkRawOld12  LinkType = 12  // raw IP on some BSDs (DLT_RAW)
	LinkRawOld14  LinkType = 14  // raw IP on OpenBSD (DLT_RAW)
	LinkRaw       LinkType = 101 // raw IPv4/IPv6
	LinkLoop      LinkType = 108 // OpenBSD loopback, network-order family
	LinkLinuxSLL  LinkType = 113 // Linux cooked capture v1
	LinkIPv4      LinkType = 228 // raw IPv4
	LinkIPv6      LinkType = 229 // raw IPv6
	LinkLinuxSLL2 LinkType = 276 // Linux cooked capture v2
)

// Format is the container format of a capture.
type Format uint8

const (
	FormatUnknown  Format = iota
	FormatPcap            // classic pcap, microsecond timestamps
	FormatPcapNano        // classic pcap, nanosecond timestamps
	FormatPcapNG          // pcapng
)

// Compression is the transparent compression found on a capture.
type Compression uint8

const (
	CompressionNone Compression = iota
	CompressionGzip
	CompressionZstd
)

// Packet is one captured frame. Data is borrowed: it is valid only until the
// next call to Next on the source that returned it.
type Packet struct {
	Data          []byte   // captured bytes (len == CaptureLength)
	Timestamp     int64    // nanoseconds since the Unix epoch
	CaptureLength uint32   // bytes captured
	Length        uint32   // original length on the wire
	LinkType      LinkType // link type of the interface the packet came from
	Interface     uint32   // pcapng interface index (0 for classic pcap)
}

// Source yields packets. Next returns io.EOF after the last packet.
type Source interface {
	Next() (Packet, error)
	Close() error
}

// Sentinel errors. They are wrapped with the byte offset (see *OffsetError).
var (
	ErrFormat    = errors.New("reader: not a pcap or pcapng capture")
	ErrTruncated = errors.New("reader: capture truncated")
	ErrTooLarge  = errors.New("reader: record length exceeds limit")
	ErrCorrupt   = errors.New("reader: corrupt record")
)

// String returns "pcap", "pcap-nsec", "pcapng" or "unknown".
func (f Format) String() string {
	switch f {
	case FormatPcap:
		return "pcap"
	case FormatPcapNano:
		return "pcap-nsec"
	case FormatPcapNG:
		return "pcapng"
	}
	return "unknown"
}

// String returns "none", "gzip" or "zstd".
func (c Compression) String() string {
	switch c {
	case CompressionGzip:
		return "gzip"
	case CompressionZstd:
		return "zstd"
	}
	return "none"
}
