package prefetch

import (
	"os"
	"unsafe"
)

var pageSize = uintptr(os.Getpagesize())

// FaultIn maps the pages of a freshly allocated, still zero block of n
// bytes at p by writing a zero into each, and must not be used on memory
// that holds data. Why: the garbage collector scans a new block that holds
// pointers before the program writes it, which maps the kernel's shared
// zero page; the first write then faults again to copy it, and that fault
// flushes the TLB of every CPU running the process, a cross-CPU interrupt
// that in a VM cost ~10 us a page (a tenth of `flowmeter flows`' CPU time
// went to these on the flow slab). Written first, a page is mapped once,
// without a flush.
func FaultIn(p unsafe.Pointer, n uintptr) {
	for off := uintptr(0); off < n; off += pageSize {
		*(*byte)(unsafe.Add(p, off)) = 0
	}
}
