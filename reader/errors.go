package reader

import (
	"strconv"
	"strings"
)

// OffsetError is a structural problem of a capture found at a byte offset of
// the uncompressed stream. Err is one of the sentinels (ErrFormat,
// ErrTruncated, ErrTooLarge, ErrCorrupt) or, for a plain I/O failure, the error
// of the underlying reader. Cause, when set, is the lower-level error behind a
// sentinel (for example a gzip checksum error behind ErrCorrupt).
//
// errors.Is(err, ErrTruncated) and errors.As(err, &oe) both work on it.
// OffsetErrors are built only on the error path; reading good packets never
// allocates one.
type OffsetError struct {
	Offset int64  // byte offset of the record or block at fault (uncompressed stream)
	Err    error  // sentinel or I/O error
	Detail string // what was wrong, e.g. "record header needs 16 bytes, 7 left"
	Cause  error  // optional lower-level error
}

func (e *OffsetError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	b.WriteString(" at byte offset ")
	b.WriteString(strconv.FormatInt(e.Offset, 10))
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns Err and, when set, Cause.
func (e *OffsetError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// FileError names the file a problem belongs to. Open wraps header errors in
// it, and MultiSource wraps every per-file error and warning in it.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *FileError) Unwrap() error { return e.Err }
