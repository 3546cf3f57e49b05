package reader

import (
	"errors"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
)

// bigSynth is a ~40 MB classic pcap, large enough for a read-ahead
// goroutine (aheadMinSize), shared by the tests below.
func bigSynth(t *testing.T) (string, []byte) {
	t.Helper()
	b := synthPcap(52000)
	if len(b) < 2*aheadMinSize {
		t.Fatalf("synthetic capture of %d bytes is too small", len(b))
	}
	return writeTemp(t, "big.pcap", b), b
}

// wantReadAhead says whether this process gives a large mapped file a
// read-ahead goroutine.
func wantReadAhead() bool { return readAheadSupported && runtime.GOMAXPROCS(0) >= 2 }

// TestReadAheadSamePackets: with the read-ahead goroutine running, the
// packets, final error, Stats and Offset of Open are those of OpenStream
// (read(2), no goroutine).
func TestReadAheadSamePackets(t *testing.T) {
	path, b := bigSynth(t)
	want, err := readAllPath(t, path, OpenStream)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := OpenStream(path)
	if err != nil {
		t.Fatal(err)
	}
	readAll(rs)
	defer rs.Close()

	for _, opt := range []Options{{}, {MapOnlyReadAhead: true}} {
		r, err := OpenWith(path, opt)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		got, err := readAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if (r.ah != nil) != (wantReadAhead() && r.mm != nil) {
			t.Errorf("%+v: read-ahead goroutine: %v, want %v", opt, r.ah != nil, wantReadAhead())
		}
		if len(got) != len(want) {
			t.Fatalf("%+v: %d packets, want %d", opt, len(got), len(want))
		}
		for i := range want {
			if !equalRec(got[i], want[i]) {
				t.Fatalf("%+v: packet %d differs", opt, i)
			}
		}
		if r.Stats() != rs.Stats() || r.Offset() != rs.Offset() || r.Offset() != int64(len(b)) {
			t.Errorf("%+v: stats %+v offset %d, stream %+v offset %d", opt, r.Stats(), r.Offset(), rs.Stats(), rs.Offset())
		}
	}
}

// TestReadAheadNotForSmallOrMany: no goroutine for files under
// aheadMinSize, nor for the files of a MultiSource of more than 16, nor
// with Options.NoReadAhead.
func TestReadAheadNotForSmallOrMany(t *testing.T) {
	small := writeTemp(t, "small.pcap", synthPcap(5000))
	r, err := Open(small)
	if err != nil {
		t.Fatal(err)
	}
	readAll(r)
	if r.ah != nil {
		t.Errorf("read-ahead goroutine for a %d-byte file", len(r.mm))
	}
	r.Close()

	path, _ := bigSynth(t)
	r, err = openSize(path, 64<<10, true, Options{}) // as OpenMulti opens > 16 files
	if err != nil {
		t.Fatal(err)
	}
	readAll(r)
	if r.ah != nil {
		t.Errorf("read-ahead goroutine in a MultiSource of many files")
	}
	r.Close()

	for _, open := range []func() (Source, error){
		func() (Source, error) { return OpenWith(path, Options{NoReadAhead: true}) },
		func() (Source, error) { return OpenMultiWith([]string{path}, Options{NoReadAhead: true}) },
	} {
		src, err := open()
		if err != nil {
			t.Fatal(err)
		}
		recs, err := readAll(src)
		r, _ := src.(*Reader)
		if m, ok := src.(*MultiSource); ok {
			r = m.Readers()[0]
		}
		if err != nil || len(recs) != 52000 || r.ah != nil {
			t.Errorf("NoReadAhead: %d packets, %v, goroutine %v", len(recs), err, r.ah != nil)
		}
		src.Close()
	}
}

// TestReadAheadCloseEarly: Close in the middle of a file stops the
// goroutine before the mapping goes away, and Next then reports the close.
func TestReadAheadCloseEarly(t *testing.T) {
	path, _ := bigSynth(t)
	for range 20 {
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		for range 3000 {
			if _, err := r.Next(); err != nil {
				t.Fatal(err)
			}
		}
		a := r.ah
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if a != nil {
			select {
			case <-a.done:
			default:
				t.Fatal("read-ahead goroutine still running after Close")
			}
		}
		if _, err := r.Next(); err == nil || err == io.EOF {
			t.Fatalf("Next after Close: %v", err)
		}
	}
}

