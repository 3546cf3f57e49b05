// Package enricher joins log records (Zeek conn.log, Suricata eve.json) to
// the flows flowmeter built from the same traffic, by Community ID and time
// overlap, and writes the records back out with the flows' features
// appended (JSON lines, Parquet, Zeek TSV). See docs/ENRICH.md.
//
// Two joins are offered. Index is the two-pass join: every flow of the
// captures is added first (memory O(flows): one features.Flow copy per flow
// plus a map entry per Community ID), then the log is streamed through Join
// one record at a time (memory independent of the log's size). Window is the
// streaming join used by --follow: flows and records arrive interleaved and
// both are held only for a bounded stretch of capture time.
package enricher

import (
	"errors"
	"net/netip"

	"github.com/flowmeter/flowmeter/features"
	"github.com/flowmeter/flowmeter/features/communityid"
)

// Reason says whether and why a record was not matched.
type Reason uint8

const (
	Matched       Reason = iota // at least one flow merged
	NoCommunityID               // no community_id field and no usable 5-tuple to compute one
	NoFlow                      // no flow with that Community ID
	NoOverlap                   // flows with that ID exist, but none overlaps the record's time span
	numReasons
)

var reasonNames = [...]string{"matched", "no_community_id", "no_flow", "no_time_overlap"}

// String returns the name written in the flowmeter.match field.
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "unknown"
}

// IDSource says where the Community ID used for a record came from.
type IDSource uint8

const (
	IDNone     IDSource = iota
	IDLogged            // the record's community_id field
	IDComputed          // computed from the record's 5-tuple with Options.Seed
	IDZeekSCTP          // matched through Zeek's SCTP variant (ports hashed as 0/0)
)

var idSourceNames = [...]string{"none", "logged", "computed", "zeek_sctp"}

func (s IDSource) String() string {
	if int(s) < len(idSourceNames) {
		return idSourceNames[s]
	}
	return "unknown"
}

// Options configure a join. The zero value matches with no time tolerance
// and seed 0; start from DefaultOptions.
type Options struct {
	// Seed is the Community ID seed used to compute IDs for records that do
	// not carry one. It must equal the seed the flows were hashed with
	// (features.Options.CommunityIDSeed).
	Seed uint16
	// Tolerance widens a record's time span on both sides before testing
	// overlap with a flow, ns. It absorbs Zeek's microsecond rounding and
	// the first/last packet boundary differences between peers.
	Tolerance int64
	// NoSwap keeps per-direction features in our initiator's orientation
	// even when the record's originator is our responder.
	NoSwap bool
}

// DefaultOptions: seed 0, tolerance 1 s.
func DefaultOptions() Options { return Options{Tolerance: 1e9} }

// Query is the join key of one log record. Build it from the record's view
// (zeek.Conn, eve.Event); CommunityID is borrowed for the call only.
type Query struct {
	CommunityID []byte // as logged ("1:..."); nil: compute from the tuple
	Proto       uint8  // IANA number; 0 unknown
	Orig, Resp  netip.Addr
	OrigPort    uint16 // ICMP: type
	RespPort    uint16 // ICMP: code
	Start, End  int64  // ns; valid when HasTime
	HasTime     bool   // false: match by Community ID alone (masked timestamps)
}

// Result is the outcome of one Join. Flow is the exact aggregate of all
// matching flows (features.Flow.Merge), oriented to the record when Swapped
// is set; it is meaningful only when Reason is Matched. A Result is reused
// across calls by its owner.
type Result struct {
	Reason  Reason
	N       int  // flows merged
	Swapped bool // the record's originator is our responder: directions were swapped
	Source  IDSource
	ID      communityid.Hash
	Flow    features.Flow
	// ConnState is Flow's conn_state in the record's orientation (Zeek's
	// letters mirrored when Swapped); the enriched schema reads it instead
	// of recomputing from the flow's TCP state, which is not swapped.
	ConnState string
}

// ErrBadCommunityID is returned (wrapped) by helpers that parse a logged ID.
var ErrBadCommunityID = errors.New("enricher: malformed community_id")

// entry is one flow in the Index slab.
type entry struct {
	next int32 // previous flow with the same ID, -1 at the chain's end
	used bool  // merged into at least one record
}

// Index holds the flows of a capture by Community ID for the two-pass join.
// Add flows first, then Join records. Memory: one features.Flow copy and a
// few bytes per flow, one map entry per distinct ID. Join does not allocate.
// An Index is not safe for concurrent use.
type Index struct {
	opts    Options
	h       communityid.Hasher
	flows   []features.Flow
	ent     []entry
	head    map[communityid.Hash]int32
	sctp    map[communityid.Hash]int32 // Zeek's SCTP variant -> first slot; chains via sctpNext
	sctpNxt map[int32]int32
	scratch []int64
}

