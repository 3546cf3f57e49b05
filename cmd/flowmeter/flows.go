package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"strings"
	"time"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/features/decode"
	"github.com/flowmeter/flowmeter/features/engine"
	"github.com/flowmeter/flowmeter/formats"
	"github.com/flowmeter/flowmeter/reader"
)

var flowsCmd = &command{
	name:    "flows",
	summary: "write one feature record per bidirectional flow (CSV, JSON lines, Parquet)",
	usage: `Usage: flowmeter flows [flags] CAPTURE...

Reads pcap/pcapng captures (plain, gzip or zstd; files, directories, globs,
or - for standard input), groups packets into bidirectional flows and writes
one record per flow as it ends. Several captures are read in timestamp order,
so flows that span rotated files come out whole.

Flags:
  -o, --output FILE        output file, - for standard output (default -)
  -f, --format FMT         csv, jsonl or parquet (default: from the output's
                           extension, else csv)
  --schema NAME            native (default), flowmeter (the prior tool's
                           names), cic2017 or cic2018 (CICFlowMeter datasets)
  --idle-timeout D         end a flow after D without packets (default 120s)
  --active-timeout D       cut a flow record D after its start; 0 = never
                           (default 1800s)
  --tcp-linger D           keep a TCP flow D after both FINs or a RST for the
                           last ACKs (default 5s)
  --max-flows N            bound on concurrent flows; the longest-idle flow is
                           evicted (default 0 = unbounded)
  --early-packets N        early-flow sequence length, 0-16 (default 10)
  --community-id-seed N    Community ID seed (default 0)
  --key-vlan               separate flows by outer VLAN ID
  --key-tunnel             separate flows by outer tunnel endpoints
  --tunnel-carriers        also count packets tunnelled in UDP (VXLAN, GENEVE,
                           GTP-U, Teredo) in a flow of the tunnel itself, as
                           Zeek logs it (default off; on for enrich)
  --workers N              flow-table shards (default 1; 0 = one per core)
  -q, --quiet              no progress bar and no summary

Durations take Go syntax (90s, 5m, 1h) or plain seconds.

Examples:
  flowmeter flows -o flows.csv capture.pcap
  flowmeter flows --format parquet -o day.parquet /archive/2024-05-01/
  flowmeter flows --schema cic2018 -o cic.csv 'rotated-*.pcap.gz'
  tcpdump -w - -i eth0 | flowmeter flows -f jsonl -
`,
}

func init() { flowsCmd.run = runFlows }

// flowFlags are the flow-table flags shared by flows and enrich.
type flowFlags struct {
	idle, active, linger time.Duration
	maxFlows, early      int
	seed                 uint
	keyVLAN, keyTunnel   bool
	carriers             bool // set before register to change the default
	workers              int
}

func (ff *flowFlags) register(fs *flag.FlagSet) {
	d := features.DefaultOptions()
	ff.idle = time.Duration(d.IdleTimeout)
	ff.active = time.Duration(d.ActiveTimeout)
	ff.linger = time.Duration(d.TCPLinger)
	fs.Var(durationFlag{&ff.idle}, "idle-timeout", "")
	fs.Var(durationFlag{&ff.active}, "active-timeout", "")
	fs.Var(durationFlag{&ff.linger}, "tcp-linger", "")
	fs.IntVar(&ff.maxFlows, "max-flows", 0, "")
	fs.IntVar(&ff.early, "early-packets", d.EarlyPackets, "")
	fs.UintVar(&ff.seed, "community-id-seed", 0, "")
	fs.BoolVar(&ff.keyVLAN, "key-vlan", false, "")
	fs.BoolVar(&ff.keyTunnel, "key-tunnel", false, "")
	fs.BoolVar(&ff.carriers, "tunnel-carriers", ff.carriers, "")
	fs.IntVar(&ff.workers, "workers", 1, "")
}

