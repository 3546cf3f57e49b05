package reader

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Limits on lengths read from a file. A length above them is ErrTooLarge; the
// reader never allocates what a length field claims beyond these caps, and
// below them it grows its buffer only as bytes actually arrive.
const (
	// MaxCaptureLength caps the captured length of one packet (16 MiB;
	// tcpdump and Wireshark stop at 256 KiB for most link types).
	MaxCaptureLength = 16 << 20
	// MaxBlockLength caps a pcapng block (256 MiB). Packet blocks are capped
	// at MaxCaptureLength plus maxPacketOptions.
	MaxBlockLength = 256 << 20
	// DefaultBufferSize is the read buffer of a Reader that reads through
	// read(2) (standard input, pipes, compressed captures, NewReader).
	// Records that fit in it are returned straight from the buffer without
	// copying. Uncompressed regular files opened by Open are memory-mapped
	// instead and have no read buffer.
	DefaultBufferSize = 256 << 10

	// Memory-mapped files (see Open). Pages of the mapping ahead of the
	// read position are touched, one load per 64-byte cache line, in
	// prefetchChunk steps while they are less than prefetchDist ahead: a
	// sequential sweep that the hardware prefetcher follows, where the
	// record headers alone (one dependent cache miss per record) would stall
	// on memory latency.
	//
	// Pages behind the record being read are released from the resident set
	// each time the read position has moved dropWindow bytes past the last
	// release (dropWindowMany per file in a MultiSource of more than 16
	// files). Releases end at a dropAlign boundary at or before the start of
	// the current record: the kernel maps a large page-cache folio (up to
	// 2 MiB, naturally aligned) whole when any byte of it is touched, so a
	// release that cut into the folio of the current record would see it
	// mapped again at once and left resident.
	prefetchDist      = 64 << 10
	prefetchChunk     = 16 << 10
	cacheLine         = 64
	dropWindow        = 8 << 20
	dropWindowMany    = 2 << 20
	dropWindowMapOnly = 4 << 20
	dropAlign         = 2 << 20

	maxPacketOptions = 1 << 20
	minBufferSize    = 4 << 10
)

// Stats counts what a Reader has seen so far. Block counts are for pcapng;
// Packets and the anomaly counters apply to both formats.
type Stats struct {
	Packets uint64 // packets returned by Next

	// pcapng blocks by type. Blocks inside skipped sections are counted in
	// SkippedBlocks only.
	SHB, IDB, EPB, SPB, PB, NRB, ISB, DSB uint64
	CB, DCB                               uint64 // custom blocks 0x00000BAD / 0x40000BAD
	Unknown                               uint64 // other block types, skipped
	SkippedSections                       uint64 // sections with an unsupported major version
	SkippedBlocks                         uint64 // blocks inside skipped sections

	// Lenient anomalies: counted, the packet is still returned.
	CapLenOverSnaplen uint64 // captured length above the snap length
	CapLenOverLen     uint64 // captured length above the original length
	BadSubsecond      uint64 // classic pcap usec >= 1e6 or nsec >= 1e9
	NoTimestamp       uint64 // simple packet blocks (timestamp carried from the previous packet)
}

// Interface describes a capture interface: one per classic pcap file, one per
// pcapng Interface Description Block.
type Interface struct {
	Section  int      // 0-based pcapng section (0 for classic pcap)
	Index    uint32   // index within its section: the value of Packet.Interface
	LinkType LinkType // link type (FCS bits masked off)
	Snaplen  uint32   // snap length; 0 means unlimited in pcapng
	TsResol  uint8    // raw if_tsresol: 6 = usec, 9 = nsec, 0x88 = 2^-8 s
	TsOffset int64    // if_tsoffset, seconds added to every timestamp
	Name     string   // if_name, if present
}

