//go:build !unix

package zeek

func cpuNanos() int64 { return 0 }
