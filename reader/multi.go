package reader

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MultiSource merges several captures into one packet stream in timestamp
// order (a k-way merge on the next packet of each file; ties go to the file
// listed first). A file that is not a capture, or that fails part way
// (truncated, corrupt), does not stop the others: its problem is kept as a
// *FileError in Warnings and its packets up to the problem are delivered.
//
// Next allocates nothing per packet. Packet.Data stays valid until the next
// call to Next. All files are open at the same time, each opened as Open
// does: uncompressed regular files are memory-mapped (pages released every
// 8 MiB, or every 2 MiB when there are more than 16 files), the others have
// their own read buffer (DefaultBufferSize, or 64 KiB when there are more
// than 16 files).
// A MultiSource is not safe for concurrent use.
type MultiSource struct {
	paths    []string  // every file considered, in order
	readers  []*Reader // nil for files that could not be opened
	pending  []Packet  // next packet of each reader in the heap
	heap     []int     // indices of readers with a pending packet
	cur      int       // reader of the last packet returned, -1 before the first
	one      *Reader   // the only reader, while it has packets: no merge needed
	oneIdx   int       // index of one in readers
	started  bool
	warnings []error
}

// OpenMulti opens every capture named by paths. An entry may be a file, a
// directory (all regular files below it, recursively, in lexical order) or
// a glob pattern (filepath.Match syntax). A file listed twice is read once.
//
// It fails only when an entry names nothing (no such file, or a glob that
// matches nothing) or when no file at all is a readable capture; files that
// are not captures are reported by Warnings.
func OpenMulti(paths []string) (*MultiSource, error) {
	return OpenMultiWith(paths, Options{})
}

// OpenMultiWith is OpenMulti with options, applied to every file.
func OpenMultiWith(paths []string, opt Options) (*MultiSource, error) {
	files, err := expandPaths(paths)
	if err != nil {
		return nil, err
	}
	size := DefaultBufferSize
	if len(files) > 16 {
		size = 64 << 10
	}
	m := &MultiSource{cur: -1, paths: files}
	m.readers = make([]*Reader, len(files))
	m.pending = make([]Packet, len(files))
	m.heap = make([]int, 0, len(files))
	opened := 0
	for i, p := range files {
		r, err := openSize(p, size, true, opt)
		if err != nil {
			m.warn(p, err)
			continue
		}
		m.readers[i] = r
		opened++
	}
	if opened == 0 {
		return nil, &FileError{Path: strings.Join(paths, ","), Err: errors.Join(append([]error{ErrFormat}, m.warnings...)...)}
	}
	if opened == 1 {
		for i, r := range m.readers {
			if r != nil {
				m.one, m.oneIdx = r, i
				r.single = m
			}
		}
	}
	return m, nil
}

// expandPaths turns files, directories and globs into a sorted-per-entry,
// deduplicated list of files.
func expandPaths(paths []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range paths {
		if p == "-" {
			add(p)
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) || !strings.ContainsAny(p, "*?[") {
				return nil, err
			}
			matches, gerr := filepath.Glob(p)
			if gerr != nil {
				return nil, &FileError{Path: p, Err: gerr}
			}
			if len(matches) == 0 {
				return nil, &FileError{Path: p, Err: fs.ErrNotExist}
			}
			var sub []string
			for _, mp := range matches {
				files, err := expandPaths([]string{mp})
				if err != nil {
					return nil, err
				}
				sub = append(sub, files...)
			}
			for _, f := range sub {
				add(f)
			}
			continue
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		var files []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		slices.Sort(files)
		for _, f := range files {
			add(f)
		}
	}
	return out, nil
}

func (m *MultiSource) warn(path string, err error) {
	var fe *FileError
	if errors.As(err, &fe) && fe.Path == path {
		m.warnings = append(m.warnings, err)
		return
	}
	m.warnings = append(m.warnings, &FileError{Path: path, Err: err})
}

// less orders pending packets by timestamp, then by file order.
func (m *MultiSource) less(a, b int) bool {
	ta, tb := m.pending[a].Timestamp, m.pending[b].Timestamp
	if ta != tb {
		return ta < tb
	}
	return a < b
}