func (ff *flowFlags) config() (engine.Config, error) {
	o := features.DefaultOptions()
	o.IdleTimeout = int64(ff.idle)
	o.ActiveTimeout = int64(ff.active)
	o.TCPLinger = int64(ff.linger)
	if ff.maxFlows < 0 {
		return engine.Config{}, usagef("--max-flows must be >= 0")
	}
	o.MaxFlows = ff.maxFlows
	if ff.early < 0 || ff.early > features.MaxEarlyPackets {
		return engine.Config{}, usagef("--early-packets must be between 0 and %d", features.MaxEarlyPackets)
	}
	o.EarlyPackets = ff.early
	if ff.seed > 0xffff {
		return engine.Config{}, usagef("--community-id-seed must be between 0 and 65535")
	}
	o.CommunityIDSeed = uint16(ff.seed)
	o.Key = features.KeyOptions{VLAN: ff.keyVLAN, Tunnel: ff.keyTunnel}
	o.TunnelCarriers = ff.carriers
	w := ff.workers
	if w <= 0 {
		w = runtime.NumCPU()
	}
	return engine.Config{Flow: o, Workers: w}, nil
}

// formatFor picks the output format from the flag or the file extension.
func formatFor(flagVal, path string) string {
	if flagVal != "" {
		return flagVal
	}
	p := strings.ToLower(path)
	switch {
	case strings.HasSuffix(p, ".parquet"):
		return "parquet"
	case strings.HasSuffix(p, ".jsonl"), strings.HasSuffix(p, ".json"), strings.HasSuffix(p, ".ndjson"):
		return "jsonl"
	}
	return "csv"
}

func openSource(paths []string) (reader.Source, error) {
	if len(paths) == 1 && paths[0] == "-" {
		return reader.Open("-")
	}
	for _, p := range paths {
		if p == "-" {
			return nil, usagef("standard input (-) cannot be mixed with other captures")
		}
	}
	// The engine reads on a goroutine of its own beside the flow table
	// (engine.Run): the read-ahead goroutine only maps and releases pages
	// (a third goroutine loading them too made `flows` 30% slower on two
	// cores; docs/PERFORMANCE.md).
	src, err := reader.OpenMultiWith(paths, reader.Options{MapOnlyReadAhead: runtime.GOMAXPROCS(0) > 1})
	if errors.Is(err, fs.ErrNotExist) {
		var pe *fs.PathError
		var fe *reader.FileError
		switch {
		case errors.As(err, &pe):
			return nil, fmt.Errorf("%s: no such file or directory (give capture files, directories, globs, or - for standard input)", pe.Path)
		case errors.As(err, &fe):
			return nil, fmt.Errorf("%s: matches no file (give capture files, directories, globs, or - for standard input)", fe.Path)
		}
	}
	return src, err
}

func runFlows(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flows", flag.ContinueOnError)
	var ff flowFlags
	ff.register(fs)
	var out, format, schemaName string
	var quiet bool
	fs.StringVar(&out, "o", "-", "")
	fs.StringVar(&out, "output", "-", "")
	fs.StringVar(&format, "f", "", "")
	fs.StringVar(&format, "format", "", "")
	fs.StringVar(&schemaName, "schema", features.SchemaNative, "")
	fs.BoolVar(&quiet, "q", false, "")
	fs.BoolVar(&quiet, "quiet", false, "")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, flowsCmd.usage)
		}
		return err
	}
	if len(paths) == 0 {
		return usagef("no capture given (a file, directory, glob, or - for standard input)")
	}
	cfg, err := ff.config()
	if err != nil {
		return err
	}
	format = formatFor(format, out)
	schema, err := features.SchemaFor(schemaName, cfg.Flow.EarlyPackets)
	if err != nil {
		return usagef("%v", err)
	}
	if format != "csv" {
		schema = schema.Deduplicated() // JSON keys and Parquet columns must be unique
	}
	if format == "parquet" && out == "-" {
		return usagef("Parquet needs a file: add -o FILE.parquet (standard output takes csv or jsonl)")
	}
	src, err := openSource(paths)
	if err != nil {
		return err
	}
	defer src.Close()

	af, err := formats.CreateAtomic(out)
	if err != nil {
		return err
	}
	defer af.Abort()
	w, err := formats.NewFlowWriter(format, af, schema)
	if err != nil {
		return usagef("%v", err)
	}
	prog := &engine.Progress{}
	var bar *progressBar
	if !quiet {
		bar = startProgress(stderr, prog, inputSize(paths))
	}
	began := time.Now()
	var st engine.Stats
	var runErr error
	if tw, ok := w.(formats.TextWriter); ok {
		// CSV and JSON lines: lines are made on whichever core has time.
		st, runErr = engine.RunText(ctx, src, cfg, engine.Text{Encode: tw.AppendRecords, Write: tw.WriteRecords}, prog)
	} else if pw, ok := w.(*formats.ParquetWriter); ok {
		// Parquet: rows too; parquet-go encodes and compresses them as
		// they are written.
		st, runErr = engine.RunBatches(ctx, src, cfg, engine.Batches{
			Prepare: func(prev any, flows []features.Flow) any {
				r, _ := prev.(*formats.ParquetRows)
				return pw.PrepareRows(r, flows)
			},
			Write: func(rows any) error { return pw.WriteRows(rows.(*formats.ParquetRows)) },
		}, prog)
	} else {
		batcher := engine.NewBatcher(256, w.Write)
		st, runErr = engine.Run(ctx, src, cfg, batcher.Emit, prog)
		if err := batcher.Close(); err != nil {
			bar.stop()
			return fmt.Errorf("writing %s: %w", out, err)
		}
	}
	bar.stop()
	if runErr != nil && ctx.Err() == nil { // not an interrupt: a write error
		return fmt.Errorf("writing %s: %w", out, runErr)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if err := af.Commit(); err != nil {
		return err
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "flowmeter flows: interrupted after %d packets; every flow so far was ended and written\n", st.Packets)
	}
	elapsed := time.Since(began)
	warnings := readWarnings(src, st.ReadError)
	if !quiet {
		printSummary(stderr, &st, elapsed, warnings)
		if out != "-" {
			fmt.Fprintf(stderr, "Wrote %d flows to %s (%s, schema %s).\n", st.Table.Flows, out, format, schema.Name)
		}
	} else {
		for _, w := range warnings {
			fmt.Fprintf(stderr, "warning: %v\n", w)
		}
	}
	return nil
}

