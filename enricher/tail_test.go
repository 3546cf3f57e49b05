package enricher

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestTail: a Tail reads appended lines, restarts after truncation, follows
// a rotation (rename + re-create) after reading the old file to its end,
// and ends only after CaptureDone and Idle without data; Stop ends it at
// once.
func TestTail(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "log")
	if err := os.WriteFile(p, []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tl, err := OpenTail(p, TailOptions{Poll: 5 * time.Millisecond, Idle: 100 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	br := bufio.NewReader(tl)
	next := func(want string) {
		t.Helper()
		l, err := br.ReadString('\n')
		if err != nil || l != want+"\n" {
			t.Fatalf("got %q %v, want %q", l, err, want)
		}
	}
	appendTo := func(path, s string) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(s)
		f.Close()
	}
	next("a")
	go func() { time.Sleep(20 * time.Millisecond); appendTo(p, "b\n") }()
	next("b")
	// Truncated in place (copytruncate), then rewritten shorter.
	os.WriteFile(p, []byte("c\n"), 0o644)
	next("c")
	// Rotated: the old file gets a last line, then a new file appears.
	appendTo(p, "d\n")
	os.Rename(p, p+".1")
	appendTo(p, "e\n")
	next("d")
	next("e")
	if tl.Reopened() != 2 {
		t.Errorf("reopened %d, want 2", tl.Reopened())
	}
	if tl.Quiet() {
		t.Error("quiet right after data")
	}
	tl.CaptureDone()
	start := time.Now()
	if _, err := br.ReadString('\n'); err == nil {
		t.Fatal("read past the end")
	}
	if d := time.Since(start); d < 80*time.Millisecond || !tl.Quiet() {
		t.Errorf("ended after %v (quiet %v), want about the 100ms idle", d, tl.Quiet())
	}

	t2, _ := OpenTail(p, TailOptions{Poll: 5 * time.Millisecond, Idle: time.Hour}, nil)
	defer t2.Close()
	go func() { time.Sleep(20 * time.Millisecond); t2.Stop() }()
	buf := make([]byte, 64)
	t2.Read(buf)
	if _, err := t2.Read(buf); err == nil {
		t.Error("Stop did not end reading")
	}
}
