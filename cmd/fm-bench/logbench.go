package main

import (
	"fmt"
	"io"
)

// logResult is one log-reading measurement.
type logResult struct {
	name    string
	records uint64
	bytes   int64
	best    result
}

// logBenchmarks is the hook for the log readers (Zeek conn.log, Suricata
// eve.json) — LEAD: add measurements here. For each reader, time reading
// every record of conn (or eve) `runs` times with best(runs, ...), count the
// records, and return one logResult per reader. Paths are "" when the
// corresponding -conn / -eve flag was not given. fm-gencap -zeek -eve
// -conn-records 1000000 -eve-records 1000000 writes suitable inputs.
func logBenchmarks(conn, eve string, runs int) []logResult {
	_, _, _ = conn, eve, runs
	return nil
}

func printLogTable(w io.Writer, runs int, rs []logResult) {
	fmt.Fprintf(w, "\nLog reading, best of %d runs:\n\n", runs)
	fmt.Fprintln(w, "| measurement | records | wall | records/s | MB/s | allocs/record |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for _, r := range rs {
		if r.best.err != nil {
			fmt.Fprintf(w, "| %s | error: %v | | | | |\n", r.name, oneLine(r.best.err))
			continue
		}
		s := r.best.wall.Seconds()
		allocs := "-"
		if r.best.allocs >= 0 {
			allocs = fmt.Sprintf("%.2f", r.best.allocs)
		}
		fmt.Fprintf(w, "| %s | %d | %.3f s | %s | %.0f | %s |\n",
			r.name, r.records, s, human(float64(r.records)/s), float64(r.bytes)/s/1e6, allocs)
	}
}
