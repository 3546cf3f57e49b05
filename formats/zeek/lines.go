package zeek

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
)

// MaxLineBytes caps one log line. A longer line is skipped and counted as
// malformed (ReasonLineTooLong); the reader never buffers more than this.
const MaxLineBytes = 16 << 20

// errLineTooLong is internal: the line reader reports an over-long line,
// which the record readers turn into a Malformed entry.
var errLineTooLong = errors.New("zeek: line too long")

// lineReader yields lines without their "\n" or "\r\n" terminator. The
// returned bytes are borrowed from the bufio buffer (or from long, for lines
// longer than the buffer) and are valid until the next call.
type lineReader struct {
	br   *bufio.Reader
	gz   *gzip.Reader
	long []byte
	line int64 // 1-based number of the last line returned
	off  int64 // byte offset of the start of the next line (decompressed)
}

// newLineReader wraps r; gzip is detected by the magic bytes 1f 8b.
func newLineReader(r io.Reader) (*lineReader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	lr := &lineReader{br: br}
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, errors.Join(ErrGzip, err)
		}
		lr.gz = gz
		lr.br = bufio.NewReaderSize(gz, 256<<10)
	}
	return lr, nil
}

// next returns the next line. At the end it returns io.EOF (a last line
// without a terminator is returned first). An I/O or gzip error is returned
// as is. errLineTooLong means the line was skipped.
func (l *lineReader) next() ([]byte, error) {
	b, err := l.br.ReadSlice('\n')
	if err == nil {
		l.line++
		l.off += int64(len(b))
		return trimEOL(b), nil
	}
	if err == bufio.ErrBufferFull {
		l.long = append(l.long[:0], b...)
		tooLong := false
		for {
			b, err = l.br.ReadSlice('\n')
			if !tooLong {
				if len(l.long)+len(b) > MaxLineBytes {
					tooLong = true
					l.off += int64(len(l.long))
					l.long = l.long[:0]
				} else {
					l.long = append(l.long, b...)
				}
			}
			if tooLong {
				l.off += int64(len(b))
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			break
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		l.line++
		l.off += int64(len(l.long))
		if tooLong {
			return nil, errLineTooLong
		}
		return trimEOL(l.long), nil
	}
	if err == io.EOF {
		if len(b) > 0 {
			l.line++
			l.off += int64(len(b))
			return trimEOL(b), nil
		}
		return nil, io.EOF
	}
	return nil, err
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}
