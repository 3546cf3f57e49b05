package main

import (
	"fmt"
	"io"
	"os"

	"github.com/flowmeter/flowmeter/formats/eve"
	"github.com/flowmeter/flowmeter/formats/zeek"
)

// logResult is one log-reading measurement.
type logResult struct {
	name    string
	records uint64
	bytes   int64
	best    result
}

// logBenchmarks times reading every record of a Zeek conn.log (TSV reader
// plus the connection view the join uses) and of a Suricata eve.json
// (reader plus event fields), each `runs` times, best reported. Paths are ""
// when the -conn / -eve flag was not given. The join itself is timed as a
// -cmd run of `flowmeter enrich` (see the Makefile's bench target).
func logBenchmarks(conn, eve string, runs int) []logResult {
	var out []logResult
	if conn != "" {
		out = append(out, logBench("Zeek conn.log: TSV reader + connection view", conn, runs, readConnLog))
	}
	if eve != "" {
		out = append(out, logBench("Suricata eve.json: reader + event fields", eve, runs, readEve))
	}
	return out
}

func logBench(name, path string, runs int, read func(string) (uint64, error)) logResult {
	lr := logResult{name: name}
	if fi, err := os.Stat(path); err == nil {
		lr.bytes = fi.Size()
	}
	lr.best = best(runs, func() result {
		r := inProcess(bench{name: name, run: read}, path)
		lr.records = r.packets
		return r
	})
	return lr
}

func readConnLog(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := zeek.NewTSVReader(f, zeek.TSVOptions{})
	if err != nil {
		return 0, err
	}
	var c zeek.Conn
	var n, ok uint64
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
		n++
		if zeek.FillConn(rec, &c) {
			ok++
		}
	}
	sink += ok
	return n, nil
}

func readEve(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := eve.NewReader(f)
	if err != nil {
		return 0, err
	}
	var n, flows uint64
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
		n++
		if ev.SrcPort != 0 {
			flows++
		}
	}
	sink += flows
	return n, nil
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
