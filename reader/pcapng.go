package reader

import (
	"fmt"
	"io"
	"math/bits"
)

// pcapng blocks, https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/
//
// Every block:
//
//	 0                   1                   2                   3
//	+---------------------------------------------------------------+
//	|                          Block Type                           |  0
//	|                      Block Total Length                       |  4
//	/                          Block Body                           /  8
//	|                      Block Total Length                       |  L-4
//	+---------------------------------------------------------------+
//
// The total length is a multiple of 4 and at least 12. Offsets below are from
// the start of the block.
const (
	blockSHB uint32 = 0x0A0D0D0A
	blockIDB uint32 = 0x00000001
	blockPB  uint32 = 0x00000002 // obsolete Packet Block
	blockSPB uint32 = 0x00000003
	blockNRB uint32 = 0x00000004
	blockISB uint32 = 0x00000005
	blockEPB uint32 = 0x00000006
	blockDSB uint32 = 0x0000000A
	blockCB  uint32 = 0x00000BAD
	blockDCB uint32 = 0x40000BAD

	ngOffType = 0
	ngOffLen  = 4
	ngOffBody = 8
	ngMinLen  = 12

	// Section Header Block
	shbOffBOM      = 8
	shbOffMajor    = 12
	shbOffMinor    = 14
	shbOffSectLen  = 16
	shbOffOptions  = 24
	shbMinLen      = 28
	byteOrderMagic = 0x1A2B3C4D

	// Interface Description Block
	idbOffLinkType = 8
	idbOffSnaplen  = 12
	idbOffOptions  = 16
	idbMinLen      = 20

	// Enhanced Packet Block (and the obsolete Packet Block, whose interface
	// id is 16 bits followed by a 16-bit drops count)
	epbOffIface  = 8
	epbOffTsHigh = 12
	epbOffTsLow  = 16
	epbOffCapLen = 20
	epbOffLen    = 24
	epbOffData   = 28
	epbMinLen    = 32

	// Simple Packet Block
	spbOffLen  = 8
	spbOffData = 12
	spbMinLen  = 16

	// IDB options
	optEndOfOpt  = 0
	optIfName    = 2
	optIfTsResol = 9
	optIfTsOff   = 14

	maxPacketBlock = MaxCaptureLength + maxPacketOptions + epbMinLen
)

// ngIface is an interface of the current section with its timestamp
// conversion prepared.
type ngIface struct {
	linkType LinkType
	snaplen  uint32
	units    uint64 // timestamp units per second
	scaleUp  uint64 // 1e9/units when exact, else 0
	offsetNs int64  // if_tsoffset in nanoseconds
}

// ns converts a raw pcapng timestamp to nanoseconds since the epoch, exactly
// (128-bit intermediate for resolutions that do not divide 1e9).
func (f *ngIface) ns(ts uint64) int64 {
	secs, rem := ts/f.units, ts%f.units
	var frac uint64
	if f.scaleUp != 0 {
		frac = rem * f.scaleUp
	} else {
		hi, lo := bits.Mul64(rem, 1e9)
		frac, _ = bits.Div64(hi, lo, f.units) // hi < units since rem < units
	}
	return int64(secs)*1e9 + int64(frac) + f.offsetNs
}

// readNgHeader reads the first Section Header Block, then any blocks up to
// the first Interface Description Block so that LinkType is known before the
// first packet. A problem after the first SHB is kept for Next.
func (r *Reader) readNgHeader() error {
	r.format = FormatPcapNG
	if err := r.readSHB(true); err != nil {
		return err
	}
	for len(r.all) == 0 && r.err == nil {
		h, _ := r.peek(ngOffBody)
		if len(h) < ngOffBody {
			break
		}
		switch r.big.u32(h[ngOffType:]) {
		case blockSHB, blockEPB, blockPB, blockSPB:
			return nil
		}
		if _, _, err := r.ngStep(); err != nil {
			r.err = err
		}
	}
	return nil
}

