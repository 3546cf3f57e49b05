//go:build linux

package reader

import (
	"os"
	"syscall"
	"unsafe"
)

// Linux madvise advice values missing from package syscall.
const (
	madvHugepage     = 14 // MADV_HUGEPAGE, Linux >= 2.6.38
	madvPopulateRead = 22 // MADV_POPULATE_READ, Linux >= 5.14
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
	// Best effort, errors ignored: aggressive read-ahead, and large (up to
	// 2 MiB) page-cache folios for what read-ahead brings in, which the
	// kernel then maps with one page-table entry each instead of 512 (see
	// "Reader design" in docs/PERFORMANCE.md). A file already in the page
	// cache keeps the folios it has.
	_ = syscall.Madvise(b, syscall.MADV_SEQUENTIAL)
	_ = syscall.Madvise(b, madvHugepage)
	return b
}

// unmapFile releases a mapping made by mapFile.
func unmapFile(b []byte) error { return syscall.Munmap(b) }

// dropPages tells the kernel that the process no longer needs b (page
// aligned): the pages leave the resident set, the file's page cache is kept,
// and touching them again faults them back in from the file.
func dropPages(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }

// populatePages maps the pages of b (page aligned) into the page table
// without touching them (MADV_POPULATE_READ). It returns false when the
// kernel does not support it (EINVAL before Linux 5.14) or the range is
// past the end of the file (EFAULT); the caller then stops asking.
func populatePages(b []byte) bool {
	_, _, e := syscall.Syscall(syscall.SYS_MADVISE, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)), madvPopulateRead)
	return e == 0
}

// readAheadSupported says whether mapped files get a read-ahead goroutine.
const readAheadSupported = true
