package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/flowmeter/flowmeter/enricher"
	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/features/engine"
	"github.com/flowmeter/flowmeter/formats"
	"github.com/flowmeter/flowmeter/reader"
)

var enrichCmd = &command{
	name:    "enrich",
	summary: "join flows to a Zeek conn.log or Suricata eve.json and append their features",
	usage: `Usage: flowmeter enrich --pcap CAPTURE... (--zeek conn.log | --eve eve.json) -o OUT [flags]

Builds flows from the captures, then streams the log and joins each record
to the flows with the same Community ID (the record's community_id, or one
computed from its 5-tuple with --community-id-seed) whose time overlaps the
record's span (conn: ts .. ts+duration; eve flow: flow.start .. flow.end;
other eve events: their timestamp) within --time-tolerance. Several flows of
one record are merged exactly. Every original field is kept; unmatched
records say why. See docs/ENRICH.md.

Flags:
  --pcap CAPTURE           capture to build flows from (repeat, or give
                           captures as arguments; files, directories, globs)
  --zeek FILE              Zeek conn.log, TSV or JSON, plain or gzip
  --eve FILE               Suricata eve.json, plain or gzip
  -o, --output FILE        output file, - for standard output (default -)
  -f, --format FMT         jsonl, parquet or zeek (default: from the output's
                           extension, else jsonl; zeek needs a TSV conn.log)
  --schema NAME            feature schema: native (default), flowmeter,
                           cic2017, cic2018
  --ecs                    jsonl: add Elastic Common Schema fields (source.*,
                           destination.*, network.*, event.*)
  --unmatched MODE         emit or drop flows that no record matched
                           (default drop)
  --time-tolerance D       slack on both sides of a record's time span
                           (default 1s)
  --no-swap                keep per-direction features in our initiator's
                           orientation when the record's originator is our
                           responder
  --model FILE             classification model (not yet supported)
  --follow                 streaming join: tail the log as it grows (rotation
                           and truncation are followed) while the capture is
                           read, and write each record once the capture has
                           passed its end + --time-tolerance + the flow idle
                           timeout + TCP linger (or the active timeout, if
                           shorter). Ends when the capture has ended and the
                           log had no new data for --follow-idle, or on
                           SIGINT/SIGTERM (everything read is written).
                           Memory: open flows + flows within the window.
  --follow-idle D          --follow: stop after the log had no new data for D
                           once the capture has ended (default 5s)
  --follow-window D        --follow: keep flows D of capture time after the
                           slower stream has passed them; must cover how late
                           the log writes a record (default 6m)
  -q, --quiet              no progress and no summary
  Flow flags as for 'flowmeter flows': --idle-timeout, --active-timeout,
  --tcp-linger, --max-flows, --early-packets, --community-id-seed,
  --key-vlan, --key-tunnel, --tunnel-carriers (default on here: Zeek
  logs the UDP connection of a VXLAN/GENEVE/GTP-U/Teredo tunnel too; give
  --tunnel-carriers=false to count tunnelled packets only once), --workers.

Examples:
  flowmeter enrich --pcap day.pcap --zeek conn.log -o conn.enriched.jsonl
  flowmeter enrich --pcap day.pcap --zeek conn.log -f zeek -o conn.flowmeter.log
  flowmeter enrich --pcap day.pcap --eve eve.json --ecs -o eve.ecs.jsonl
  flowmeter enrich --pcap /archive/ --zeek conn.log.gz -o joined.parquet
  flowmeter enrich --follow --pcap day.pcap --zeek /opt/zeek/logs/current/conn.log -o -
`,
}

func init() { enrichCmd.run = runEnrich }

