//go:build linux

package reader

import (
	"os"
	"syscall"
)

// mapFile maps size bytes of f, read-write and private (copy-on-write: the
// file is opened read-only and never changed; a caller that writes into
// Packet.Data changes only its own copy of that page). It returns nil when
// the file cannot be mapped, and the caller falls back to read(2).
func mapFile(f *os.File, size int64) []byte {
	if size <= 0 || int64(int(size)) != size || int(size) < 0 {
		return nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	// Best effort: ask for aggressive read-ahead.
	_ = syscall.Madvise(b, syscall.MADV_SEQUENTIAL)
	return b
}

// unmapFile releases a mapping made by mapFile.
func unmapFile(b []byte) error { return syscall.Munmap(b) }

// dropPages tells the kernel that the process no longer needs b (page
// aligned): the pages leave the resident set, the file's page cache is kept,
// and touching them again faults them back in from the file.
func dropPages(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }
