package prefetch

// Line starts loading the cache line that holds addr.
//
//go:noescape
func Line(addr uintptr)

// Lines starts loading n consecutive cache lines from the one that holds addr.
//
//go:noescape
func Lines(addr uintptr, n int)
