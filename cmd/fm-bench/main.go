// Command fm-bench measures, in one run and on one capture, how fast packets
// can be read and decoded, side by side:
//
//   - cat: `cat FILE > /dev/null` (the I/O floor);
//   - gopacket: pcapgo.NewReader (pcapgo.NewNgReader for pcapng) over a
//     1 MiB bufio.Reader, ZeroCopyReadPacketData and a DecodingLayerParser
//     (Ethernet, Dot1Q, IPv4, IPv6, TCP, UDP, IgnoreUnsupported);
//   - ours: reader.Open + decode.Decode (see ours.go);
//   - each -cmd: an external command (e.g. the flowmeter binary), with the
//     peak RSS of the child.
//
// Every measurement runs -runs times (default 3) and the best (shortest
// wall time) is reported. The file is read once before timing so that every
// run reads from the page cache. The output is a Markdown table.
//
//	fm-bench [-runs 3] [-flowmeter bin/flowmeter] [-cmd 'CMD ARGS {}']... FILE
//
// In -cmd, {} is replaced by FILE (without {} FILE is appended) and {tmp}
// by a scratch directory that fm-bench empties before each run (so that
// every run writes its outputs afresh: replacing the previous run's 34 MB
// file cost the file system ~9 ms, which the first run does not pay) and
// removes at the end. The command is
// split on white space and run without a shell. -flowmeter BIN is shorthand
// for two commands: `BIN flows -q -f csv -o {tmp}/flows.csv {}` and the same
// with parquet.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// result is one measurement (the best of its runs).
type result struct {
	name     string
	wall     time.Duration
	packets  uint64  // packets counted by the run itself (0: unknown)
	allocs   float64 // heap allocations per packet (-1: not measured)
	maxRSSKB int64   // peak RSS of a child process (0: not measured)
	note     string
	err      error
}

// bench is an in-process measurement: it reads path and returns the number
// of packets handled. allocs are measured around it.
type bench struct {
	name string
	run  func(path string) (uint64, error)
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, "; ") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fm-bench:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fm-bench", flag.ContinueOnError)
	runs := fs.Int("runs", 3, "runs per measurement; the best is reported")
	var cmds multiFlag
	fs.Var(&cmds, "cmd", "external command to time (repeatable); {} is the capture path, {tmp} a scratch directory")
	flowmeter := fs.String("flowmeter", "", "flowmeter binary: time `flows` to CSV and to Parquet")
	conn := fs.String("conn", "", "Zeek conn.log for the log-reading benchmarks (see logbench.go)")
	eve := fs.String("eve", "", "Suricata eve.json for the log-reading benchmarks (see logbench.go)")
	reload := fs.Bool("reload", true, "drop the capture from the page cache before the warm-up read, so that it is cached as a read from disk caches it (large folios) rather than as its writer left it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *runs < 1 {
		fs.Usage()
		return errors.New("exactly one capture path is required")
	}
	path := fs.Arg(0)
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	size := st.Size()

	// Warm the page cache. How the file entered it matters (docs/
	// PERFORMANCE.md, "Page faults and folio sizes"): a file just written
	// in small writes sits in 4 KiB folios, one read from disk in 2 MiB
	// ones, and mapping it costs 512 times fewer page-table entries.
	if *reload {
		if err := dropCache(path); err != nil {
			fmt.Fprintf(os.Stderr, "fm-bench: cannot drop %s from the page cache (%v); measuring it as it is cached\n", path, err)
		}
	}
	if _, err := timeCmd([]string{"cat", path}); err != nil {
		return err
	}

	var results []result
	results = append(results, best(*runs, func() result {
		r, err := timeCmd([]string{"cat", path})
		r.name, r.err, r.allocs = "cat FILE > /dev/null", err, -1
		return r
	}))
	for _, b := range []bench{
		{"gopacket pcapgo + DecodingLayerParser", gopacketRun},
		{"flowmeter reader.Open + decode.Decode", oursRun},
	} {
		results = append(results, best(*runs, func() result { return inProcess(b, path) }))
	}
	if *flowmeter != "" {
		cmds = append(multiFlag{
			*flowmeter + " flows -q -f csv -o {tmp}/flows.csv {}",
			*flowmeter + " flows -q -f parquet -o {tmp}/flows.parquet {}",
		}, cmds...)
	}
	tmp, err := os.MkdirTemp("", "fm-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, c := range cmds {
		argv := strings.Fields(c)
		if len(argv) == 0 {
			continue
		}
		subst := false
		for i, a := range argv {
			a = strings.ReplaceAll(a, "{tmp}", tmp)
			if strings.Contains(a, "{}") {
				a = strings.ReplaceAll(a, "{}", path)
				subst = true
			}
			argv[i] = a
		}
		if !subst {
			argv = append(argv, path)
		}
		results = append(results, best(*runs, func() result {
			if err := emptyDir(tmp); err != nil {
				return result{err: err}
			}
			r, err := timeCmd(argv)
			r.name, r.err, r.allocs = "`"+strings.ReplaceAll(strings.Join(argv, " "), tmp, "$TMP")+"`", err, -1
			return r
		}))
	}
	logResults := logBenchmarks(*conn, *eve, *runs)

	// The packet count comes from the first in-process run that counted.
	var packets uint64
	for _, r := range results {
		if r.err == nil && r.packets > 0 {
			packets = r.packets
			break
		}
	}
	printTable(out, path, size, packets, *runs, *reload, results)
	if len(logResults) > 0 {
		printLogTable(out, *runs, logResults)
	}
	return nil
}