func (r *Reader) nextNg() (Packet, error) {
	for {
		p, ok, err := r.ngStep()
		if err != nil || ok {
			return p, err
		}
	}
}

// ngStep processes one block. It returns ok for a packet.
func (r *Reader) ngStep() (Packet, bool, error) {
	at := r.off
	h, err := r.peek(ngOffBody)
	if len(h) < ngOffBody {
		if len(h) == 0 && err == io.EOF {
			return Packet{}, false, io.EOF
		}
		return Packet{}, false, r.streamErr(err, "block header", ngOffBody, len(h))
	}
	if r.big.u32(h[ngOffType:]) == blockSHB {
		return Packet{}, false, r.readSHB(false)
	}
	typ, n := r.big.u32(h[ngOffType:]), r.big.u32(h[ngOffLen:])
	if err := r.checkBlockLen(at, typ, n); err != nil {
		return Packet{}, false, err
	}
	L := int(n)
	if r.skipping {
		r.stats.SkippedBlocks++
		return Packet{}, false, r.skipBlock(at, L)
	}
	switch typ {
	case blockEPB, blockPB:
		if typ == blockEPB {
			r.stats.EPB++
		} else {
			r.stats.PB++
		}
		b, err := r.readBlock(at, L, "packet block")
		if err != nil {
			return Packet{}, false, err
		}
		p, err := r.ngPacket(at, typ, b)
		return p, err == nil, err
	case blockSPB:
		r.stats.SPB++
		b, err := r.readBlock(at, L, "simple packet block")
		if err != nil {
			return Packet{}, false, err
		}
		p, err := r.ngSimplePacket(at, b)
		return p, err == nil, err
	case blockIDB:
		r.stats.IDB++
		b, err := r.readBlock(at, L, "interface description block")
		if err != nil {
			return Packet{}, false, err
		}
		return Packet{}, false, r.addIface(at, b)
	case blockNRB:
		r.stats.NRB++
	case blockISB:
		r.stats.ISB++
	case blockDSB:
		r.stats.DSB++
	case blockCB:
		r.stats.CB++
	case blockDCB:
		r.stats.DCB++
	default:
		r.stats.Unknown++
	}
	return Packet{}, false, r.skipBlock(at, L)
}

// checkBlockLen validates a block total length before anything is read.
func (r *Reader) checkBlockLen(at int64, typ, n uint32) error {
	min := uint32(ngMinLen)
	max := uint32(MaxBlockLength)
	switch typ {
	case blockSHB:
		min = shbMinLen
	case blockIDB:
		min = idbMinLen
	case blockEPB, blockPB:
		min, max = epbMinLen, maxPacketBlock
	case blockSPB:
		min, max = spbMinLen, maxPacketBlock
	}
	if n > max {
		return &OffsetError{Offset: at, Err: ErrTooLarge,
			Detail: fmt.Sprintf("block type 0x%08x length %d > %d", typ, n, max)}
	}
	if n < min || n%4 != 0 {
		return &OffsetError{Offset: at, Err: ErrCorrupt,
			Detail: fmt.Sprintf("block type 0x%08x has invalid total length %d", typ, n)}
	}
	return nil
}

// readBlock consumes the L-byte block at the read position and returns all
// of it. Blocks that fit in the read buffer are returned from it; larger ones
// are copied into the reused buffer. The trailing length is checked.
func (r *Reader) readBlock(at int64, L int, what string) ([]byte, error) {
	var b []byte
	if L <= r.bufSize() {
		pb, err := r.peek(L)
		if len(pb) < L {
			return nil, r.streamErrAt(at, err, what, L, len(pb))
		}
		b = pb
		r.discard(L)
	} else {
		bb, got, err := r.readBig(L)
		if err != nil {
			return nil, r.streamErrAt(at, err, what, L, got)
		}
		b = bb
		r.off += int64(L)
	}
	if t := r.big.u32(b[L-4:]); t != uint32(L) {
		return nil, r.trailerErr(at, L, t)
	}
	return b[:L:L], nil
}

