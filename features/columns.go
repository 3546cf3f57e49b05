package features

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/flowmeter/flowmeter/features/decode"
)

// Schema names accepted by SchemaFor.
const (
	SchemaNative    = "native"
	SchemaFlowmeter = "flowmeter"
	SchemaCIC2017   = "cic2017"
	SchemaCIC2018   = "cic2018"
)

// SchemaNames lists the schemas in the order docs present them.
var SchemaNames = []string{SchemaNative, SchemaFlowmeter, SchemaCIC2017, SchemaCIC2018}

// SchemaFor returns the named schema. earlyPackets sets how many early-flow
// columns the native schema has.
func SchemaFor(name string, earlyPackets int) (*Schema, error) {
	switch name {
	case SchemaNative, "":
		return &Schema{Name: SchemaNative, Columns: nativeColumns(earlyPackets)}, nil
	case SchemaFlowmeter:
		return &Schema{Name: SchemaFlowmeter, Columns: flowmeterColumns()}, nil
	case SchemaCIC2017:
		return &Schema{Name: SchemaCIC2017, Columns: cicColumns(cic2017)}, nil
	case SchemaCIC2018:
		return &Schema{Name: SchemaCIC2018, Columns: cicColumns(cic2018)}, nil
	}
	return nil, fmt.Errorf("features: unknown schema %q (want %s)", name, strings.Join(SchemaNames, ", "))
}

func intCol(name, unit, formula, doc string, get func(*Flow) int64) Column {
	return Column{Name: name, Kind: KindInt, Unit: unit, Formula: formula, Doc: doc, Int: get}
}

func floatCol(name, unit, formula, doc string, get func(*Flow) float64) Column {
	return Column{Name: name, Kind: KindFloat, Unit: unit, Formula: formula, Doc: doc, Float: get}
}

func timeCol(name, formula, doc string, get func(*Flow) int64) Column {
	return Column{Name: name, Kind: KindTime, Unit: "ns since epoch", Formula: formula, Doc: doc, Int: get}
}

func strCol(name, formula, doc string, get func([]byte, *Flow) []byte) Column {
	return Column{Name: name, Kind: KindString, Formula: formula, Doc: doc, String: get}
}

func addrCol(name, formula, doc string, get func(*Flow) netip.Addr) Column {
	return Column{Name: name, Kind: KindAddr, Formula: formula, Doc: doc, Addr: get}
}

// Derived statistics shared by several schemas.

// Sizes merges both directions' IP-length statistics.
func (f *Flow) Sizes() Stat { return mergedStat(&f.Fwd.IPBytes, &f.Bwd.IPBytes) }

// Payloads merges both directions' payload statistics.
func (f *Flow) Payloads() Stat { return mergedStat(&f.Fwd.Payload, &f.Bwd.Payload) }

// perUS divides by the duration in microseconds; 0 for a zero duration.
func (f *Flow) perUS(x int64) float64 {
	d := f.Duration()
	if d <= 0 {
		return 0
	}
	return float64(x) / (float64(d) / 1e3)
}

// perS divides by the duration in seconds; 0 for a zero duration.
func (f *Flow) perS(x int64) float64 {
	d := f.Duration()
	if d <= 0 {
		return 0
	}
	return float64(x) / (float64(d) / 1e9)
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// flag indices into Direction.Flags.
const (
	flagFIN = iota
	flagSYN
	flagRST
	flagPSH
	flagACK
	flagURG
	flagECE
	flagCWR
	flagNS
)

var flagNames = [...]string{"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns"}

// ProtoName is the IANA keyword Zeek and Suricata use for common protocols.
func ProtoName(p uint8) string {
	switch p {
	case 1:
		return "icmp"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 58:
		return "icmp6"
	case 132:
		return "sctp"
	}
	return "unknown"
}

// appendEncap appends the names of the tunnels in e ("gre,vxlan"), in bit
// order; link-layer tags (VLAN, MPLS, PPPoE, ...) are not tunnels.
func appendEncap(dst []byte, e decode.Encap) []byte {
	first := true
	for b := decode.Encap(1); b != 0; b <<= 1 {
		if e&b == 0 || b&decode.EncapTunnels == 0 {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		dst = append(dst, b.Name()...)
		first = false
	}
	return dst
}

// statGetters reads the mean, sample std, minimum and maximum of one Stat
// of a flow (0 for an empty Stat).
type statGetters struct {
	mean, std, min, max func(f *Flow) float64
}

// statOf reads the Stat that get points to. get returns a pointer into the
// flow rather than a copy: reading a 48-byte Stat returned by value through
// a func costs more than the statistic itself.
//
// statOf and mergedStatOf are kept out of line: inlined into the long
// schema functions, their closures would be compiled under the reduced
// inlining budget of a big function and call Mean, Merge and MinOr0
// instead of inlining them (a third of the getters' time).
//
//go:noinline
func statOf(get func(f *Flow) *Stat) statGetters {
	return statGetters{
		mean: func(f *Flow) float64 { return get(f).Mean() },
		std:  func(f *Flow) float64 { return get(f).Std() },
		min:  func(f *Flow) float64 { return float64(get(f).MinOr0()) },
		max:  func(f *Flow) float64 { return float64(get(f).MaxOr0()) },
	}
}

// mergedStatOf reads the merge of the Stats that fwd and bwd point to (as
// Flow.Sizes and Flow.Payloads merge them).
//
//go:noinline
func mergedStatOf(fwd, bwd func(f *Flow) *Stat) statGetters {
	return statGetters{
		mean: func(f *Flow) float64 { s := mergedStat(fwd(f), bwd(f)); return s.Mean() },
		std:  func(f *Flow) float64 { s := mergedStat(fwd(f), bwd(f)); return s.Std() },
		min:  func(f *Flow) float64 { s := mergedStat(fwd(f), bwd(f)); return float64(s.MinOr0()) },
		max:  func(f *Flow) float64 { s := mergedStat(fwd(f), bwd(f)); return float64(s.MaxOr0()) },
	}
}

// mergedStat returns a merged with b, leaving both as they are.
func mergedStat(a, b *Stat) Stat {
	s := *a
	s.Merge(b)
	return s
}

// statCols expands a Stat into mean/std/min/max columns (std: the sample
// std).
func statCols(prefix, suffix, unit, what string, g statGetters) []Column {
	return []Column{
		floatCol(prefix+"_mean"+suffix, unit, "sum/n", "mean "+what, g.mean),
		floatCol(prefix+"_std"+suffix, unit, "sqrt(sum((x-mean)^2)/(n-1))", "sample standard deviation of "+what+" (0 below two samples)", g.std),
		floatCol(prefix+"_min"+suffix, unit, "min", "minimum "+what+" (0 when none)", g.min),
		floatCol(prefix+"_max"+suffix, unit, "max", "maximum "+what+" (0 when none)", g.max),
	}
}

// Per-direction Stats, for statOf and mergedStatOf.
func fwdIPBytes(f *Flow) *Stat { return &f.Fwd.IPBytes }
func bwdIPBytes(f *Flow) *Stat { return &f.Bwd.IPBytes }
func fwdPayload(f *Flow) *Stat { return &f.Fwd.Payload }
func bwdPayload(f *Flow) *Stat { return &f.Bwd.Payload }
func fwdIAT(f *Flow) *Stat     { return &f.Fwd.IAT }
func bwdIAT(f *Flow) *Stat     { return &f.Bwd.IAT }
func fwdWindow(f *Flow) *Stat  { return &f.Fwd.Window }
func bwdWindow(f *Flow) *Stat  { return &f.Bwd.Window }
