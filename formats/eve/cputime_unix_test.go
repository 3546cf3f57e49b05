//go:build unix

package eve

import "syscall"

// cpuNanos returns the process's user+system CPU time. Benchmarks report
// records per CPU-second beside records per wall-second because the build
// machine is shared: wall time overstates cost when other jobs run.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