// multiFlag collects a repeated string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func runEnrich(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("enrich", flag.ContinueOnError)
	var ff flowFlags
	ff.carriers = true // Zeek logs a UDP tunnel's own connection; count it
	ff.register(fs)
	var pcaps multiFlag
	var zeekLog, eveLog, out, format, schemaName, unmatched, model string
	var ecs, quiet, noSwap, follow bool
	tol := time.Second
	followIdle, followWindow := 5*time.Second, time.Duration(enricher.DefaultStreamWindow)
	fs.Var(&pcaps, "pcap", "")
	fs.StringVar(&zeekLog, "zeek", "", "")
	fs.StringVar(&eveLog, "eve", "", "")
	fs.StringVar(&out, "o", "-", "")
	fs.StringVar(&out, "output", "-", "")
	fs.StringVar(&format, "f", "", "")
	fs.StringVar(&format, "format", "", "")
	fs.StringVar(&schemaName, "schema", features.SchemaNative, "")
	fs.StringVar(&unmatched, "unmatched", "drop", "")
	fs.StringVar(&model, "model", "", "")
	fs.BoolVar(&ecs, "ecs", false, "")
	fs.BoolVar(&noSwap, "no-swap", false, "")
	fs.BoolVar(&follow, "follow", false, "")
	fs.Var(durationFlag{&tol}, "time-tolerance", "")
	fs.Var(durationFlag{&followIdle}, "follow-idle", "")
	fs.Var(durationFlag{&followWindow}, "follow-window", "")
	fs.BoolVar(&quiet, "q", false, "")
	fs.BoolVar(&quiet, "quiet", false, "")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, enrichCmd.usage)
		}
		return err
	}
	pcaps = append(pcaps, rest...)
	switch {
	case len(pcaps) == 0:
		return usagef("no capture given (--pcap FILE)")
	case zeekLog == "" && eveLog == "":
		return usagef("no log given (--zeek conn.log or --eve eve.json)")
	case zeekLog != "" && eveLog != "":
		return usagef("give one log: --zeek or --eve, not both")
	case unmatched != "emit" && unmatched != "drop":
		return usagef("--unmatched must be emit or drop")
	case model != "":
		return fmt.Errorf("--model: classification is not yet supported")
	case follow && (followIdle <= 0 || followWindow <= 0):
		return usagef("--follow-idle and --follow-window must be positive")
	}
	cfg, err := ff.config()
	if err != nil {
		return err
	}
	schema, err := features.SchemaFor(schemaName, cfg.Flow.EarlyPackets)
	if err != nil {
		return usagef("%v", err)
	}
	format = enrichFormat(format, out)
	switch format {
	case "jsonl", "zeek", "parquet":
	default:
		return usagef("--format must be jsonl, parquet or zeek")
	}
	if format == "parquet" && out == "-" {
		return usagef("Parquet needs a file: add -o FILE.parquet")
	}
	if ecs && format != "jsonl" {
		return usagef("--ecs applies to jsonl output only")
	}
	logPath := zeekLog
	if eveLog != "" {
		logPath = eveLog
		if format == "zeek" {
			return usagef("Zeek TSV output needs a Zeek TSV conn.log as input (use jsonl or parquet for eve.json)")
		}
	}
	var logFile io.Reader
	var tail *enricher.Tail
	if follow {
		tail, err = enricher.OpenTail(logPath, enricher.TailOptions{Idle: followIdle}, ctx.Done())
		if err != nil {
			return err
		}
		defer tail.Close()
		logFile = tail
	} else {
		f, err := os.Open(logPath)
		if err != nil {
			return err
		}
		defer f.Close()
		logFile = f
	}
	var src enricher.Source
	if eveLog != "" {
		src, err = enricher.OpenEve(logFile)
	} else {
		src, err = enricher.OpenZeek(logFile)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", logPath, err)
	}
	if format == "zeek" && src.Kind() != enricher.LogZeekTSV {
		return usagef("Zeek TSV output needs a Zeek TSV conn.log as input; %s is %s", logPath, src.Kind())
	}

	eo := enricher.DefaultOptions()
	eo.Seed = cfg.Flow.CommunityIDSeed
	eo.Tolerance = int64(tol)
	eo.NoSwap = noSwap
	capSrc, err := openSource(pcaps)
	if err != nil {
		return err
	}
	defer capSrc.Close()
	if follow {
		so := enricher.StreamOptions{Hold: enricher.DefaultHold(cfg.Flow), Window: int64(followWindow),
			EmitUnmatched: unmatched == "emit", LogQuiet: tail.Quiet, CaptureDone: tail.CaptureDone}
		return runFollow(ctx, capSrc, cfg, src, schema, eo, so, format, out, ecs, quiet, logPath, stderr)
	}

	// Pass 1: flows.
	ix := enricher.NewIndex(eo, 0)
	prog := &engine.Progress{}
	var bar *progressBar
	if !quiet {
		bar = startProgress(stderr, prog, inputSize(pcaps))
	}
	began := time.Now()
	st, runErr := engine.Run(ctx, capSrc, cfg, ix.Add, prog)
	bar.stop()
	if runErr != nil {
		return fmt.Errorf("reading captures: %w", runErr)
	}
	if !quiet {
		printSummary(stderr, &st, time.Since(began), readWarnings(capSrc, st.ReadError))
	}

	// Pass 2: the log.
	af, err := formats.CreateAtomic(out)
	if err != nil {
		return err
	}
	defer af.Abort()
	var sink enricher.Sink
	switch format {
	case "jsonl":
		sink = enricher.NewJSONLWriter(af, schema, enricher.JSONLOptions{ECS: ecs})
	case "zeek":
		sink = enricher.NewZeekWriter(af, schema, src.Header())
	case "parquet":
		var po enricher.ParquetOptions
		if eveLog != "" {
			// A regular file is read once more for the column types.
			if po.Eve, err = enricher.InferEveSchemaFile(eveLog, enricher.EveSchemaOptions{}); err != nil {
				return fmt.Errorf("%s: %w", logPath, err)
			}
		}
		sink, err = enricher.NewParquetWriter(af, schema, src, po)
		if err != nil {
			return err
		}
	}
	began = time.Now()
	sum, joinErr := enricher.JoinLog(ctx, src, ix, sink, unmatched == "emit", nil)
	if err := sink.Close(); err != nil && joinErr == nil {
		joinErr = err
	}
	if joinErr != nil {
		return fmt.Errorf("joining %s: %w", logPath, joinErr)
	}
	if err := af.Commit(); err != nil {
		return err
	}
	if !quiet {
		printEnrichSummary(stderr, &sum, time.Since(began), logPath, out, format)
	}
	return nil
}

