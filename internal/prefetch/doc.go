// Package prefetch asks the CPU to start loading cache lines that will be
// needed soon (PREFETCHT0 on amd64, nothing elsewhere). A prefetch is a
// hint: it never faults, so any address may be given, and a wrong one only
// costs a wasted load. Go has no prefetch intrinsic outside the runtime,
// and a plain load would stall the core until the line arrived, which is
// what a prefetch avoids.
package prefetch