// readWarnings collects the problems met while reading: per-file problems
// of a multi-capture source and the error that ended a single capture.
func readWarnings(src reader.Source, readErr error) []error {
	var ws []error
	if m, ok := src.(*reader.MultiSource); ok {
		ws = append(ws, m.Warnings()...)
	}
	if readErr != nil {
		ws = append(ws, readErr)
	}
	return ws
}

func printSummary(w io.Writer, st *engine.Stats, elapsed time.Duration, warnings []error) {
	secs := elapsed.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(st.Packets) / secs
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Read %d packets (%s) in %.2fs, %s packets/s; %d flows",
		st.Packets, humanBytes(st.Bytes), secs, human(rate), st.Table.Flows)
	var reasons []string
	for r := features.EndIdle; r <= features.EndCapture; r++ {
		if n := st.Table.Reasons[r]; n > 0 {
			reasons = append(reasons, fmt.Sprintf("%s %d", r, n))
		}
	}
	if len(reasons) > 0 {
		fmt.Fprintf(&b, " (ended by %s)", strings.Join(reasons, ", "))
	}
	if st.Table.PeakFlows > 0 {
		fmt.Fprintf(&b, "; at most %d open at once", st.Table.PeakFlows)
	}
	if st.Table.Evicted > 0 {
		fmt.Fprintf(&b, "; %d evicted by --max-flows", st.Table.Evicted)
	}
	if st.NotIP > 0 {
		fmt.Fprintf(&b, "; %d non-IP frames skipped", st.NotIP)
	}
	var bad []string
	for s, n := range st.Undecodable {
		if n == 0 {
			continue
		}
		if decode.Status(s) == decode.StatusUnsupportedLink {
			for lt, c := range st.Unsupported {
				bad = append(bad, fmt.Sprintf("unsupported link type %d (%s): %d", lt, decode.LinkTypeName(lt), c))
			}
			continue
		}
		bad = append(bad, fmt.Sprintf("%s: %d", decode.Status(s), n))
	}
	if len(bad) > 0 {
		fmt.Fprintf(&b, "; undecodable packets skipped: %s", strings.Join(bad, ", "))
	}
	if st.Table.FragOrphans > 0 {
		fmt.Fprintf(&b, "; %d IP fragments without their first fragment (port-less flows)", st.Table.FragOrphans)
	}
	b.WriteString(".")
	fmt.Fprintln(w, wrap(b.String(), 78))
	for _, e := range warnings {
		msg := e.Error()
		if errors.Is(e, reader.ErrTruncated) {
			msg += " (every complete packet before it was used)"
		}
		fmt.Fprintf(w, "warning: %s\n", msg)
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// wrap breaks s into lines of at most width runes at spaces.
func wrap(s string, width int) string {
	var b strings.Builder
	line := 0
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if line+1+len(word) > width {
				b.WriteByte('\n')
				line = 0
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}