func (m *MultiSource) siftDown(i int) {
	h := m.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		c := l
		if r := l + 1; r < len(h) && m.less(h[r], h[l]) {
			c = r
		}
		if !m.less(h[c], h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

func (m *MultiSource) siftUp(i int) {
	h := m.heap
	for i > 0 {
		p := (i - 1) / 2
		if !m.less(h[i], h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// advance reads the next packet of reader i into pending; false when the
// reader is done (end or error, the error kept as a warning).
func (m *MultiSource) advance(i int) bool {
	p, err := m.readers[i].Next()
	if err != nil {
		if err != io.EOF {
			m.warn(m.paths[i], err)
		}
		m.pending[i] = Packet{}
		return false
	}
	m.pending[i] = p
	return true
}

// Next returns the packet with the lowest timestamp among the files' next
// packets, or io.EOF when every file is done. Per-file errors never surface
// here; see Warnings.
func (m *MultiSource) Next() (Packet, error) {
	if r := m.one; r != nil {
		// A single file: its packets straight from its Next, without the
		// copy into pending and the heap. Even a copy of the Packet here
		// would cost more than the rest: the compiler spills it to the
		// stack in 4-byte stores and reloads it in 16-byte loads, which
		// stalls. Its first error goes to endOne (see Reader.next) and
		// comes back here as io.EOF.
		m.cur = m.oneIdx
		return r.Next()
	}
	return m.merge()
}

// NextInto is Next writing the packet into *p (see Reader.NextInto), which
// it leaves unchanged on error.
func (m *MultiSource) NextInto(p *Packet) error {
	if r := m.one; r != nil {
		m.cur = m.oneIdx
		return r.NextInto(p)
	}
	q, err := m.merge()
	if err == nil {
		*p = q
	}
	return err
}

// endOne ends the single file of m with err from its Next (called by
// Reader.next).
func (m *MultiSource) endOne(err error) (Packet, error) {
	if err != io.EOF {
		m.warn(m.paths[m.oneIdx], err)
	}
	m.one, m.started, m.cur = nil, true, -1 // the heap is empty
	return Packet{}, io.EOF
}

// merge is Next for several files.
func (m *MultiSource) merge() (Packet, error) {
	if !m.started {
		m.started = true
		for i, r := range m.readers {
			if r != nil && m.advance(i) {
				m.heap = append(m.heap, i)
				m.siftUp(len(m.heap) - 1)
			}
		}
	} else if m.cur >= 0 {
		// The top of the heap is the reader whose packet was returned last.
		if m.advance(m.cur) {
			m.siftDown(0)
		} else {
			last := len(m.heap) - 1
			m.heap[0] = m.heap[last]
			m.heap = m.heap[:last]
			if last > 0 {
				m.siftDown(0)
			}
		}
	}
	if len(m.heap) == 0 {
		m.cur = -1
		return Packet{}, io.EOF
	}
	m.cur = m.heap[0]
	return m.pending[m.cur], nil
}

// CurrentPath returns the file of the packet last returned by Next ("" before
// the first packet and after the end).
func (m *MultiSource) CurrentPath() string {
	if m.cur < 0 {
		return ""
	}
	return m.paths[m.cur]
}

// CurrentIndex returns the index in Paths of the file of the packet last
// returned by Next, or -1.
func (m *MultiSource) CurrentIndex() int { return m.cur }

// CurrentReader returns the Reader of the packet last returned by Next, or
// nil.
func (m *MultiSource) CurrentReader() *Reader {
	if m.cur < 0 {
		return nil
	}
	return m.readers[m.cur]
}

// Paths returns every file considered, in order, including those that could
// not be opened.
func (m *MultiSource) Paths() []string { return m.paths }

// Readers returns the Reader of each file of Paths (nil where opening failed).
func (m *MultiSource) Readers() []*Reader { return m.readers }

// Warnings returns the per-file problems so far, each a *FileError: files
// that are not captures, and files that ended with an error other than
// io.EOF. It allocates a copy.
func (m *MultiSource) Warnings() []error { return slices.Clone(m.warnings) }

// Close closes every file.
func (m *MultiSource) Close() error {
	var errs []error
	for _, r := range m.readers {
		if r != nil {
			if err := r.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	m.heap = m.heap[:0]
	m.cur = -1
	if m.one != nil {
		m.one.single = nil
	}
	m.one, m.started = nil, true
	return errors.Join(errs...)
}

var (
	_ Source = (*Reader)(nil)
	_ Source = (*MultiSource)(nil)
)