// NewIndex returns an empty Index. sizeHint preallocates room for that many
// flows (0 is fine).
func NewIndex(opts Options, sizeHint int) *Index {
	return &Index{
		opts:    opts,
		h:       communityid.New(opts.Seed),
		flows:   make([]features.Flow, 0, sizeHint),
		ent:     make([]entry, 0, sizeHint),
		head:    make(map[communityid.Hash]int32, sizeHint),
		sctp:    map[communityid.Hash]int32{},
		sctpNxt: map[int32]int32{},
	}
}

// Len is the number of flows added.
func (ix *Index) Len() int { return len(ix.flows) }

// Add copies f into the index (f may be reused by the caller afterwards).
func (ix *Index) Add(f *features.Flow) {
	i := int32(len(ix.flows))
	ix.flows = append(ix.flows, *f)
	nx, ok := ix.head[f.CommunityID]
	if !ok {
		nx = -1
	}
	ix.ent = append(ix.ent, entry{next: nx})
	ix.head[f.CommunityID] = i
	if f.Proto == communityid.ProtoSCTP {
		z := zeekSCTPID(ix.h, f)
		if p, ok := ix.sctp[z]; ok {
			ix.sctpNxt[i] = p
		} else {
			ix.sctpNxt[i] = -1
		}
		ix.sctp[z] = i
	}
}

// zeekSCTPID is the Community ID Zeek computes for an SCTP flow: its
// transport ports are hashed as 0/0 (Zeek does not parse SCTP and logs the
// connection as unknown_transport with ports 0).
func zeekSCTPID(h communityid.Hasher, f *features.Flow) communityid.Hash {
	return h.Sum(communityid.ProtoSCTP, f.Src, f.Dst, 0, 0, true)
}

// hasPorts reports whether Community ID hashes ports for proto.
func hasPorts(proto uint8) bool {
	switch proto {
	case 1, 6, 17, 58, 132:
		return true
	}
	return false
}

// resolveID fills res.ID and res.Source from q; false when there is none.
func resolveID(h communityid.Hasher, q *Query, res *Result) bool {
	if q.CommunityID != nil {
		if id, err := communityid.ParseBytes(q.CommunityID); err == nil {
			res.ID, res.Source = id, IDLogged
			return true
		}
	}
	if q.Proto != 0 && q.Orig.IsValid() && q.Resp.IsValid() {
		res.ID = h.Sum(q.Proto, q.Orig, q.Resp, q.OrigPort, q.RespPort, hasPorts(q.Proto))
		res.Source = IDComputed
		return true
	}
	return false
}

// overlaps reports whether [start, end] (one flow) meets the query's span
// widened by tol.
func overlaps(q *Query, start, end, tol int64) bool {
	if !q.HasTime {
		return true
	}
	qe := max(q.End, q.Start)
	return start <= qe+tol && end >= q.Start-tol
}

// Join finds the flows of q and merges them into res. It does not allocate
// (after the scratch list has grown to the largest candidate set).
func (ix *Index) Join(q *Query, res *Result) {
	ix.scratch = joinStore(ix, ix.h, &ix.opts, q, res, ix.scratch)
}

// The flowStore methods let joinStore walk the Index's chains.
func (ix *Index) first(id communityid.Hash) (int64, bool) {
	i, ok := ix.head[id]
	return int64(i), ok
}

func (ix *Index) firstSCTP(id communityid.Hash) (int64, bool) {
	i, ok := ix.sctp[id]
	return int64(i), ok
}

func (ix *Index) next(i int64, sctp bool) int64 {
	if sctp {
		return int64(ix.sctpNxt[int32(i)])
	}
	return int64(ix.ent[i].next)
}

func (ix *Index) flowAt(i int64) *features.Flow { return &ix.flows[i] }
func (ix *Index) markUsed(i int64)              { ix.ent[i].used = true }

// flowStore is a set of flows chained by Community ID, newest first: the
// two-pass Index and the streaming Window. joinStore is the one join both
// use.
type flowStore interface {
	first(id communityid.Hash) (int64, bool)     // newest flow with the ID
	firstSCTP(id communityid.Hash) (int64, bool) // newest SCTP flow with Zeek's port-less ID
	next(i int64, sctp bool) int64               // next older flow of the chain, -1 at its end
	flowAt(i int64) *features.Flow
	markUsed(i int64)
}

