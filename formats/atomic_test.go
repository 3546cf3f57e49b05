package formats

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestAtomicAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	af, err := CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(af.TempName()), ".out.csv.tmp-") || filepath.Dir(af.TempName()) != dir {
		t.Errorf("temp file %q, want .out.csv.tmp-* in %s", af.TempName(), dir)
	}
	if _, err := af.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	if err := af.Abort(); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("after Abort the directory holds %v, want nothing", names)
	}
	if err := af.Abort(); err != nil {
		t.Errorf("second Abort: %v", err)
	}
	if err := af.Commit(); !errors.Is(err, ErrClosed) {
		t.Errorf("Commit after Abort: %v", err)
	}
	if _, err := af.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Abort: %v", err)
	}
}

func TestAtomicNoFileUntilCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.jsonl")
	af, err := CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	af.Write([]byte("hello\n"))
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("target exists before Commit: %v", err)
	}
	if err := af.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := af.Abort(); err != nil { // deferred Abort after Commit is a no-op
		t.Errorf("Abort after Commit: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "hello\n" {
		t.Errorf("after Commit: %q %v", b, err)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v, want only out.jsonl", names)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644", st.Mode().Perm())
	}
}

func TestAtomicCommitReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.parquet")
	if err := os.WriteFile(path, []byte("old contents"), 0o600); err != nil {
		t.Fatal(err)
	}
	// An aborted write leaves the old file untouched.
	af, err := CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	af.Write([]byte("new"))
	af.Abort()
	if b, _ := os.ReadFile(path); string(b) != "old contents" {
		t.Errorf("after Abort: %q", b)
	}
	// While a commit is pending, readers see the old file.
	af, err = CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	af.Write([]byte("new"))
	if b, _ := os.ReadFile(path); string(b) != "old contents" {
		t.Errorf("before Commit: %q", b)
	}
	if err := af.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("after Commit: %q", b)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the replaced file's 0600", st.Mode().Perm())
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v", names)
	}
}

func TestAtomicStdoutAndDevices(t *testing.T) {
	af, err := CreateAtomic("-")
	if err != nil {
		t.Fatal(err)
	}
	if af.f != os.Stdout || af.TempName() != "" {
		t.Errorf("- is not stdout")
	}
	if err := af.Commit(); err != nil {
		t.Fatal(err)
	}
	af, err = CreateAtomic(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := af.Write([]byte("discarded")); err != nil {
		t.Fatal(err)
	}
	if err := af.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode().IsRegular() {
		t.Fatalf("%s replaced by a regular file!", os.DevNull)
	}
	if _, err := CreateAtomic(t.TempDir()); err == nil {
		t.Error("CreateAtomic on a directory succeeded")
	}
	if _, err := CreateAtomic(filepath.Join(t.TempDir(), "no", "such", "dir", "x.csv")); err == nil {
		t.Error("CreateAtomic in a missing directory succeeded")
	}
}

// A file larger than a few write-back steps (Write starts the write-back
// of each step as it goes) commits with every byte in place, and an abort
// after write-back has started still leaves no file.
func TestAtomicLargeWriteback(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "big.csv")
	want := make([]byte, 3*writebackStep+12345)
	for i := range want {
		want[i] = byte(i*7 + i>>13)
	}
	write := func() *AtomicFile {
		af, err := CreateAtomic(path)
		if err != nil {
			t.Fatal(err)
		}
		for rest := want; len(rest) > 0; {
			n := min(len(rest), 100003) // steps end mid-write
			if _, err := af.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		if af.flushed < 3*writebackStep {
			t.Errorf("write-back started for %d bytes of %d", af.flushed, len(want))
		}
		return af
	}
	write().Abort()
	if names := dirNames(t, dir); len(names) != 0 {
		t.Fatalf("after Abort the directory holds %v", names)
	}
	if err := write().Commit(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("committed file differs: %d bytes, want %d", len(got), len(want))
	}
}
