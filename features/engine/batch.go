package engine

import (
	"github.com/flowmeter/flowmeter/features"
)

// Batcher copies each ended flow into a batch and hands full batches to a
// write function on its own goroutine, so that output formatting (CSV text,
// Parquet pages) runs beside packet processing on another core. Emit is
// not safe for concurrent use (Run never calls emit concurrently).
type Batcher struct {
	size  int
	write func([]*features.Flow) error
	cur   *flowBatch
	full  chan *flowBatch
	free  chan *flowBatch
	done  chan struct{}
	err   error // first write error, read after done
}

type flowBatch struct {
	flows []features.Flow
	ptrs  []*features.Flow
}

func newFlowBatch(size int) *flowBatch {
	b := &flowBatch{flows: make([]features.Flow, size), ptrs: make([]*features.Flow, 0, size)}
	return b
}

// NewBatcher starts the writing goroutine. size is the batch length.
func NewBatcher(size int, write func([]*features.Flow) error) *Batcher {
	b := &Batcher{
		size:  size,
		write: write,
		cur:   newFlowBatch(size),
		full:  make(chan *flowBatch, 4),
		free:  make(chan *flowBatch, 6),
		done:  make(chan struct{}),
	}
	go func() {
		defer close(b.done)
		for fb := range b.full {
			if b.err == nil && len(fb.ptrs) > 0 {
				b.err = b.write(fb.ptrs)
			}
			fb.ptrs = fb.ptrs[:0]
			select {
			case b.free <- fb:
			default:
			}
		}
	}()
	return b
}

// Emit copies f (valid only during the call) into the current batch.
func (b *Batcher) Emit(f *features.Flow) {
	n := len(b.cur.ptrs)
	b.cur.flows[n] = *f
	b.cur.ptrs = append(b.cur.ptrs, &b.cur.flows[n])
	if n+1 == b.size {
		b.full <- b.cur
		select {
		case b.cur = <-b.free:
		default:
			b.cur = newFlowBatch(b.size)
		}
	}
}

// Close writes the last partial batch, waits for the writer and returns the
// first write error.
func (b *Batcher) Close() error {
	b.full <- b.cur
	close(b.full)
	<-b.done
	return b.err
}
