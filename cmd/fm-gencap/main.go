// Command fm-gencap writes a deterministic synthetic capture and the files
// that describe it, for benchmarks and end-to-end tests.
//
//	fm-gencap -o DIR [-packets N] [-concurrent N] [-seed S] [-synflood N]
//	          [-zeek] [-eve] [-conn-records N] [-eve-records N]
//
// It writes DIR/synth.pcap (nanosecond pcap, Ethernet) and
// DIR/synth.truth.tsv; with -zeek DIR/conn.log, with -eve DIR/eve.json;
// with -synflood N also DIR/synflood.pcap and DIR/synflood.truth.tsv.
// -packets 0 skips the main capture (with -conn-records or -eve-records it
// writes only the logs, every record synthetic).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/flowmeter/flowmeter/internal/gencap"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fm-gencap:", err)
		os.Exit(1)
	}
}

func run(args []string, log io.Writer) error {
	fs := flag.NewFlagSet("fm-gencap", flag.ContinueOnError)
	fs.SetOutput(log)
	dir := fs.String("o", "", "output directory (created if missing)")
	packets := fs.Int("packets", 1_000_000, "minimum number of packets in synth.pcap (0: no main capture)")
	concurrent := fs.Int("concurrent", 0, "flows active at once (0: packets/100, within 16..50000)")
	seed := fs.Uint64("seed", 1, "random seed; same seed and flags give the same bytes")
	synflood := fs.Int("synflood", 0, "also write synflood.pcap: N SYNs from distinct spoofed sources to one server")
	zeek := fs.Bool("zeek", false, "also write conn.log (Zeek TSV) describing the flows")
	eve := fs.Bool("eve", false, "also write eve.json (Suricata flow events) describing the flows")
	connRecords := fs.Int("conn-records", 0, "top conn.log up to N records with flows NOT in the capture (implies -zeek)")
	eveRecords := fs.Int("eve-records", 0, "top eve.json up to N events with flows NOT in the capture (implies -eve)")
	cidSeed := fs.Uint("cid-seed", 0, "Community ID seed for conn.log and eve.json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("-o DIR is required and no arguments are taken")
	}
	if *packets < 0 || *concurrent < 0 || *synflood < 0 || *connRecords < 0 || *eveRecords < 0 {
		return fmt.Errorf("counts must not be negative")
	}
	if *cidSeed > 0xffff {
		return fmt.Errorf("-cid-seed %d exceeds 65535", *cidSeed)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	var files []*os.File
	create := func(name string) (*os.File, error) {
		f, err := os.Create(filepath.Join(*dir, name))
		if err == nil {
			files = append(files, f)
		}
		return f, err
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	closeAll := func() error {
		var first error
		for _, f := range files {
			if err := f.Close(); err != nil && first == nil {
				first = err
			}
		}
		files = nil
		return first
	}

	if *packets > 0 || *connRecords > 0 || *eveRecords > 0 {
		opt := gencap.Options{
			Packets:         *packets,
			Concurrent:      *concurrent,
			Seed:            *seed,
			ConnRecords:     *connRecords,
			EveRecords:      *eveRecords,
			CommunityIDSeed: uint16(*cidSeed),
		}
		// -packets 0 with -conn-records/-eve-records: logs only, all of
		// their records synthetic, no capture.
		var pcap io.Writer = io.Discard
		var err error
		if *packets > 0 {
			if pcap, err = create("synth.pcap"); err != nil {
				return err
			}
			if opt.Truth, err = create("synth.truth.tsv"); err != nil {
				return err
			}
		}
		if *zeek || *connRecords > 0 {
			if opt.Conn, err = create("conn.log"); err != nil {
				return err
			}
		}
		if *eve || *eveRecords > 0 {
			if opt.Eve, err = create("eve.json"); err != nil {
				return err
			}
		}
		t0 := time.Now()
		st, err := gencap.Generate(pcap, opt)
		if err != nil {
			return err
		}
		if err := closeAll(); err != nil {
			return err
		}
		el := time.Since(t0)
		if *packets > 0 {
			fmt.Fprintf(log, "synth.pcap: %d packets, %d flows (fin %d, rst %d, open %d, udp %d; %d TCP, %d IPv6, %d VLAN, %d reused tuples), %d bytes, span %.3f s\n",
				st.Packets, st.Flows, st.Ends[gencap.EndFin], st.Ends[gencap.EndRst], st.Ends[gencap.EndOpen], st.Ends[gencap.EndUDP],
				st.TCPFlows, st.IPv6Flows, st.VLANFlows, st.ReusedTuple, st.FileBytes, float64(st.LastNs-st.FirstNs)/1e9)
		}
		if opt.Conn != nil {
			fmt.Fprintf(log, "conn.log: %d records\n", st.ConnRecords)
		}
		if opt.Eve != nil {
			fmt.Fprintf(log, "eve.json: %d events\n", st.EveRecords)
		}
		if *packets > 0 {
			fmt.Fprintf(log, "generated in %.2f s (%.0f packets/s, %.0f MB/s written to the pcap)\n",
				el.Seconds(), float64(st.Packets)/el.Seconds(), float64(st.FileBytes)/el.Seconds()/1e6)
		} else {
			fmt.Fprintf(log, "generated in %.2f s\n", el.Seconds())
		}
	}
	if *synflood > 0 {
		pcap, err := create("synflood.pcap")
		if err != nil {
			return err
		}
		truth, err := create("synflood.truth.tsv")
		if err != nil {
			return err
		}
		t0 := time.Now()
		st, err := gencap.GenerateSynFlood(pcap, truth, *synflood, gencap.Options{Seed: *seed})
		if err != nil {
			return err
		}
		if err := closeAll(); err != nil {
			return err
		}
		fmt.Fprintf(log, "synflood.pcap: %d SYNs to 198.18.0.1:80, %d bytes, in %.2f s\n",
			st.Packets, st.FileBytes, time.Since(t0).Seconds())
	}
	return nil
}