// Reader reads one capture: classic pcap (usec or nsec, either byte order) or
// pcapng (any number of sections and interfaces), plain or gzip/zstd
// compressed. A Reader is not safe for concurrent use.
//
// The zero Reader is not usable; construct one with Open or NewReader.
type Reader struct {
	br        *bufio.Reader // stream path; nil when the file is mapped
	mm        []byte        // whole file when memory-mapped (see Open); nil otherwise
	mmOwned   bool          // mm is a mapping that Close releases
	mmPos     int           // read position in mm
	mmDrop    int           // pages of mm before this offset have been released
	mmTouch   int           // bytes of mm before this offset have been touched (prefetched)
	mmNext    int           // mmPos at which mmAdvance calls mmHousekeep
	mmWindow  int           // release pages every mmWindow bytes read
	sink      byte          // keeps the prefetching loads
	mmPcap    bool          // mapped classic pcap: Next takes its fast path
	ahOK      bool          // start a read-ahead goroutine (see aheadStartAfter)
	ahMapOnly bool          // Options.MapOnlyReadAhead
	ah        *readAhead    // read-ahead goroutine, if started
	single    *MultiSource  // the MultiSource of which this is the only file: the first error goes to it (see MultiSource.Next)
	closer    io.Closer     // file opened by Open; nil for NewReader and stdin
	gz        *gzip.Reader
	zd        *zstd.Decoder

	format Format
	comp   Compression
	big    order // byte order of the file (pcap) or current section (pcapng)
	off    int64 // bytes consumed from the uncompressed stream
	err    error // sticky error returned by every later Next
	buf    []byte
	stats  Stats

	// classic pcap
	verMajor, verMinor uint16
	snaplen            uint32
	linkType           LinkType
	rawLinkType        uint32
	fracMul            int64 // 1000 for usec, 1 for nsec

	// pcapng
	ifaces   []ngIface   // current section
	all      []Interface // every interface seen
	sections int
	skipping bool // inside a section with an unsupported version
	lastTS   int64
}

// order is a byte order chosen once per file or section. Its methods inline,
// unlike calls through binary.ByteOrder.
type order bool

const (
	littleEndian order = false
	bigEndian    order = true
)

