package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/flowmeter/flowmeter/formats/eve"
	"github.com/flowmeter/flowmeter/formats/zeek"
)

// logResult is one log-reading measurement.
type logResult struct {
	name    string
	records uint64
	bytes   int64
	best    result
	cpu     time.Duration // least process CPU time (user+system) of the runs
}

// logBenchmarks times reading every record of a Zeek conn.log (TSV reader
// plus the connection view the join uses) and of a Suricata eve.json
// (reader plus event fields), each `runs` times, best reported. Paths are ""
// when the -conn / -eve flag was not given; each flag may list several
// files separated by commas. A conn.log whose first byte is '{' is read
// with the Zeek JSON reader. The join itself is timed as a
// -cmd run of `flowmeter enrich` (see the Makefile's bench target).
func logBenchmarks(conn, eve string, runs int) []logResult {
	var out []logResult
	for _, conn := range strings.Split(conn, ",") {
		switch {
		case conn == "":
		case isJSONLog(conn):
			out = append(out, logBench("Zeek conn.log (JSON): reader + connection view", conn, runs, readConnJSON))
		default:
			out = append(out, logBench("Zeek conn.log: TSV reader + connection view", conn, runs, readConnLog))
		}
	}
	for _, eve := range strings.Split(eve, ",") {
		if eve != "" {
			out = append(out, logBench("Suricata eve.json: reader + event fields", eve, runs, readEve))
		}
	}
	return out
}

func logBench(name, path string, runs int, read func(string) (uint64, error)) logResult {
	lr := logResult{name: name + " (" + filepath.Base(path) + ")"}
	if fi, err := os.Stat(path); err == nil {
		lr.bytes = fi.Size()
	}
	lr.best = best(runs, func() result {
		var cpu time.Duration
		r := inProcess(bench{name: name, run: func(p string) (uint64, error) {
			c0 := cpuTime()
			n, err := read(p)
			cpu = cpuTime() - c0
			return n, err
		}}, path)
		lr.records = r.packets
		if cpu > 0 && (lr.cpu == 0 || cpu < lr.cpu) {
			lr.cpu = cpu
		}
		return r
	})
	return lr
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// isJSONLog reports whether the log's first non-blank byte is '{' (a Zeek
// JSON log; plain files only, a gzip log is taken as TSV).
func isJSONLog(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	br := bufio.NewReader(f)
	for {
		c, err := br.ReadByte()
		if err != nil {
			return false
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c == '{'
	}
}

// countRecords opens path, reads every record with the reader open returns
// and counts the records; use inspects each one (its count goes to sink so
// that the work is not optimised away).
func countRecords[R any](path string, open func(io.Reader) (func() (R, error), error), use func(R) bool) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	next, err := open(f)
	if err != nil {
		return 0, err
	}
	var n, used uint64
	for {
		rec, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
		n++
		if use(rec) {
			used++
		}
	}
	sink += used
	return n, nil
}

func readConnJSON(path string) (uint64, error) {
	var c zeek.Conn
	return countRecords(path, func(r io.Reader) (func() (*zeek.JSONRecord, error), error) {
		jr, err := zeek.NewJSONReader(r)
		if err != nil {
			return nil, err
		}
		return jr.Next, nil
	}, func(rec *zeek.JSONRecord) bool { return rec.Conn(&c) })
}

func readConnLog(path string) (uint64, error) {
	var c zeek.Conn
	return countRecords(path, func(r io.Reader) (func() (*zeek.Record, error), error) {
		tr, err := zeek.NewTSVReader(r, zeek.TSVOptions{})
		if err != nil {
			return nil, err
		}
		return tr.Next, nil
	}, func(rec *zeek.Record) bool { return zeek.FillConn(rec, &c) })
}

func readEve(path string) (uint64, error) {
	return countRecords(path, func(r io.Reader) (func() (*eve.Event, error), error) {
		er, err := eve.NewReader(r)
		if err != nil {
			return nil, err
		}
		return er.Next, nil
	}, func(ev *eve.Event) bool { return ev.SrcPort != 0 })
}

func printLogTable(w io.Writer, runs int, rs []logResult) {
	fmt.Fprintf(w, "\nLog reading, best of %d runs:\n\n", runs)
	fmt.Fprintln(w, "| measurement | records | wall | records/s | records/CPU-s | MB/s | allocs/record |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range rs {
		if r.best.err != nil {
			fmt.Fprintf(w, "| %s | error: %v | | | | | |\n", r.name, oneLine(r.best.err))
			continue
		}
		s := r.best.wall.Seconds()
		allocs := "-"
		if r.best.allocs >= 0 {
			allocs = fmt.Sprintf("%.2f", r.best.allocs)
		}
		perCPU := "-"
		if r.cpu > 0 {
			perCPU = human(float64(r.records) / r.cpu.Seconds())
		}
		fmt.Fprintf(w, "| %s | %d | %.3f s | %s | %s | %.0f | %s |\n",
			r.name, r.records, s, human(float64(r.records)/s), perCPU, float64(r.bytes)/s/1e6, allocs)
	}
}
