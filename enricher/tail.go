package enricher

import (
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// TailOptions configure a Tail. The zero value uses the defaults.
type TailOptions struct {
	// Poll is how often the file is checked for new data at its end
	// (default 200 ms).
	Poll time.Duration
	// Idle is how long the file must stay without new data before the Tail
	// is quiet, and, once CaptureDone was called, ends (default 5 s).
	Idle time.Duration
}

// Tail reads a growing file, like tail -F: at the end of the file it waits
// for more data instead of returning io.EOF. Every Poll it checks the path:
// when the path names another file than the one open (the log was rotated:
// renamed away and re-created), the rest of the old file is read and then
// the new one is opened and read from its start; when the file is shorter
// than the offset read (it was truncated in place, as by copytruncate),
// reading restarts at offset 0. Data written to the old file after the
// switch, or rewritten past the old offset between two polls of a
// truncated file, is not seen. A rotation in the middle of a line joins the
// halves of two files into one (malformed) line.
//
// Read returns io.EOF only when Stop was called (or its stop channel was
// closed), or when CaptureDone was called and no data arrived for Idle. A
// Tail is read by one goroutine; Stop, CaptureDone and Quiet may be called
// from any goroutine.
type Tail struct {
	path     string
	opts     TailOptions
	f        *os.File
	fi       os.FileInfo
	off      int64
	last     time.Time
	timer    *time.Timer
	stop     <-chan struct{}
	stopOnce sync.Once
	stopCh   chan struct{}
	capDone  atomic.Bool
	quiet    atomic.Bool
	reopened atomic.Int64
}

// OpenTail opens path for following. stop (may be nil) ends reading like
// Stop.
func OpenTail(path string, opts TailOptions, stop <-chan struct{}) (*Tail, error) {
	if opts.Poll <= 0 {
		opts.Poll = 200 * time.Millisecond
	}
	if opts.Idle <= 0 {
		opts.Idle = 5 * time.Second
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Tail{path: path, opts: opts, f: f, fi: fi, last: time.Now(), stop: stop, stopCh: make(chan struct{})}, nil
}

// Stop makes Read return io.EOF once the data available now is read.
func (t *Tail) Stop() { t.stopOnce.Do(func() { close(t.stopCh) }) }

// CaptureDone tells the Tail that the packet source has ended: from now on
// Read ends after Idle without new data.
func (t *Tail) CaptureDone() { t.capDone.Store(true) }

// Quiet reports whether Read is waiting at the end of the file and no data
// arrived for Idle.
func (t *Tail) Quiet() bool { return t.quiet.Load() }

// Reopened counts rotations and truncations seen.
func (t *Tail) Reopened() int64 { return t.reopened.Load() }

func (t *Tail) stopped() bool {
	select {
	case <-t.stopCh:
		return true
	case <-t.stop:
		return true
	default:
		return false
	}
}

// Read reads what is available, waiting at the end of the file as
// described for Tail.
func (t *Tail) Read(p []byte) (int, error) {
	for {
		n, err := t.f.Read(p)
		if n > 0 {
			t.off += int64(n)
			t.last = time.Now()
			t.quiet.Store(false)
			return n, nil
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
		if fi, err := os.Stat(t.path); err == nil {
			if !os.SameFile(fi, t.fi) {
				// Rotated: the old file was read to its end; switch.
				if nf, err := os.Open(t.path); err == nil {
					if nfi, err := nf.Stat(); err == nil {
						t.f.Close()
						t.f, t.fi, t.off = nf, nfi, 0
						t.reopened.Add(1)
						continue
					}
					nf.Close()
				}
			} else if fi.Size() < t.off {
				// Truncated in place.
				if _, err := t.f.Seek(0, io.SeekStart); err == nil {
					t.off = 0
					t.reopened.Add(1)
					continue
				}
			}
		}
		if t.stopped() {
			return 0, io.EOF
		}
		if time.Since(t.last) >= t.opts.Idle {
			t.quiet.Store(true)
			if t.capDone.Load() {
				return 0, io.EOF
			}
		}
		if t.timer == nil {
			t.timer = time.NewTimer(t.opts.Poll)
		} else {
			t.timer.Reset(t.opts.Poll)
		}
		select {
		case <-t.timer.C:
		case <-t.stopCh:
		case <-t.stop:
		}
	}
}

// Close closes the open file.
func (t *Tail) Close() error {
	t.Stop()
	return t.f.Close()
}
