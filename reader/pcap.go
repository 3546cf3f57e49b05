package reader

import (
	"fmt"
	"io"
)

// Classic pcap file header (24 bytes), https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/
//
//	 0                   1                   2                   3
//	+---------------------------------------------------------------+
//	|                          Magic Number                         |  0
//	+-------------------------------+-------------------------------+
//	|          Major Version        |         Minor Version         |  4
//	+-------------------------------+-------------------------------+
//	|                           Reserved1 (thiszone)                |  8
//	|                           Reserved2 (sigfigs)                 | 12
//	|                            SnapLen                            | 16
//	| FCS |f|0 0 0 0 0 0 0 0 0 0 0 0|         LinkType              | 20
//	+---------------------------------------------------------------+
//
// Record header (16 bytes): seconds, usec or nsec, captured length, original
// length, followed by the captured bytes.
const (
	pcapHdrLen       = 24
	pcapOffVerMajor  = 4
	pcapOffVerMinor  = 6
	pcapOffSnaplen   = 16
	pcapOffLinkType  = 20
	pcapRecLen       = 16
	pcapRecOffSec    = 0
	pcapRecOffFrac   = 4
	pcapRecOffCapLen = 8
	pcapRecOffLen    = 12
	linkTypeMask     = 0x0000ffff
)

func (r *Reader) readPcapHeader(o order, f Format) error {
	h, err := r.peek(pcapHdrLen)
	if len(h) < pcapHdrLen {
		return r.streamErr(err, "pcap file header", pcapHdrLen, len(h))
	}
	r.big, r.format = o, f
	if f == FormatPcapNano {
		r.fracMul = 1
	}
	r.verMajor = o.u16(h[pcapOffVerMajor:])
	r.verMinor = o.u16(h[pcapOffVerMinor:])
	if r.verMajor < 2 {
		// libpcap and Wireshark refuse these "archaic" files too.
		return &OffsetError{Offset: pcapOffVerMajor, Err: ErrFormat,
			Detail: fmt.Sprintf("unsupported pcap version %d.%d", r.verMajor, r.verMinor)}
	}
	r.snaplen = o.u32(h[pcapOffSnaplen:])
	r.rawLinkType = o.u32(h[pcapOffLinkType:])
	r.linkType = LinkType(r.rawLinkType & linkTypeMask)
	r.discard(pcapHdrLen)
	r.mmPcap = r.mm != nil
	return nil
}

// countAnomalies counts the lenient anomalies of a classic pcap record; frac
// is its subsecond part in nanoseconds.
func (r *Reader) countAnomalies(capLen, origLen uint32, frac int64) {
	if capLen > r.snaplen {
		r.stats.CapLenOverSnaplen++
	}
	if capLen > origLen {
		r.stats.CapLenOverLen++
	}
	if frac >= 1e9 {
		r.stats.BadSubsecond++
	}
}

// nextPcap reads one classic pcap record.
func (r *Reader) nextPcap() (Packet, error) {
	at := r.off
	h, err := r.peek(pcapRecLen)
	if len(h) < pcapRecLen {
		if len(h) == 0 && err == io.EOF {
			return Packet{}, io.EOF
		}
		return Packet{}, r.streamErr(err, "record header", pcapRecLen, len(h))
	}
	o := r.big
	sec := o.u32(h[pcapRecOffSec:])
	frac := o.u32(h[pcapRecOffFrac:])
	capLen := o.u32(h[pcapRecOffCapLen:])
	origLen := o.u32(h[pcapRecOffLen:])
	if capLen > MaxCaptureLength {
		return Packet{}, &OffsetError{Offset: at, Err: ErrTooLarge,
			Detail: fmt.Sprintf("captured length %d > %d", capLen, MaxCaptureLength)}
	}
	r.countAnomalies(capLen, origLen, int64(frac)*r.fracMul)
	p := Packet{
		Timestamp:     int64(sec)*1e9 + int64(frac)*r.fracMul,
		CaptureLength: capLen,
		Length:        origLen,
		LinkType:      r.linkType,
	}
	n := pcapRecLen + int(capLen)
	if n <= r.bufSize() {
		b, err := r.peek(n)
		if len(b) < n {
			return Packet{}, r.streamErr(err, "record", n, len(b))
		}
		p.Data = b[pcapRecLen:n:n]
		r.discard(n)
		return p, nil
	}
	r.discard(pcapRecLen)
	data, got, err := r.readBig(int(capLen))
	if err != nil {
		return Packet{}, r.streamErrAt(at, err, "record", n, pcapRecLen+got)
	}
	r.off += int64(capLen)
	p.Data = data
	return p, nil
}
