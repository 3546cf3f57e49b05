//go:build !amd64

package prefetch

// Line is a no-op where no prefetch instruction is wired up.
func Line(addr uintptr) {}

// Lines is a no-op where no prefetch instruction is wired up.
func Lines(addr uintptr, n int) {}
