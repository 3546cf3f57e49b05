package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/flowmeter/flowmeter/features/decode"
	"github.com/flowmeter/flowmeter/features/engine"
	"github.com/flowmeter/flowmeter/reader"
)

var inspectCmd = &command{
	name:    "inspect",
	summary: "describe captures: format, link types, interfaces, packet counts, protocols",
	usage: `Usage: flowmeter inspect [--json] CAPTURE...

Reads each capture (pcap or pcapng, plain, gzip or zstd, or - for standard
input) and reports its format, link types and interfaces, the packet count,
the first and last timestamps, and how many packets have each link,
network, transport and tunnel layer, plus the packets that could not be
decoded, by reason. A capture cut short is reported with the byte offset of
the cut; every complete packet before it is counted.

Flags:
  --json    one JSON object per capture, for machines

Examples:
  flowmeter inspect testdata/sample.pcap
  flowmeter inspect --json /archive/*.pcapng.gz | jq .packets
`,
}

func init() { inspectCmd.run = runInspect }

// captureReport is what inspect prints for one capture. Its JSON form is
// documented in docs/CLI.md.
type captureReport struct {
	Path        string           `json:"path"`
	Format      string           `json:"format"`
	Compression string           `json:"compression"`
	Sections    int              `json:"sections,omitempty"`
	Interfaces  []ifaceReport    `json:"interfaces"`
	Packets     int64            `json:"packets"`
	Bytes       int64            `json:"captured_bytes"`
	First       string           `json:"first_timestamp,omitempty"`
	Last        string           `json:"last_timestamp,omitempty"`
	FirstNs     int64            `json:"first_timestamp_ns,omitempty"`
	LastNs      int64            `json:"last_timestamp_ns,omitempty"`
	Link        map[string]int64 `json:"link"`
	Network     map[string]int64 `json:"network"`
	Transport   map[string]int64 `json:"transport"`
	Encap       map[string]int64 `json:"encapsulation"`
	Undecodable map[string]int64 `json:"undecodable"`
	Anomalies   map[string]int64 `json:"anomalies,omitempty"`
	Error       string           `json:"error,omitempty"`
	ErrorOffset int64            `json:"error_offset,omitempty"`
}

type ifaceReport struct {
	Index    uint32 `json:"index"`
	Section  int    `json:"section"`
	LinkType uint32 `json:"link_type"`
	LinkName string `json:"link_name"`
	Snaplen  uint32 `json:"snaplen"`
	TsResol  string `json:"ts_resolution"`
	Name     string `json:"name,omitempty"`
}

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	var asJSON bool
	fs.BoolVar(&asJSON, "json", false, "")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, inspectCmd.usage)
		}
		return err
	}
	if len(paths) == 0 {
		return usagef("no capture given")
	}
	failed := 0
	enc := json.NewEncoder(stdout)
	for i, p := range paths {
		rep, err := inspectOne(ctx, p)
		if err != nil {
			fmt.Fprintf(stderr, "flowmeter inspect: %v\n", err)
			failed++
			continue
		}
		if asJSON {
			if err := enc.Encode(rep); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		printReport(stdout, rep)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d captures could not be read", failed, len(paths))
	}
	return nil
}

func tsResolString(r uint8) string {
	if r&0x80 != 0 {
		return fmt.Sprintf("2^-%d s", r&0x7f)
	}
	switch r {
	case 6:
		return "us"
	case 9:
		return "ns"
	case 3:
		return "ms"
	}
	return fmt.Sprintf("10^-%d s", r)
}

