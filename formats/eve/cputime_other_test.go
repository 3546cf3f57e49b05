//go:build !unix

package eve

func cpuNanos() int64 { return 0 }