// joinStore finds the flows of q in s and merges them into res, in start
// order, then orients the aggregate to the record. sc is scratch space,
// returned (grown) for reuse. It does not allocate once sc is large enough.
func joinStore[S flowStore](s S, h communityid.Hasher, opts *Options, q *Query, res *Result, sc []int64) []int64 {
	res.Reason, res.N, res.Swapped, res.Source, res.ConnState = NoCommunityID, 0, false, IDNone, ""
	if !resolveID(h, q, res) {
		return sc
	}
	sc = sc[:0]
	i, ok := s.first(res.ID)
	viaSCTP := false
	if !ok {
		// Zeek's SCTP IDs hash ports 0/0: try our SCTP flows' Zeek variant.
		if i, ok = s.firstSCTP(res.ID); ok {
			res.Source = IDZeekSCTP
			viaSCTP = true
		}
	}
	if !ok {
		res.Reason = NoFlow
		return sc
	}
	for i >= 0 {
		f := s.flowAt(i)
		if overlaps(q, f.Start, f.End, opts.Tolerance) {
			sc = append(sc, i)
		}
		i = s.next(i, viaSCTP)
	}
	if len(sc) == 0 {
		res.Reason = NoOverlap
		return sc
	}
	// Merge in start order so that boundary gaps are measured forward.
	for a := 1; a < len(sc); a++ {
		for b := a; b > 0 && s.flowAt(sc[b]).Start < s.flowAt(sc[b-1]).Start; b-- {
			sc[b], sc[b-1] = sc[b-1], sc[b]
		}
	}
	res.Flow = *s.flowAt(sc[0])
	for _, k := range sc[1:] {
		res.Flow.Merge(s.flowAt(k))
	}
	for _, k := range sc {
		s.markUsed(k)
	}
	res.N = len(sc)
	res.Reason = Matched
	finishResult(q, res, opts.NoSwap)
	return sc
}

// finishResult orients res.Flow to the record and fixes ConnState.
func finishResult(q *Query, res *Result, noSwap bool) {
	res.ConnState = res.Flow.ConnState()
	if noSwap || !q.Orig.IsValid() {
		return
	}
	f := &res.Flow
	icmp := f.Proto == 1 || f.Proto == 58
	same := f.Src == q.Orig && (icmp || f.SrcPort == q.OrigPort || f.Src != f.Dst)
	if same {
		return
	}
	if f.Dst != q.Orig {
		return // neither endpoint is the originator (tunnels, NAT): leave as is
	}
	if f.Src == f.Dst && !icmp && f.DstPort != q.OrigPort {
		return
	}
	SwapDirections(f)
	res.ConnState = mirrorConnState(res.ConnState)
	res.Swapped = true
}

// SwapDirections exchanges initiator and responder in the exported fields
// of f: addresses, ports, the per-direction accumulators, the early-packet
// directions and the case of the history letters. The unexported TCP state
// is not swapped, so f.ConnState() afterwards still describes the original
// orientation (use Result.ConnState).
func SwapDirections(f *features.Flow) {
	f.Src, f.Dst = f.Dst, f.Src
	if f.Proto != 1 && f.Proto != 58 {
		f.SrcPort, f.DstPort = f.DstPort, f.SrcPort
	}
	f.Fwd, f.Bwd = f.Bwd, f.Fwd
	for i := 0; i < int(f.NumEarly) && i < len(f.EarlySize); i++ {
		f.EarlySize[i] = -f.EarlySize[i]
	}
	for i := 0; i < int(f.HistoryLen) && i < len(f.History); i++ {
		c := f.History[i]
		switch {
		case c >= 'A' && c <= 'Z':
			f.History[i] = c + ('a' - 'A')
		case c >= 'a' && c <= 'z':
			f.History[i] = c - ('a' - 'A')
		}
	}
}

// mirrorConnState maps a Zeek conn_state to the one with originator and
// responder exchanged. States without a mirror image are returned as is.
func mirrorConnState(s string) string {
	switch s {
	case "RSTO":
		return "RSTR"
	case "RSTR":
		return "RSTO"
	case "SH":
		return "SHR"
	case "SHR":
		return "SH"
	case "S2":
		return "S3"
	case "S3":
		return "S2"
	case "RSTOS0":
		return "RSTRH"
	case "RSTRH":
		return "RSTOS0"
	}
	return s
}

// UnusedFlows calls fn for every flow that no Join merged, in the order
// they were added.
func (ix *Index) UnusedFlows(fn func(f *features.Flow)) {
	for i := range ix.flows {
		if !ix.ent[i].used {
			fn(&ix.flows[i])
		}
	}
}

// Counts returns the number of flows, and of those merged into a record.
func (ix *Index) Counts() (flows, used int) {
	for i := range ix.ent {
		if ix.ent[i].used {
			used++
		}
	}
	return len(ix.ent), used
}