// skipBlock consumes the L-byte block without keeping it.
func (r *Reader) skipBlock(at int64, L int) error {
	if L <= r.bufSize() {
		_, err := r.readBlock(at, L, "block")
		return err
	}
	m, err := r.discard(L - 4)
	if m < L-4 {
		return r.streamErrAt(at, err, "block", L, m)
	}
	t, err := r.peek(4)
	if len(t) < 4 {
		return r.streamErrAt(at, err, "block", L, m+len(t))
	}
	if v := r.big.u32(t); v != uint32(L) {
		return r.trailerErr(at, L, v)
	}
	r.discard(4)
	return nil
}

func (r *Reader) trailerErr(at int64, L int, t uint32) error {
	return &OffsetError{Offset: at, Err: ErrCorrupt,
		Detail: fmt.Sprintf("block total length %d but trailing length %d", L, t)}
}

// readSHB reads a Section Header Block, which sets the byte order of the
// section and drops the interfaces of the previous one.
func (r *Reader) readSHB(first bool) error {
	at := r.off
	h, err := r.peek(shbOffMajor)
	if len(h) < shbOffMajor {
		return r.streamErr(err, "section header block", shbOffMajor, len(h))
	}
	var o order
	switch {
	case bigEndian.u32(h[shbOffBOM:]) == byteOrderMagic:
		o = bigEndian
	case littleEndian.u32(h[shbOffBOM:]) == byteOrderMagic:
		o = littleEndian
	default:
		e := ErrCorrupt
		if first {
			e = ErrFormat
		}
		return &OffsetError{Offset: at + shbOffBOM, Err: e,
			Detail: fmt.Sprintf("bad pcapng byte-order magic % x", h[shbOffBOM:shbOffMajor])}
	}
	n := o.u32(h[ngOffLen:])
	if err := r.checkBlockLen(at, blockSHB, n); err != nil {
		return err
	}
	r.big = o
	b, err := r.readBlock(at, int(n), "section header block")
	if err != nil {
		return err
	}
	r.stats.SHB++
	r.sections++
	r.ifaces = r.ifaces[:0]
	r.verMajor, r.verMinor = o.u16(b[shbOffMajor:]), o.u16(b[shbOffMinor:])
	// A different major version means the section cannot be read: skip it
	// up to the next SHB, as the pcapng specification asks.
	r.skipping = r.verMajor != 1
	if r.skipping {
		r.stats.SkippedSections++
	}
	return nil
}

// addIface parses an Interface Description Block.
func (r *Reader) addIface(at int64, b []byte) error {
	o := r.big
	ifc := Interface{
		Section:  r.sections - 1,
		Index:    uint32(len(r.ifaces)),
		LinkType: LinkType(o.u16(b[idbOffLinkType:])),
		Snaplen:  o.u32(b[idbOffSnaplen:]),
		TsResol:  6,
	}
	opts := b[idbOffOptions : len(b)-4]
	for len(opts) >= 4 {
		code, n := o.u16(opts), int(o.u16(opts[2:]))
		if code == optEndOfOpt || 4+n > len(opts) {
			break // lenient: a bad option length ends the options
		}
		v := opts[4 : 4+n]
		switch code {
		case optIfName:
			ifc.Name = string(v)
		case optIfTsResol:
			if n >= 1 {
				ifc.TsResol = v[0]
			}
		case optIfTsOff:
			if n >= 8 {
				ifc.TsOffset = int64(o.u64(v))
			}
		}
		pad := (4 + n + 3) &^ 3
		if pad > len(opts) {
			break
		}
		opts = opts[pad:]
	}
	f := ngIface{linkType: ifc.LinkType, snaplen: ifc.Snaplen, offsetNs: ifc.TsOffset * 1e9}
	exp := uint(ifc.TsResol & 0x7f)
	if ifc.TsResol&0x80 != 0 {
		if exp > 63 {
			return &OffsetError{Offset: at, Err: ErrCorrupt, Detail: fmt.Sprintf("unsupported if_tsresol 2^-%d", exp)}
		}
		f.units = 1 << exp
	} else {
		if exp > 19 {
			return &OffsetError{Offset: at, Err: ErrCorrupt, Detail: fmt.Sprintf("unsupported if_tsresol 10^-%d", exp)}
		}
		f.units = 1
		for range exp {
			f.units *= 10
		}
	}
	if f.units <= 1e9 && 1e9%f.units == 0 {
		f.scaleUp = 1e9 / f.units
	}
	r.ifaces = append(r.ifaces, f)
	r.all = append(r.all, ifc)
	return nil
}

