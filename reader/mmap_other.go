//go:build !linux

package reader

import "os"

// mapFile is not implemented on this platform: files are read with read(2)
// through the buffered path.
func mapFile(f *os.File, size int64) []byte { return nil }

func unmapFile(b []byte) error { return nil }

func dropPages(b []byte) {}

func populatePages(b []byte) bool { return false }

const readAheadSupported = false
