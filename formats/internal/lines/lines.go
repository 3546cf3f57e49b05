// Package lines reads log files line by line, plain or gzip-compressed
// (detected by the magic bytes), for the Zeek and Suricata readers.
package lines

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
)

// MaxLineBytes caps one log line. A longer line is skipped (ErrTooLong);
// the reader never buffers more than this.
const MaxLineBytes = 16 << 20

// ErrTooLong reports a line longer than MaxLineBytes, which was skipped;
// the record readers count it as a malformed line.
var ErrTooLong = errors.New("lines: line too long")

// Reader yields lines without their "\n" or "\r\n" terminator. The
// returned bytes are borrowed from the bufio buffer (or from long, for lines
// longer than the buffer) and are valid until the next call.
type Reader struct {
	br   *bufio.Reader
	gz   *gzip.Reader
	long []byte
	Line int64 // 1-based number of the last line returned
	Off  int64 // byte offset of the start of the next line (decompressed)
}

// New wraps r; gzip is detected by the magic bytes 1f 8b. A bad gzip
// header is returned as gzip's error.
func New(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	lr := &Reader{br: br}
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		lr.gz = gz
		lr.br = bufio.NewReaderSize(gz, 256<<10)
	}
	return lr, nil
}

// Next returns the next line. At the end it returns io.EOF (a last line
// without a terminator is returned first). An I/O or gzip error is returned
// as is. ErrTooLong means the line was skipped.
func (l *Reader) Next() ([]byte, error) {
	b, err := l.br.ReadSlice('\n')
	if err == nil {
		l.Line++
		l.Off += int64(len(b))
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
					l.Off += int64(len(l.long))
					l.long = l.long[:0]
				} else {
					l.long = append(l.long, b...)
				}
			}
			if tooLong {
				l.Off += int64(len(b))
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			break
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		l.Line++
		l.Off += int64(len(l.long))
		if tooLong {
			return nil, ErrTooLong
		}
		return trimEOL(l.long), nil
	}
	if err == io.EOF {
		if len(b) > 0 {
			l.Line++
			l.Off += int64(len(b))
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