func inspectOne(ctx context.Context, path string) (rep *captureReport, err error) {
	r, err := reader.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	defer engine.RecoverFault(engine.GuardFaults(), &err)
	rep = &captureReport{
		Path: path, Format: r.Format().String(), Compression: r.Compression().String(),
		Link: map[string]int64{}, Network: map[string]int64{}, Transport: map[string]int64{},
		Encap: map[string]int64{}, Undecodable: map[string]int64{},
	}
	var p decode.Packet
	var linkCount, statusCount [256]int64
	otherLinks, unsupported := map[uint32]int64{}, map[uint32]int64{}
	var netCount [3]int64 // none, v4, v6
	var protoCount [256]int64
	var encapCount [16]int64
	for n := 0; ; n++ {
		if n&0xffff == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		pkt, err := r.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				rep.Error = err.Error()
				var oe *reader.OffsetError
				if errors.As(err, &oe) {
					rep.ErrorOffset = oe.Offset
				}
			}
			break
		}
		if rep.Packets == 0 || pkt.Timestamp < rep.FirstNs {
			rep.FirstNs = pkt.Timestamp
		}
		rep.LastNs = max(rep.LastNs, pkt.Timestamp)
		rep.Packets++
		rep.Bytes += int64(pkt.CaptureLength)
		if lt := uint32(pkt.LinkType); lt < 256 {
			linkCount[lt]++
		} else {
			otherLinks[lt]++
		}
		s := decode.Decode(pkt.Data, uint32(pkt.LinkType), &p)
		statusCount[s]++
		if s == decode.StatusUnsupportedLink {
			unsupported[uint32(pkt.LinkType)]++
			continue
		}
		switch p.IPVersion {
		case 4:
			netCount[1]++
		case 6:
			netCount[2]++
		default:
			netCount[0]++
		}
		if p.IPVersion != 0 {
			protoCount[p.Proto]++
		}
		for b := range 16 {
			if p.Encap&(1<<b) != 0 {
				encapCount[b]++
			}
		}
	}
	for _, ifc := range r.Interfaces() {
		rep.Interfaces = append(rep.Interfaces, ifaceReport{
			Index: ifc.Index, Section: ifc.Section, LinkType: uint32(ifc.LinkType),
			LinkName: decode.LinkTypeName(uint32(ifc.LinkType)), Snaplen: ifc.Snaplen,
			TsResol: tsResolString(ifc.TsResol), Name: ifc.Name,
		})
	}
	rep.Sections = r.Sections()
	for lt, c := range linkCount {
		if c > 0 {
			rep.Link[fmt.Sprintf("%s (%d)", decode.LinkTypeName(uint32(lt)), lt)] = c
		}
	}
	for lt, c := range otherLinks {
		rep.Link[fmt.Sprintf("%s (%d)", decode.LinkTypeName(lt), lt)] = c
	}
	for i, name := range []string{"non-IP", "IPv4", "IPv6"} {
		if netCount[i] > 0 {
			rep.Network[name] = netCount[i]
		}
	}
	for proto, c := range protoCount {
		if c > 0 {
			rep.Transport[transportName(uint8(proto))] = c
		}
	}
	for b, c := range encapCount {
		if c > 0 {
			rep.Encap[decode.Encap(1<<b).Name()] = c
		}
	}
	for s, c := range statusCount {
		if c > 0 && decode.Status(s) != decode.StatusOK && decode.Status(s) != decode.StatusNotIP && decode.Status(s) != decode.StatusUnsupportedLink {
			rep.Undecodable[decode.Status(s).String()] = c
		}
	}
	for lt, c := range unsupported {
		rep.Undecodable[fmt.Sprintf("unsupported link type %d (%s)", lt, decode.LinkTypeName(lt))] = c
	}
	st := r.Stats()
	an := map[string]int64{
		"caplen_over_snaplen": int64(st.CapLenOverSnaplen),
		"caplen_over_len":     int64(st.CapLenOverLen),
		"bad_subsecond":       int64(st.BadSubsecond),
		"unknown_blocks":      int64(st.Unknown),
	}
	maps.DeleteFunc(an, func(_ string, v int64) bool { return v == 0 })
	if len(an) > 0 {
		rep.Anomalies = an
	}
	if rep.Packets > 0 {
		rep.First = time.Unix(0, rep.FirstNs).UTC().Format(time.RFC3339Nano)
		rep.Last = time.Unix(0, rep.LastNs).UTC().Format(time.RFC3339Nano)
	}
	return rep, nil
}

func transportName(p uint8) string {
	switch p {
	case 6:
		return "TCP"
	case 17:
		return "UDP"
	case 1:
		return "ICMP"
	case 58:
		return "ICMPv6"
	case 132:
		return "SCTP"
	case 47:
		return "GRE"
	case 50:
		return "ESP"
	case 51:
		return "AH"
	case 2:
		return "IGMP"
	case 89:
		return "OSPF"
	case 136:
		return "UDP-Lite"
	case 103:
		return "PIM"
	case 112:
		return "VRRP"
	case 59:
		return "no next header"
	}
	return fmt.Sprintf("proto %d", p)
}

func printReport(w io.Writer, r *captureReport) {
	fmt.Fprintf(w, "%s\n", r.Path)
	comp := ""
	if r.Compression != "none" {
		comp = ", " + r.Compression + "-compressed"
	}
	fmt.Fprintf(w, "  format        %s%s", r.Format, comp)
	if r.Sections > 1 {
		fmt.Fprintf(w, ", %d sections", r.Sections)
	}
	fmt.Fprintln(w)
	for _, ifc := range r.Interfaces {
		name := ""
		if ifc.Name != "" {
			name = " " + ifc.Name
		}
		fmt.Fprintf(w, "  interface %d%s  %s (%d), snaplen %d, timestamps in %s\n", ifc.Index, name, ifc.LinkName, ifc.LinkType, ifc.Snaplen, ifc.TsResol)
	}
	fmt.Fprintf(w, "  packets       %d (%s captured)\n", r.Packets, humanBytes(r.Bytes))
	if r.Packets > 0 {
		fmt.Fprintf(w, "  first         %s\n  last          %s\n", r.First, r.Last)
		fmt.Fprintf(w, "  duration      %s\n", time.Duration(r.LastNs-r.FirstNs))
	}
	section := func(title string, m map[string]int64) {
		if len(m) == 0 {
			return
		}
		keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
			if m[a] != m[b] {
				return int(m[b] - m[a])
			}
			return strings.Compare(a, b)
		})
		fmt.Fprintf(w, "  %s\n", title)
		for _, k := range keys {
			fmt.Fprintf(w, "    %-40s %d\n", k, m[k])
		}
	}
	section("link", r.Link)
	section("network", r.Network)
	section("transport", r.Transport)
	section("encapsulation", r.Encap)
	section("undecodable", r.Undecodable)
	section("anomalies", r.Anomalies)
	if r.Error != "" {
		fmt.Fprintf(w, "  warning       %s\n", r.Error)
	}
}
