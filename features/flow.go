package features

import (
	"net/netip"
	"unsafe"

	"github.com/flowmeter/flowmeter/features/communityid"

	"github.com/flowmeter/flowmeter/features/decode"
)

// EndReason says why a flow record was closed.
type EndReason uint8

const (
	EndActive     EndReason = iota // still open (only in partial snapshots)
	EndIdle                        // no packet for the idle timeout
	EndActiveTime                  // reached the active timeout; the connection may go on in a new record
	EndFIN                         // TCP FIN from both sides, plus the linger
	EndRST                         // TCP RST, plus the linger
	EndEvicted                     // pushed out by --max-flows
	EndCapture                     // end of the capture
)

var endReasonNames = [...]string{"active", "idle", "active_timeout", "fin", "rst", "evicted", "end_of_capture"}

func (r EndReason) String() string {
	if int(r) < len(endReasonNames) {
		return endReasonNames[r]
	}
	return "unknown"
}

// MaxEarlyPackets bounds Options.EarlyPackets. Every open flow carries the
// arrays, so the bound is part of the per-flow memory budget.
const MaxEarlyPackets = 16

// Direction holds the per-direction accumulators of a flow. Fields are
// ordered by how often a packet touches them: the four Stats and the
// counters every packet updates first, then the bulk detector's state, then
// the fields written once.
type Direction struct {
	IPBytes     Stat  // IP total length per packet (N is the packet count)
	Payload     Stat  // transport payload length per packet
	IAT         Stat  // ns between consecutive packets of this direction
	Window      Stat  // TCP raw window per TCP packet
	Last        int64 // ns timestamp of the direction's last packet
	FrameBytes  int64 // captured-on-the-wire frame length sum
	HeaderBytes int64 // transport header bytes (TCP incl. options, UDP 8, ...)
	MinHeader   int64 // smallest transport header, bytes (-1: none)
	DataPackets int64 // packets with payload >= 1 byte

	// CICFlowMeter bulk state (see docs/FEATURES.md); the time of the
	// direction's last payload packet is in the Flow (bulkLast), so that a
	// packet does not touch the other direction's cache lines.
	BulkStart              int64
	BulkHelperPkts         int64
	BulkHelperBytes        int64
	BulkCount              int64
	BulkPackets, BulkBytes int64
	BulkDuration           int64

	Flags      [9]uint32 // count of packets with FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, NS
	FlagsOR    uint16    // OR of all TCP flags
	TTLMin     uint8
	TTLMax     uint8
	InitWindow int32 // raw TCP window of the direction's first packet, -1 if none
	First      int64 // ns timestamp of the direction's first packet
}

// Key identifies a bidirectional flow. Endpoints are in canonical order (the
// lower address/port first); Lookup returns the packet's direction beside
// it. The zero Key is not valid. Key is comparable and hashes without
// allocating.
type Key struct {
	AddrA, AddrB Addr128 // IPv4 as v4-mapped IPv6
	PortA, PortB uint16  // TCP/UDP/SCTP ports; ICMP: echo id and paired type/code
	Proto        uint8
	IPVersion    uint8
	VLAN         uint16 // outer VLAN ID when keyed by VLAN, else 0
	TunProto     uint8  // outer protocol when keyed by tunnel, else 0
	TunA, TunB   Addr128
}

// Addr128 is a 16-byte address as two big-endian words, so that keys
// compare and hash in word operations. (Byte arrays filled from netip.Addr
// cost a stalled 16-byte reload of two 8-byte stores per address.)
type Addr128 struct{ Hi, Lo uint64 }

// addr128 returns a's 16 bytes (v4-mapped for IPv4; the zone dropped) as
// words. netip.Addr holds exactly these two words first (its uint128), and
// reading them costs two loads where As16 and a reload cost a stalled
// 16-byte copy (about 10 ns a packet); TestAddr128 checks the layout
// against As16, so a Go release that changes it fails the tests instead
// of mixing up flows.
func addr128(a netip.Addr) Addr128 { return *(*Addr128)(unsafe.Pointer(&a)) }

// less reports a < b in byte order.
func (a Addr128) less(b Addr128) bool { return a.Hi < b.Hi || (a.Hi == b.Hi && a.Lo < b.Lo) }

// Flow is one bidirectional flow record. Forward is initiator to responder.
// Its fields are exported so that a model or writer can read them without
// copying; use the schema columns for derived features.
//
// The layout is hot first: adding a packet updates the fields up to and
// including Fwd or Bwd, which sit in adjacent cache lines; identity and
// output-only fields, written when the flow starts or ends, follow (see
// docs/PERFORMANCE.md, "Flow table"). The Key is among them, on a cache
// line of its own, which the lookup reads for every packet.
type Flow struct {
	fwdIsA     bool // the initiator is endpoint A of Key
	NumEarly   uint8
	EarlyCap   uint8 // Options.EarlyPackets when the flow started
	HistoryLen uint8
	Reason     EndReason
	seen       bool // the flow has a packet (Packets() > 0 without reading Fwd and Bwd)

	End int64 // ns

	// CICFlowMeter activity (threshold: Options.ActivityTimeout).
	ActiveStart, ActiveEnd int64
	Subflows               int64 // 1 + gaps longer than Options.SubflowGap

	bulkLast [2]int64 // ns of each direction's last payload packet (0: Fwd, 1: Bwd)

	// TCP state for teardown, conn_state and history.
	tcp tcpState

	IAT      Stat // ns between consecutive packets in either direction
	Fwd, Bwd Direction

	// Early-flow sequence: the first min(Options.EarlyPackets, MaxEarlyPackets)
	// packets. EarlySize is the IP total length, negative for backward packets;
	// EarlyGap is ns since the flow's previous packet (0 for the first).
	EarlySize [MaxEarlyPackets]int32
	EarlyGap  [MaxEarlyPackets]int64

	Start int64 // ns
	// Key starts a cache line (offset 1024, TestFlowLayout): the table's
	// lookup compares it, one line unless the key has a tunnel part.
	Key       Key
	History   [24]byte // Zeek-style history letters
	Active    Stat     // CICFlowMeter active periods, ns
	Idle      Stat     // CICFlowMeter idle periods, ns
	Fragments int64    // fragments counted in this flow (non-first fragments have no ports)

	// Identity, set when the flow starts.
	ID        uint64 // stable id: hash of key and start time
	IPVersion uint8
	Proto     uint8
	HasPorts  bool       // ports are meaningful for Community ID
	SrcPort   uint16     // ICMP: type of the first packet
	DstPort   uint16     // ICMP: code of the first packet
	VLAN      uint16     // outermost VLAN ID of the first packet
	Src, Dst  netip.Addr // initiator, responder
	Encap     decode.Encap
	Tunnel    decode.Tunnel

	CommunityID communityid.Hash // set when the flow ends (Options.CommunityIDSeed)

	_ [8]byte // pads the size to a multiple of 64: slab pages are page-aligned, so every Flow starts on a cache line
}

// Packets is the flow's packet count.
func (f *Flow) Packets() int64 { return f.Fwd.IPBytes.N + f.Bwd.IPBytes.N }

// Duration is End-Start in ns.
func (f *Flow) Duration() int64 { return f.End - f.Start }
