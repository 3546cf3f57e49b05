package engine

import (
	"unsafe"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/internal/prefetch"
)

// Batcher copies each ended flow into a batch and hands full batches to a
// write function (a formats.FlowWriter's Write), on the goroutine that
// calls Emit: Run emits on its calling goroutine between batches of
// packets, so that writing shares a core with reading while the flow
// table has the other. After the first write error it drops flows and
// Close returns that error. A Batcher is not safe for concurrent use.
type Batcher struct {
	write func([]*features.Flow) error
	flows []features.Flow
	ptrs  []*features.Flow
	err   error
}

// NewBatcher returns a Batcher of batches of size flows (at least 1).
func NewBatcher(size int, write func([]*features.Flow) error) *Batcher {
	size = max(size, 1)
	b := &Batcher{write: write, flows: make([]features.Flow, size), ptrs: make([]*features.Flow, 0, size)}
	prefetch.FaultIn(unsafe.Pointer(&b.flows[0]), unsafe.Sizeof(b.flows[0])*uintptr(size))
	return b
}

// Emit copies f (valid only during the call) into the batch, writing the
// batch when it is full.
func (b *Batcher) Emit(f *features.Flow) {
	if b.err != nil {
		return
	}
	n := len(b.ptrs)
	b.flows[n] = *f
	b.ptrs = append(b.ptrs, &b.flows[n])
	if n+1 == len(b.flows) {
		b.flush()
	}
}

func (b *Batcher) flush() {
	if len(b.ptrs) > 0 && b.err == nil {
		b.err = b.write(b.ptrs)
	}
	b.ptrs = b.ptrs[:0]
}

// Close writes the last partial batch and returns the first write error.
func (b *Batcher) Close() error {
	b.flush()
	return b.err
}