// TestReadAheadTruncatedUnderMapping: a file truncated while it is read
// faults (SIGBUS) in whichever goroutine touches the missing pages. The
// read-ahead goroutine recovers and stops; the reading goroutine, with
// debug.SetPanicOnFault as features/engine sets it, gets a recoverable
// panic instead of the process dying.
func TestReadAheadTruncatedUnderMapping(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("mapping is Linux-only")
	}
	path, _ := bigSynth(t)
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for range 2000 {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Truncate(path, 4<<20); err != nil {
		t.Fatal(err)
	}
	if r.ah != nil {
		r.ah.advance(8 << 20) // send it over the new end of the file
		<-r.ah.done
	}
	faulted := func() (faulted bool) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if e := recover(); e != nil {
				var re runtime.Error
				if err, ok := e.(error); !ok || !errors.As(err, &re) {
					panic(e)
				}
				faulted = true
			}
		}()
		for {
			var sum byte
			p, err := r.Next()
			if err != nil {
				return false
			}
			for _, c := range p.Data {
				sum += c
			}
			benchSink += sum
		}
	}()
	if !faulted {
		t.Errorf("reading past the new end did not fault")
	}
}

// TestAllocsReadAhead: Next allocates nothing with the read-ahead goroutine
// running (it is started, once, during the warm-up of allocsPerNext).
func TestAllocsReadAhead(t *testing.T) {
	path, _ := bigSynth(t)
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if a := allocsPerNext(t, r); a != 0 {
		t.Errorf("%v allocs per Next", a)
	}
	if (r.ah != nil) != (wantReadAhead() && r.mm != nil) {
		t.Errorf("read-ahead goroutine: %v, want %v", r.ah != nil, wantReadAhead())
	}
}

// TestMultiSingleFile: a MultiSource of one file (the CLI's usual case)
// returns the packets of Open, reports a truncated file once as a
// *FileError warning, and ends with io.EOF.
func TestMultiSingleFile(t *testing.T) {
	b := synthPcap(3000)
	for _, c := range []struct {
		name string
		b    []byte
		warn error
	}{{"whole", b, nil}, {"truncated", b[:len(b)-100], ErrTruncated}} {
		path := writeTemp(t, "one.pcap", c.b)
		want, werr := readAllPath(t, path, Open)
		m, err := OpenMulti([]string{path})
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(m)
		if err != nil || !errors.Is(werr, c.warn) {
			t.Fatalf("%s: MultiSource error %v, Open error %v", c.name, err, werr)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d packets, want %d", c.name, len(got), len(want))
		}
		for i := range want {
			if !equalRec(got[i], want[i]) {
				t.Fatalf("%s: packet %d differs", c.name, i)
			}
		}
		for range 3 {
			if _, err := m.Next(); err != io.EOF {
				t.Fatalf("%s: Next after the end: %v", c.name, err)
			}
		}
		w := m.Warnings()
		var fe *FileError
		switch {
		case c.warn == nil && len(w) != 0:
			t.Errorf("%s: warnings %v", c.name, w)
		case c.warn != nil && (len(w) != 1 || !errors.Is(w[0], c.warn) || !errors.As(w[0], &fe) || fe.Path != path):
			t.Errorf("%s: warnings %v, want one %v for %s", c.name, w, c.warn, path)
		}
		if m.CurrentPath() != "" || m.CurrentIndex() != -1 {
			t.Errorf("%s: current %q %d after the end", c.name, m.CurrentPath(), m.CurrentIndex())
		}
		m.Close()
		if _, err := m.Next(); err != io.EOF || len(m.Warnings()) != len(w) {
			t.Errorf("%s: Next after Close: %v, warnings %v", c.name, err, m.Warnings())
		}
	}
}