// runFollow runs the streaming join. Output goes straight to the file (not
// through a temporary file) so that it can be read while it grows.
func runFollow(ctx context.Context, capSrc reader.Source, cfg engine.Config, src enricher.Source, schema *features.Schema,
	eo enricher.Options, so enricher.StreamOptions, format, out string, ecs, quiet bool, logPath string, stderr io.Writer) error {
	var w io.Writer = os.Stdout
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	var sink enricher.Sink
	var err error
	switch format {
	case "jsonl":
		sink = enricher.NewJSONLWriter(w, schema, enricher.JSONLOptions{ECS: ecs})
	case "zeek":
		sink = enricher.NewZeekWriter(w, schema, src.Header())
	case "parquet":
		if sink, err = enricher.NewParquetWriter(w, schema, src, enricher.ParquetOptions{}); err != nil {
			return err
		}
	}
	var st engine.Stats
	so.Stats = &st
	began := time.Now()
	sum, joinErr := enricher.StreamJoin(ctx, capSrc, cfg, src, sink, eo, so, nil)
	if err := sink.Close(); err != nil && joinErr == nil {
		joinErr = err
	}
	if joinErr != nil {
		return fmt.Errorf("joining %s: %w", logPath, joinErr)
	}
	if !quiet {
		printSummary(stderr, &st, time.Since(began), readWarnings(capSrc, st.ReadError))
		printEnrichSummary(stderr, &sum, time.Since(began), logPath, out, format)
		fmt.Fprintf(stderr, "  Streaming: at most %d flows and %d records held; %d late records (arrived after flows they overlap left the window), %d late flows (ended after their record was written)%s.\n",
			sum.PeakFlows, sum.PeakPending, sum.LateRecords, sum.LateFlows, map[bool]string{true: "; interrupted", false: ""}[sum.Interrupted])
	}
	return nil
}

// enrichFormat picks the output format from the flag or the extension.
func enrichFormat(flagVal, path string) string {
	if flagVal != "" {
		return flagVal
	}
	p := strings.ToLower(path)
	switch {
	case strings.HasSuffix(p, ".parquet"):
		return "parquet"
	case strings.HasSuffix(p, ".log"), strings.HasSuffix(p, ".tsv"):
		return "zeek"
	}
	return "jsonl"
}

func printEnrichSummary(w io.Writer, s *enricher.Summary, elapsed time.Duration, logPath, out, format string) {
	secs := elapsed.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(s.Records) / secs
	}
	fmt.Fprintf(w, "Joined %d records of %s in %.2fs (%s records/s): %d matched (%.1f%%), %d unmatched",
		s.Records, logPath, secs, human(rate), s.Matched, pctOf(s.Matched, s.Records), s.UnmatchedTotal())
	var why []string
	for r := enricher.NoCommunityID; r <= enricher.NoOverlap; r++ {
		if n := s.Unmatched[r]; n > 0 {
			why = append(why, fmt.Sprintf("%s %d", r, n))
		}
	}
	if len(why) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(why, ", "))
	}
	fmt.Fprintln(w, ".")
	if s.MultiFlow > 0 || s.Swapped > 0 || s.IDSources[enricher.IDZeekSCTP] > 0 {
		fmt.Fprintf(w, "  %d records merged several flows; %d swapped to the record's orientation; %d SCTP records matched by Zeek's port-less ID.\n",
			s.MultiFlow, s.Swapped, s.IDSources[enricher.IDZeekSCTP])
	}
	fmt.Fprintf(w, "  Community IDs: %d logged, %d computed.\n", s.IDSources[enricher.IDLogged], s.IDSources[enricher.IDComputed])
	if s.BadTime > 0 {
		fmt.Fprintf(w, "  %d records with an unparseable time (masked?) were matched by Community ID alone.\n", s.BadTime)
	}
	fmt.Fprintf(w, "  Flows: %d, %d matched a record, %d without a record emitted, %d dropped.\n",
		s.Flows, s.FlowsUsed, s.FlowsEmitted, s.FlowsDropped)
	if s.Malformed > 0 {
		fmt.Fprintf(w, "  %d malformed log lines skipped:", s.Malformed)
		for i, m := range s.MalformedLines {
			if i == 10 {
				fmt.Fprintf(w, " ...")
				break
			}
			fmt.Fprintf(w, " line %d (%s)", m.Line, m.Reason)
		}
		fmt.Fprintln(w)
	}
	if out != "-" {
		fmt.Fprintf(w, "Wrote %s (%s).\n", out, format)
	}
}

func pctOf(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