// emptyDir removes what dir holds.
func emptyDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// best runs m n times and keeps the shortest successful wall time.
func best(n int, m func() result) result {
	var b result
	for i := 0; i < n; i++ {
		r := m()
		if r.err != nil {
			return r
		}
		if i == 0 || r.wall < b.wall {
			b = r
		}
	}
	return b
}

// inProcess times b with the garbage collector settled first and counts
// heap allocations (runtime.MemStats.Mallocs) over the run.
func inProcess(b bench, path string) result {
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	n, err := b.run(path)
	wall := time.Since(t0)
	runtime.ReadMemStats(&m1)
	r := result{name: b.name, wall: wall, packets: n, err: err, allocs: -1}
	if n > 0 {
		r.allocs = float64(m1.Mallocs-m0.Mallocs) / float64(n)
	}
	return r
}

// timeCmd runs argv with stdout to /dev/null and returns its wall time and
// peak RSS.
func timeCmd(argv []string) (result, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout = nil // /dev/null
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t0 := time.Now()
	err := cmd.Run()
	r := result{wall: time.Since(t0)}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.maxRSSKB = ru.Maxrss // kilobytes on Linux
		}
	}
	if err != nil {
		return r, fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, strings.TrimSpace(stderr.String()))
	}
	return r, nil
}

// gopacketRun is the reference reader and decoder.
func gopacketRun(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var read func() ([]byte, gopacket.CaptureInfo, error)
	magic, err := br.Peek(4)
	if err != nil {
		return 0, err
	}
	if string(magic) == "\x0a\x0d\x0d\x0a" {
		r, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return 0, err
		}
		read = r.ZeroCopyReadPacketData
	} else {
		r, err := pcapgo.NewReader(br)
		if err != nil {
			return 0, err
		}
		read = r.ZeroCopyReadPacketData
	}
	var (
		eth   layers.Ethernet
		dot1q layers.Dot1Q
		ip4   layers.IPv4
		ip6   layers.IPv6
		tcp   layers.TCP
		udp   layers.UDP
	)
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &dot1q, &ip4, &ip6, &tcp, &udp)
	parser.IgnoreUnsupported = true
	decoded := make([]gopacket.LayerType, 0, 8)
	var n, transport uint64
	for {
		data, _, err := read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
		n++
		parser.DecodeLayers(data, &decoded)
		if len(decoded) > 0 {
			switch decoded[len(decoded)-1] {
			case layers.LayerTypeTCP, layers.LayerTypeUDP:
				transport++
			}
		}
	}
	sink += transport
	return n, nil
}

// sink keeps results alive so that no decoding is optimised away.
var sink uint64

func gbps(bytes int64, d time.Duration) float64 { return float64(bytes) / d.Seconds() / 1e9 }

func printTable(w io.Writer, path string, size int64, packets uint64, runs int, reloaded bool, rs []result) {
	fmt.Fprintf(w, "Capture `%s`: %d bytes, %d packets. Best of %d runs each, page cache warm (reloaded from disk first: %v); %s, GOMAXPROCS=%d, %s.\n\n",
		path, size, packets, runs, reloaded, runtime.Version(), runtime.GOMAXPROCS(0), cpuModel())
	fmt.Fprintln(w, "| measurement | wall | packets/s | GB/s | allocs/packet | peak RSS | vs cat | vs gopacket |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	var catPPS, gpPPS float64
	for i, r := range rs {
		if r.err != nil {
			fmt.Fprintf(w, "| %s | error: %v | | | | | | |\n", r.name, oneLine(r.err))
			continue
		}
		pps := float64(packets) / r.wall.Seconds()
		if i == 0 {
			catPPS = pps
		}
		if i == 1 {
			gpPPS = pps
		}
		allocs, rss := "-", "-"
		if r.allocs >= 0 {
			allocs = fmt.Sprintf("%.2f", r.allocs)
		}
		if r.maxRSSKB > 0 {
			rss = fmt.Sprintf("%.1f MiB", float64(r.maxRSSKB)/1024)
		}
		ratio := func(base float64) string {
			if base == 0 || packets == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2fx", pps/base)
		}
		fmt.Fprintf(w, "| %s | %.3f s | %s | %.2f | %s | %s | %s | %s |\n",
			r.name, r.wall.Seconds(), human(pps), gbps(size, r.wall), allocs, rss, ratio(catPPS), ratio(gpPPS))
		if r.packets > 0 && packets > 0 && r.packets != packets {
			fmt.Fprintf(w, "\nWARNING: %s counted %d packets, expected %d\n\n", r.name, r.packets, packets)
		}
	}
	fmt.Fprintln(w, "\nRatios are packets/s relative to the cat and gopacket rows (higher is faster).")
}

func oneLine(err error) string {
	s := strings.ReplaceAll(err.Error(), "\n", " ")
	return strings.ReplaceAll(s, "|", "/")
}

func human(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2f M", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1f k", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			if i := strings.IndexByte(l, ':'); i >= 0 {
				return strings.TrimSpace(l[i+1:])
			}
		}
	}
	return runtime.GOARCH
}
