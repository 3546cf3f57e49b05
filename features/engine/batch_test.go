package engine

import (
	"errors"
	"testing"

	"github.com/flowmeter/flowmeter/features"
)

func TestBatcherDeliversEveryFlowInOrder(t *testing.T) {
	var got []uint64
	b := NewBatcher(7, func(fs []*features.Flow) error {
		for _, f := range fs {
			got = append(got, f.ID)
		}
		return nil
	})
	var f features.Flow
	for i := range 100 {
		f.ID = uint64(i)
		b.Emit(&f) // the batcher must copy: f changes right after
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 100 {
		t.Fatalf("%d flows written, want 100", len(got))
	}
	for i, id := range got {
		if id != uint64(i) {
			t.Fatalf("flow %d has id %d", i, id)
		}
	}
}

func TestBatcherReportsFirstWriteError(t *testing.T) {
	boom := errors.New("disk full")
	calls := 0
	b := NewBatcher(2, func([]*features.Flow) error { calls++; return boom })
	var f features.Flow
	for range 10 {
		b.Emit(&f)
	}
	if err := b.Close(); !errors.Is(err, boom) {
		t.Fatalf("Close = %v, want %v", err, boom)
	}
	if calls != 1 {
		t.Errorf("write called %d times after an error, want 1", calls)
	}
}
