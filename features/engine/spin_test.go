package engine

import (
	"testing"
	"time"
)

// spinRecv returns what arrives while it spins, what arrives after it has
// given up spinning and blocked, and a closed channel's end.
func TestSpinRecv(t *testing.T) {
	c := make(chan int, 1)
	go func() {
		c <- 1
		time.Sleep(3 * spinFor) // the receiver spins out and blocks
		c <- 2
		close(c)
	}()
	for want := 1; want <= 2; want++ {
		if v, ok := spinRecv(c); v != want || !ok {
			t.Fatalf("spinRecv = %d, %v; want %d, true", v, ok, want)
		}
	}
	if v, ok := spinRecv(c); ok {
		t.Fatalf("spinRecv on a closed channel = %d, true; want false", v)
	}
}

// A spinner gives up once spinFor has passed, and not before.
func TestSpinnerGivesUp(t *testing.T) {
	var s spinner
	start := time.Now()
	turns := 0
	for s.more() {
		turns++
	}
	if d := time.Since(start); d < spinFor {
		t.Fatalf("gave up after %v (%d turns); want >= %v", d, turns, spinFor)
	}
}