// ngPacket returns the packet of an Enhanced Packet Block or obsolete Packet
// Block; b is the whole block.
func (r *Reader) ngPacket(at int64, typ uint32, b []byte) (Packet, error) {
	o := r.big
	var id uint32
	if typ == blockEPB {
		id = o.u32(b[epbOffIface:])
	} else {
		id = uint32(o.u16(b[epbOffIface:]))
	}
	if id >= uint32(len(r.ifaces)) {
		return Packet{}, r.ifaceErr(at, id)
	}
	f := &r.ifaces[id]
	capLen, origLen := o.u32(b[epbOffCapLen:]), o.u32(b[epbOffLen:])
	if capLen > uint32(len(b)-epbMinLen) {
		if capLen > MaxCaptureLength {
			return Packet{}, &OffsetError{Offset: at, Err: ErrTooLarge,
				Detail: fmt.Sprintf("captured length %d > %d", capLen, MaxCaptureLength)}
		}
		return Packet{}, &OffsetError{Offset: at, Err: ErrCorrupt,
			Detail: fmt.Sprintf("captured length %d exceeds block length %d", capLen, len(b))}
	}
	if f.snaplen != 0 && capLen > f.snaplen {
		r.stats.CapLenOverSnaplen++
	}
	if capLen > origLen {
		r.stats.CapLenOverLen++
	}
	ts := uint64(o.u32(b[epbOffTsHigh:]))<<32 | uint64(o.u32(b[epbOffTsLow:]))
	end := epbOffData + int(capLen)
	p := Packet{
		Data:          b[epbOffData:end:end],
		Timestamp:     f.ns(ts),
		CaptureLength: capLen,
		Length:        origLen,
		LinkType:      f.linkType,
		Interface:     id,
	}
	r.lastTS = p.Timestamp
	return p, nil
}

// ngSimplePacket returns the packet of a Simple Packet Block: interface 0,
// captured length min(original length, snap length, bytes in the block). It
// has no timestamp; the previous packet's is used.
func (r *Reader) ngSimplePacket(at int64, b []byte) (Packet, error) {
	if len(r.ifaces) == 0 {
		return Packet{}, r.ifaceErr(at, 0)
	}
	f := &r.ifaces[0]
	origLen := r.big.u32(b[spbOffLen:])
	capLen := origLen
	if f.snaplen != 0 && capLen > f.snaplen {
		capLen = f.snaplen
	}
	if room := uint32(len(b) - spbMinLen); capLen > room {
		capLen = room
	}
	r.stats.NoTimestamp++
	end := spbOffData + int(capLen)
	return Packet{
		Data:          b[spbOffData:end:end],
		Timestamp:     r.lastTS,
		CaptureLength: capLen,
		Length:        origLen,
		LinkType:      f.linkType,
	}, nil
}

func (r *Reader) ifaceErr(at int64, id uint32) error {
	return &OffsetError{Offset: at, Err: ErrCorrupt,
		Detail: fmt.Sprintf("packet for interface %d but the section has %d", id, len(r.ifaces))}
}