func (o order) u16(b []byte) uint16 {
	if o {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (o order) u32(b []byte) uint32 {
	if o {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (o order) u64(b []byte) uint64 {
	if o {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}

// Open opens the capture at path ("-" is standard input) and reads its file
// header. The format and compression are detected from the content, never
// from the name. Header problems are returned as a *FileError naming path.
//
// An uncompressed regular file is memory-mapped (on Linux, private and
// copy-on-write: writing into Packet.Data changes only the process's copy).
// Next hands out slices of the mapping without copying, valid until the next
// Next (in fact until Close; after Close they must not be touched: the
// mapping is gone). The pages behind the read position are released every
// 8 MiB, so the resident set stays around 10 MiB whatever the file size
// (up to about 16 MiB with the read-ahead goroutine).
// Packets, errors, offsets and Stats are exactly those of OpenStream.
//
// For a mapped file of 16 MiB or more, and when GOMAXPROCS >= 2, Open starts
// (at the first 256 KiB read) one goroutine that keeps the next 4 MiB mapped
// and in the CPU's shared cache, so that page faults and memory latency
// fall on another core; Close stops it. Open allocates it (a few small
// objects); Next still allocates nothing.
//
// The mapping covers the size of the file at Open: bytes appended later are
// not read (the last, partial record is ErrTruncated). Truncating the file
// while it is being read makes the next access fault (SIGBUS), as with any
// mapped file: the process dies unless the reading goroutine has
// debug.SetPanicOnFault set and recovers, as features/engine does (the run
// then ends with engine.ErrFault and every flow so far written). Use
// OpenStream for files that another process may shorten.
// Standard input, pipes, gzip and zstd captures, empty files and files that
// cannot be mapped are read through a DefaultBufferSize buffer, exactly as
// OpenStream does.
func Open(path string) (*Reader, error) {
	return openSize(path, DefaultBufferSize, true, Options{})
}

// Options tune how OpenWith and OpenMultiWith read files. The zero value
// gives Open and OpenMulti.
type Options struct {
	// NoReadAhead disables the read-ahead goroutine of memory-mapped
	// files (see Open): reading then uses one core only, and is slower
	// when another core is idle (see "Reader design" in
	// docs/PERFORMANCE.md). For programs that keep every core busy
	// already.
	NoReadAhead bool
	// MapOnlyReadAhead leaves the read-ahead goroutine only the kernel's
	// part: it maps the pages ahead of the reader and releases those
	// behind, and the reader loads the bytes itself. For a reader that
	// shares its core with other work while a second goroutine keeps the
	// other core busy (engine.Run): the page-table work, a fifth of
	// reading, then runs on whichever core has time, and no third busy
	// goroutine competes for the two cores.
	MapOnlyReadAhead bool
}

// OpenWith is Open with options.
func OpenWith(path string, opt Options) (*Reader, error) {
	return openSize(path, DefaultBufferSize, true, opt)
}

// OpenStream is Open without memory mapping: the file is read with read(2)
// through a DefaultBufferSize buffer. It is slower than Open on regular
// files, but reads bytes appended while reading and survives the file being
// truncated under it (as ErrTruncated).
func OpenStream(path string) (*Reader, error) {
	return openSize(path, DefaultBufferSize, false, Options{})
}

func openSize(path string, size int, mapped bool, opt Options) (*Reader, error) {
	if path == "-" {
		r, err := NewReaderSize(os.Stdin, size)
		if err != nil {
			return nil, &FileError{Path: "-", Err: err}
		}
		return r, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		f.Close()
		return nil, &FileError{Path: path, Err: &OffsetError{Err: ErrFormat, Detail: "is a directory"}}
	}
	if mapped && err == nil && st.Mode().IsRegular() {
		window := dropWindow
		if size < DefaultBufferSize {
			window = dropWindowMany // MultiSource of many files
		}
		if r, ok, err := openMapped(f, st.Size(), window, !opt.NoReadAhead); ok {
			if r != nil && opt.MapOnlyReadAhead {
				// Releases left to the goroutine lag behind the reader:
				// smaller windows keep the resident set as small. Each
				// release flushes the TLB of the core running the flow
				// table (an interrupt), so not too small: 4 MiB instead
				// of 1 cost nothing in peak RSS (--max-flows 50000: 93-95
				// MB either way; 8 MiB: 102 MB) and saved ~6 ms of CPU.
				r.ahMapOnly, r.mmWindow = true, dropWindowMapOnly
			}
			if err != nil {
				f.Close()
				return nil, &FileError{Path: path, Err: err}
			}
			r.closer = f
			return r, nil
		}
	}
	r, err := NewReaderSize(f, size)
	if err != nil {
		f.Close()
		return nil, &FileError{Path: path, Err: err}
	}
	r.closer = f
	return r, nil
}

// openMapped maps f and reads its file header from the mapping. ok is false
// when f is not to be mapped (empty, compressed, or mmap failed); the
// caller then reads it as a stream from its start.
func openMapped(f *os.File, size int64, window int, readAhead bool) (r *Reader, ok bool, err error) {
	mm := mapFile(f, size)
	if mm == nil {
		return nil, false, nil
	}
	if len(mm) >= 2 && mm[0] == 0x1f && mm[1] == 0x8b ||
		len(mm) >= 4 && binary.LittleEndian.Uint32(mm) == 0xfd2fb528 {
		unmapFile(mm)
		return nil, false, nil
	}
	r, err = newMapped(mm, true, window)
	if err == nil {
		r.ahOK = readAhead && useReadAhead(mm, window)
	}
	return r, true, err
}

// newMapped returns a Reader that reads the capture in b (uncompressed) in
// place, as it reads a mapped file. owned says that b is a mapping made by
// mapFile, released by Close (and here on error); window is how often pages
// behind the read position are released (see dropWindow).
func newMapped(b []byte, owned bool, window int) (*Reader, error) {
	r := &Reader{fracMul: 1000, mm: b, mmOwned: owned, mmWindow: window}
	if err := r.readFileHeader(); err != nil {
		r.unmap()
		return nil, err
	}
	return r, nil
}

// NewReader reads the file header from src and returns a Reader for it, with
// a read buffer of DefaultBufferSize. src is not closed by Close.
func NewReader(src io.Reader) (*Reader, error) {
	return NewReaderSize(src, DefaultBufferSize)
}

// NewReaderSize is NewReader with a read buffer of size bytes (at least 4 KiB).
// Records larger than the buffer are copied into a reused buffer of the
// Reader instead of being returned from the read buffer.
func NewReaderSize(src io.Reader, size int) (*Reader, error) {
	if size < minBufferSize {
		size = minBufferSize
	}
	r := &Reader{fracMul: 1000}
	br := bufio.NewReaderSize(src, size)
	m, _ := br.Peek(4)
	switch {
	case len(m) >= 2 && m[0] == 0x1f && m[1] == 0x8b:
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, r.streamErr(err, "gzip header", 0, 0)
		}
		r.gz, r.comp = gz, CompressionGzip
		br = bufio.NewReaderSize(gz, size)
	case len(m) == 4 && binary.LittleEndian.Uint32(m) == 0xfd2fb528:
		zd, err := zstd.NewReader(br,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(64<<20),
			zstd.WithDecoderMaxMemory(256<<20))
		if err != nil {
			return nil, r.streamErr(err, "zstd header", 0, 0)
		}
		r.zd, r.comp = zd, CompressionZstd
		br = bufio.NewReaderSize(zd, size)
	}
	r.br = br
	if err := r.readFileHeader(); err != nil {
		r.closeDecoders()
		return nil, err
	}
	return r, nil
}

// magics of the supported formats, as the first four bytes of the file.
var magics = [...][4]byte{
	{0xd4, 0xc3, 0xb2, 0xa1}, // pcap usec LE
	{0xa1, 0xb2, 0xc3, 0xd4}, // pcap usec BE
	{0x4d, 0x3c, 0xb2, 0xa1}, // pcap nsec LE
	{0xa1, 0xb2, 0x3c, 0x4d}, // pcap nsec BE
	{0x0a, 0x0d, 0x0d, 0x0a}, // pcapng SHB
}

func (r *Reader) readFileHeader() error {
	m, err := r.peek(4)
	if len(m) < 4 {
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return r.streamErr(err, "file magic", 4, len(m))
		}
		if len(m) == 0 {
			return &OffsetError{Err: ErrFormat, Detail: "empty input"}
		}
		for _, mg := range magics {
			if string(mg[:len(m)]) == string(m) {
				return r.truncErr(0, "file magic", 4, len(m))
			}
		}
		return &OffsetError{Err: ErrFormat, Detail: fmt.Sprintf("unknown magic % x", m)}
	}
	switch [4]byte(m) {
	case magics[0]:
		return r.readPcapHeader(littleEndian, FormatPcap)
	case magics[1]:
		return r.readPcapHeader(bigEndian, FormatPcap)
	case magics[2]:
		return r.readPcapHeader(littleEndian, FormatPcapNano)
	case magics[3]:
		return r.readPcapHeader(bigEndian, FormatPcapNano)
	case magics[4]:
		return r.readNgHeader()
	}
	return &OffsetError{Err: ErrFormat, Detail: fmt.Sprintf("unknown magic % x", m)}
}

// Next returns the next packet. Packet.Data is borrowed: it stays valid until
// the next call to Next or Close, and may point into the Reader's read
// buffer or into the file's mapping (see Open). Next returns io.EOF at the clean end of the capture, and a
// *OffsetError (ErrTruncated, ErrCorrupt, ErrTooLarge) for a structural
// problem; every packet before the problem has been returned first, and
// every later call returns the same error.
//
// Next does not allocate once its buffers have grown to the largest record
// (the gzip and zstd decoders allocate nothing per packet either).
func (r *Reader) Next() (Packet, error) {
	if data, ts, capLen, origLen, ok := r.fastPcap(); ok {
		return Packet{Data: data, Timestamp: ts, CaptureLength: capLen, Length: origLen, LinkType: r.linkType}, nil
	}
	return r.next()
}

// NextInto is Next writing the packet into *p, which it leaves unchanged
// on error. The result of Next does not fit in registers together with
// its error, so the compiler returns it through the stack, and the copy
// that a caller makes of it stalls on store forwarding (~10 ns a packet);
// a hot loop gains by passing its own Packet instead.
func (r *Reader) NextInto(p *Packet) error {
	if data, ts, capLen, origLen, ok := r.fastPcap(); ok {
		p.Data, p.Timestamp, p.CaptureLength, p.Length = data, ts, capLen, origLen
		p.LinkType, p.Interface = r.linkType, 0
		return nil
	}
	q, err := r.next()
	if err == nil {
		*p = q
	}
	return err
}

// fastPcap is the fast path of Next and NextInto: a record of a mapped
// classic pcap file, wholly inside the mapping and under the cap: one
// bounds check, and the record is a slice of the mapping. Anything
// unusual (end of file, a length over the cap or past the end) gives ok
// false and is left to nextPcap, which reads the same record again and
// reports it exactly as the stream path does.
func (r *Reader) fastPcap() (data []byte, ts int64, capLen, origLen uint32, ok bool) {
	if r.err != nil || !r.mmPcap {
		return
	}
	rest := r.mm[r.mmPos:]
	if len(rest) < pcapRecLen {
		return
	}
	o := r.big
	capLen = o.u32(rest[pcapRecOffCapLen:])
	n := pcapRecLen + int(capLen)
	if capLen > MaxCaptureLength || n > len(rest) {
		return
	}
	sec := o.u32(rest[pcapRecOffSec:])
	frac := int64(o.u32(rest[pcapRecOffFrac:])) * r.fracMul
	origLen = o.u32(rest[pcapRecOffLen:])
	if capLen > r.snaplen || capLen > origLen || frac >= 1e9 {
		r.countAnomalies(capLen, origLen, frac)
	}
	r.mmAdvance(n)
	r.stats.Packets++
	return rest[pcapRecLen:n:n], int64(sec)*1e9 + frac, capLen, origLen, true
}

// next is Next for everything but the fast path.
func (r *Reader) next() (Packet, error) {
	if r.err != nil {
		return Packet{}, r.err
	}
	var p Packet
	var err error
	switch {
	case r.format == FormatPcapNG:
		p, err = r.nextNg()
	default:
		p, err = r.nextPcap()
	}
	if err != nil {
		r.err = err
		if m := r.single; m != nil {
			r.single = nil
			return m.endOne(err)
		}
		return Packet{}, err
	}
	r.stats.Packets++
	return p, nil
}

// Close releases the decompressor and closes the file opened by Open. It does
// not close the io.Reader given to NewReader, nor standard input.
func (r *Reader) Close() error {
	r.closeDecoders()
	r.unmap()
	if r.err == nil {
		r.err = errClosed
	}
	if r.closer != nil {
		c := r.closer
		r.closer = nil
		return c.Close()
	}
	return nil
}

var errClosed = errors.New("reader: Next after Close")

// unmap releases the mapping, if any. Packet.Data from it is invalid after.
func (r *Reader) unmap() {
	if r.ah != nil {
		r.ah.close()
		r.ah = nil
	}
	r.ahOK, r.mmPcap = false, false
	if r.mm != nil && r.mmOwned {
		unmapFile(r.mm)
	}
	r.mm = nil
}

func (r *Reader) closeDecoders() {
	if r.zd != nil {
		r.zd.Close()
		r.zd = nil
	}
	if r.gz != nil {
		r.gz.Close()
		r.gz = nil
	}
}

// Format returns the container format.
func (r *Reader) Format() Format { return r.format }

// Compression returns the compression the capture was wrapped in.
func (r *Reader) Compression() Compression { return r.comp }

// LinkType returns the link type of the file (classic pcap) or of the first
// interface of the first section (pcapng; 0 if no interface has been seen).
// Packets carry their own link type in Packet.LinkType.
func (r *Reader) LinkType() LinkType {
	if r.format == FormatPcapNG {
		if len(r.all) > 0 {
			return r.all[0].LinkType
		}
		return 0
	}
	return r.linkType
}

// FCSLength returns the number of frame check sequence bytes at the end of
// each frame as announced by the classic pcap link-type field (0 if not
// announced, or for pcapng).
func (r *Reader) FCSLength() int {
	if r.rawLinkType&0x04000000 == 0 {
		return 0
	}
	return int(r.rawLinkType>>28) * 2
}

// Snaplen returns the snap length of the file (classic pcap) or of the first
// interface (pcapng).
func (r *Reader) Snaplen() uint32 {
	if r.format == FormatPcapNG {
		if len(r.all) > 0 {
			return r.all[0].Snaplen
		}
		return 0
	}
	return r.snaplen
}

// Version returns the format version of the file (pcap) or of the current
// section (pcapng, 0.0 before the first one).
func (r *Reader) Version() (major, minor uint16) { return r.verMajor, r.verMinor }

// Interfaces returns every interface seen so far, in file order. It
// allocates a copy.
func (r *Reader) Interfaces() []Interface {
	if r.format != FormatPcapNG {
		return []Interface{{LinkType: r.linkType, Snaplen: r.snaplen, TsResol: r.tsResol()}}
	}
	return append([]Interface(nil), r.all...)
}

func (r *Reader) tsResol() uint8 {
	if r.fracMul == 1 {
		return 9
	}
	return 6
}

// Sections returns the number of pcapng sections seen so far (0 for
// classic pcap).
func (r *Reader) Sections() int { return r.sections }

// Stats returns the counters so far.
func (r *Reader) Stats() Stats { return r.stats }

// Offset returns the number of bytes of the uncompressed stream consumed so
// far: after io.EOF, the size of the (uncompressed) capture.
func (r *Reader) Offset() int64 { return r.off }

// Err returns the sticky error (nil while reading, io.EOF at the clean end).
func (r *Reader) Err() error {
	if r.err == errClosed {
		return nil
	}
	return r.err
}

// truncErr reports a record at offset at that needs need bytes of which only
// have are left.
func (r *Reader) truncErr(at int64, what string, need, have int) error {
	return &OffsetError{Offset: at, Err: ErrTruncated,
		Detail: fmt.Sprintf("%s needs %d bytes, %d left", what, need, have)}
}

// streamErr turns an error of the underlying stream, met while reading a
// record at offset at, into an OffsetError.
func (r *Reader) streamErr(err error, what string, need, have int) error {
	return r.streamErrAt(r.off, err, what, need, have)
}

func (r *Reader) streamErrAt(at int64, err error, what string, need, have int) error {
	if err == nil || err == io.EOF || err == io.ErrUnexpectedEOF || err == bufio.ErrBufferFull {
		return r.truncErr(at, what, need, have)
	}
	if r.comp != CompressionNone {
		return &OffsetError{Offset: at, Err: ErrCorrupt, Detail: "decompression failed in " + what, Cause: err}
	}
	return &OffsetError{Offset: at, Err: err, Detail: "reading " + what}
}

// readBig reads n bytes from the stream into the reused buffer. The buffer
// grows as bytes arrive, so a bogus length costs at most about twice the
// bytes that are really there. It returns the number of bytes read on error.
func (r *Reader) readBig(n int) ([]byte, int, error) {
	buf := r.buf[:0]
	for len(buf) < n {
		if len(buf) == cap(buf) {
			c := 2 * cap(buf)
			if c < 64<<10 {
				c = 64 << 10
			}
			if c > n {
				c = n
			}
			nb := make([]byte, len(buf), c)
			copy(nb, buf)
			buf = nb
			r.buf = buf
		}
		end := cap(buf)
		if end > n {
			end = n
		}
		m, err := io.ReadFull(r.br, buf[len(buf):end])
		buf = buf[:len(buf)+m]
		if err != nil {
			return buf, len(buf), err
		}
	}
	return buf, n, nil
}

// peek returns the next n bytes without consuming them, like
// bufio.Reader.Peek: fewer than n bytes with an error at the end of the
// stream. A mapped file has no buffer limit.
func (r *Reader) peek(n int) ([]byte, error) {
	if r.mm != nil {
		rest := r.mm[r.mmPos:]
		if len(rest) < n {
			return rest, io.EOF
		}
		return rest[:n], nil
	}
	return r.br.Peek(n)
}

// bufSize is the largest record peek can return whole: no limit for a
// mapped file (a record past its end is short, like one at the end of a
// stream).
func (r *Reader) bufSize() int {
	if r.mm != nil {
		return math.MaxInt
	}
	return r.br.Size()
}

// discard skips n bytes of the stream, returning how many were skipped.
func (r *Reader) discard(n int) (int, error) {
	if r.mm != nil {
		var err error
		if rest := len(r.mm) - r.mmPos; n > rest {
			n, err = rest, io.EOF
		}
		r.mmAdvance(n)
		return n, err
	}
	m, err := r.br.Discard(n)
	r.off += int64(m)
	return m, err
}

// mmAdvance consumes the n bytes of the record or block at the read
// position of the mapping (n <= len(mm)-mmPos).
func (r *Reader) mmAdvance(n int) {
	start := r.mmPos
	r.mmPos += n
	r.off += int64(n)
	if r.mmPos >= r.mmNext {
		r.mmHousekeep(start)
	}
}

// mmHousekeep prefetches the mapping ahead of the read position, releases
// it behind the record that starts at start, and sets when to do so next
// (see prefetchDist and dropWindow).
func (r *Reader) mmHousekeep(start int) {
	for r.mmTouch < len(r.mm) && r.mmTouch < r.mmPos+prefetchDist {
		end := min(r.mmTouch+prefetchChunk, len(r.mm))
		r.sink |= touchLines(r.mm[r.mmTouch:end])
		r.mmTouch = end
	}
	if r.ah != nil {
		r.ah.advance(r.mmPos)
	} else if r.ahOK && r.mmPos >= aheadStartAfter {
		r.ahOK = false
		r.ah = startReadAhead(r.mm, r.mmPos, r.ahMapOnly, r.mmDrop)
	}
	if r.mmPos-r.mmDrop >= r.mmWindow {
		// Nothing is released while the current record starts less than
		// dropAlign past the last release (a very large record); the
		// next records release it.
		if end := start &^ (dropAlign - 1); end > r.mmDrop {
			if r.mmOwned { // never on memory that is not a file mapping
				if r.ah != nil {
					r.ah.freed.Store(int64(end))
				}
				if r.ah == nil || !r.ah.mapOnly || r.ah.exited.Load() {
					dropPages(r.mm[r.mmDrop:end])
				} else if d := int(r.ah.dropped.Load()); d < r.mmDrop {
					// The read-ahead goroutine releases them, but it is
					// a window behind (not scheduled): release that
					// window here, so that the resident set stays
					// bounded whatever the scheduler does.
					dropPages(r.mm[d:r.mmDrop])
				}
			}
			r.mmDrop = end
		}
	}
	next := r.mmDrop + r.mmWindow
	if r.mmTouch < len(r.mm) {
		next = min(next, r.mmTouch-prefetchDist+1)
	}
	r.mmNext = next
}

// touchLines loads one byte of every cache line of b.
func touchLines(b []byte) byte {
	var x byte
	for i := 0; i < len(b); i += cacheLine {
		x |= b[i]
	}
	return x
}
