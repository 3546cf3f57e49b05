// Command flowmeter turns packet captures into bidirectional flow records
// with statistical features, and inspects captures.
//
//	flowmeter inspect CAPTURE...
//	flowmeter flows [flags] CAPTURE...
//	flowmeter help [COMMAND]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"runtime/trace"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	name    string
	summary string
	usage   string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands []*command

func init() {
	commands = []*command{inspectCmd, flowsCmd, enrichCmd, versionCmd}
}

var versionCmd = &command{
	name:    "version",
	summary: "print the version",
	usage:   "flowmeter version\n",
	run: func(_ context.Context, _ []string, stdout, _ io.Writer) error {
		fmt.Fprintln(stdout, "flowmeter", version)
		return nil
	},
}

// errUsage marks an error caused by the command line; main prints the
// command's usage hint with it and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// FLOWMETER_CPUPROFILE=FILE writes a pprof CPU profile of the run,
	// FLOWMETER_TRACE=FILE a runtime execution trace (go tool trace).
	stopCPU := startRecording("FLOWMETER_CPUPROFILE", pprof.StartCPUProfile, pprof.StopCPUProfile)
	stopTrace := startRecording("FLOWMETER_TRACE", trace.Start, trace.Stop)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopTrace()
	stopCPU()
	stop()
	os.Exit(code)
}

// startRecording starts a recorder (CPU profile, execution trace) into the
// file named by the environment variable env, if set, and returns what
// stops it and closes the file. Failures are ignored: the run goes on
// unrecorded.
func startRecording(env string, start func(io.Writer) error, stopRec func()) func() {
	p := os.Getenv(env)
	if p == "" {
		return func() {}
	}
	f, err := os.Create(p)
	if err != nil {
		return func() {}
	}
	if start(f) != nil {
		f.Close()
		return func() {}
	}
	return func() {
		stopRec()
		f.Close()
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printHelp(stderr, "")
		return 2
	}
	name := args[0]
	switch name {
	case "help", "-h", "--help", "-help":
		topic := ""
		if len(args) > 1 {
			topic = args[1]
		}
		if !printHelp(stdout, topic) {
			fmt.Fprintf(stderr, "flowmeter: no help for %q\n", topic)
			return 2
		}
		return 0
	case "--version", "-version":
		name = "version"
	}
	for _, c := range commands {
		if c.name != name {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		if err == nil {
			return 0
		}
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "flowmeter %s: %s\nRun 'flowmeter help %s' for usage.\n", c.name, ue.msg, c.name)
			return 2
		}
		fmt.Fprintf(stderr, "flowmeter %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(stderr, "flowmeter: unknown command %q\nRun 'flowmeter help' for the list of commands.\n", name)
	return 2
}

func printHelp(w io.Writer, topic string) bool {
	if topic == "" {
		fmt.Fprint(w, `flowmeter turns packet captures into bidirectional flows with statistical
features, and joins them to Zeek and Suricata logs.

Usage:
  flowmeter COMMAND [flags] [arguments]

Commands:
`)
		for _, c := range commands {
			fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
		}
		fmt.Fprint(w, `
Run 'flowmeter help COMMAND' for a command's flags and examples.
Documentation: docs/ (FEATURES.md, FLOWS.md, OUTPUTS.md, CLI.md).
`)
		return true
	}
	for _, c := range commands {
		if c.name == topic {
			fmt.Fprint(w, c.usage)
			return true
		}
	}
	return false
}
