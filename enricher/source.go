package enricher

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"

	"github.com/flowmeter/flowmeter/formats/eve"
	"github.com/flowmeter/flowmeter/formats/zeek"
)

// LogKind is the format of a log source.
type LogKind uint8

const (
	LogZeekTSV  LogKind = iota + 1 // Zeek ASCII conn.log
	LogZeekJSON                    // Zeek JSON conn.log (one object per line)
	LogEve                         // Suricata eve.json
)

func (k LogKind) String() string {
	switch k {
	case LogZeekTSV:
		return "zeek-tsv"
	case LogZeekJSON:
		return "zeek-json"
	case LogEve:
		return "eve"
	}
	return "unknown"
}

// Record is one log record handed out by a Source. It and everything it
// points to are borrowed: valid until the Source's next Next.
type Record struct {
	Kind  LogKind
	Zeek  *zeek.Record // LogZeekTSV
	JSON  []byte       // LogZeekJSON, LogEve: the object, without newline
	Event *eve.Event   // LogEve
	Line  int64        // 1-based line number in the (decompressed) log
	Query Query
	// BadTime: the record has a time field that does not parse (such as
	// the masked XXXXXXXXXX.XXXXXX of Zeek's test baselines); it is matched
	// by Community ID alone.
	BadTime bool
}

// Malformed is a log line the reader skipped.
type Malformed struct {
	Line   int64
	Reason string
}

// Source yields log records one at a time.
type Source interface {
	// Next returns the next record, io.EOF at the end, or a stream error.
	Next() (*Record, error)
	// Malformed lists skipped lines so far (capped by the reader) and
	// MalformedCount counts them all.
	Malformed() []Malformed
	MalformedCount() int64
	Kind() LogKind
	// Header is the current Zeek TSV header block (nil for JSON sources).
	Header() *zeek.Header
}

// ErrUnknownLog: the log is neither Zeek TSV nor JSON lines.
var ErrUnknownLog = errors.New("enricher: log is neither Zeek TSV nor JSON lines")

// decompress peeks for gzip and returns a reader of the plain text.
func decompress(r io.Reader) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, errors.Join(zeek.ErrGzip, err)
		}
		return bufio.NewReaderSize(gz, 64<<10), nil
	}
	return br, nil
}

// firstByte returns the first byte that is not white space (0 at EOF).
func firstByte(br *bufio.Reader) byte {
	for n := 1; n <= 4096; n *= 2 {
		b, err := br.Peek(n)
		for _, c := range b {
			if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
				return c
			}
		}
		if err != nil {
			return 0
		}
	}
	return 0
}

// OpenZeek returns a Source for a Zeek conn.log, TSV or JSON lines, plain or
// gzip (detected from the content). An empty log is read as TSV.
func OpenZeek(r io.Reader) (Source, error) {
	br, err := decompress(r)
	if err != nil {
		return nil, err
	}
	if firstByte(br) == '{' {
		jr, err := zeek.NewJSONReader(br)
		if err != nil {
			return nil, err
		}
		return &zeekJSONSource{r: jr}, nil
	}
	// Lenient: a masked or bad ts must not drop the record; the reader
	// lists the bad columns and the query decides per column.
	tr, err := zeek.NewTSVReader(br, zeek.TSVOptions{Lenient: true})
	if err != nil {
		return nil, err
	}
	return &zeekTSVSource{r: tr}, nil
}

// OpenEve returns a Source for a Suricata eve.json log, plain or gzip.
func OpenEve(r io.Reader) (Source, error) {
	er, err := openEveReader(r)
	if err != nil {
		return nil, err
	}
	return &eveSource{r: er}, nil
}

// openEveReader returns an eve.Reader of r, plain or gzip.
func openEveReader(r io.Reader) (*eve.Reader, error) {
	br, err := decompress(r)
	if err != nil {
		return nil, err
	}
	return eve.NewReader(br)
}

// ---- Zeek TSV ----

type zeekTSVSource struct {
	r   *zeek.TSVReader
	rec Record
	hdr *zeek.Header
	ix  tsvIndex
	mal []Malformed // own findings (bad ts), merged with the reader's
	n   int64
}

type tsvIndex struct {
	ts, origH, respH, origP, respP, proto, ipProto, duration, cid int
}

func (s *zeekTSVSource) Kind() LogKind        { return LogZeekTSV }
func (s *zeekTSVSource) Header() *zeek.Header { return s.r.Header() }

func (s *zeekTSVSource) Malformed() []Malformed {
	var out []Malformed
	for _, m := range s.r.Malformed() {
		out = append(out, Malformed{Line: m.Line, Reason: m.Reason.String()})
	}
	return append(out, s.mal...)
}

func (s *zeekTSVSource) MalformedCount() int64 { return s.r.MalformedCount() + s.n }

func (s *zeekTSVSource) Next() (*Record, error) {
	for {
		rec, err := s.r.Next()
		if err != nil {
			return nil, err
		}
		if rec.Header != s.hdr {
			s.hdr = rec.Header
			s.ix = newTSVIndex(rec.Header)
		}
		s.rec = Record{Kind: LogZeekTSV, Zeek: rec, Line: rec.Line}
		if !fillTSVQuery(rec, &s.ix, &s.rec) {
			s.n++
			if len(s.mal) < zeek.MaxMalformed {
				s.mal = append(s.mal, Malformed{Line: rec.Line, Reason: "bad connection tuple (id.orig_h/id.resp_h)"})
			}
			continue
		}
		return &s.rec, nil
	}
}

// Column names Zeek writes for the connection tuple, with the renamings of
// Log::default_field_name_map / scope_sep seen in practice.
var (
	aliasOrigH = []string{"id.orig_h", "id_orig_h", "src", "orig_h", "id::orig_h"}
	aliasOrigP = []string{"id.orig_p", "id_orig_p", "src_port", "orig_p", "id::orig_p"}
	aliasRespH = []string{"id.resp_h", "id_resp_h", "dst", "resp_h", "id::resp_h"}
	aliasRespP = []string{"id.resp_p", "id_resp_p", "dst_port", "resp_p", "id::resp_p"}
)

func indexAny(h *zeek.Header, names []string) int {
	for _, n := range names {
		if i := h.Index(n); i >= 0 {
			return i
		}
	}
	return -1
}

func newTSVIndex(h *zeek.Header) tsvIndex {
	return tsvIndex{ts: h.Index("ts"), origH: indexAny(h, aliasOrigH), respH: indexAny(h, aliasRespH),
		origP: indexAny(h, aliasOrigP), respP: indexAny(h, aliasRespP), proto: h.Index("proto"),
		ipProto: h.Index("ip_proto"), duration: h.Index("duration"), cid: h.Index("community_id")}
}

// fillTSVQuery builds the join key of a conn.log record read by a Lenient
// reader. A record without the tuple columns (another log, a cut) yields an
// empty query (it will be unmatched, reason no_community_id unless it has a
// community_id); a record whose addresses the reader found bad is reported
// false; a bad ts sets BadTime; other bad columns are kept as they are (the
// writers keep them as text). It does not allocate.
func fillTSVQuery(rec *zeek.Record, ix *tsvIndex, out *Record) bool {
	q := &out.Query
	*q = Query{}
	if len(rec.BadFields) > 0 && (rec.BadField(ix.origH) || rec.BadField(ix.respH)) {
		return false
	}
	q.Orig, _ = rec.Addr(ix.origH)
	q.Resp, _ = rec.Addr(ix.respH)
	q.OrigPort, _ = rec.Port(ix.origP)
	q.RespPort, _ = rec.Port(ix.respP)
	if v, st := rec.Raw(ix.proto); st == zeek.OK {
		q.Proto = zeek.ProtoNumber(v, q.Orig.Is6() && !q.Orig.Is4In6())
	}
	if q.Proto == 0 {
		// Zeek logs protocols it does not parse (SCTP) as unknown_transport;
		// ip_proto (Zeek 6+) has the number.
		if n, st := rec.Count(ix.ipProto); st == zeek.OK && n < 256 {
			q.Proto = uint8(n)
		}
	}
	if v, st := rec.Raw(ix.cid); st == zeek.OK {
		q.CommunityID = v
	}
	if len(rec.BadFields) > 0 && rec.BadField(ix.ts) {
		out.BadTime = true
	} else if ts, st := rec.Time(ix.ts); st == zeek.OK {
		d, _ := rec.Interval(ix.duration)
		q.Start, q.End, q.HasTime = ts, ts+max(d, 0), true
	}
	return true
}

// ---- Zeek JSON ----

type zeekJSONSource struct {
	r   *zeek.JSONReader
	rec Record
}

func (s *zeekJSONSource) Kind() LogKind        { return LogZeekJSON }
func (s *zeekJSONSource) Header() *zeek.Header { return nil }
func (s *zeekJSONSource) MalformedCount() int64 {
	return s.r.MalformedCount()
}
func (s *zeekJSONSource) Malformed() []Malformed {
	var out []Malformed
	for _, m := range s.r.Malformed() {
		out = append(out, Malformed{Line: m.Line, Reason: m.Reason.String()})
	}
	return out
}

func (s *zeekJSONSource) Next() (*Record, error) {
	jr, err := s.r.Next()
	if err != nil {
		return nil, err
	}
	s.rec = Record{Kind: LogZeekJSON, JSON: jr.Raw, Line: jr.Line}
	q := &s.rec.Query
	var c zeek.Conn
	ok := jr.Conn(&c)
	q.Proto, q.Orig, q.Resp, q.OrigPort, q.RespPort = c.Proto, c.OrigH, c.RespH, c.OrigP, c.RespP
	q.CommunityID = c.CommunityID
	if ok {
		q.Start, q.End, q.HasTime = c.Start, c.Start+c.Duration, true
	} else if jr.Field("ts").Exists() {
		s.rec.BadTime = true
	}
	if q.Proto == 0 {
		if v := jr.Field("ip_proto"); v.Exists() && v.Uint() < 256 {
			q.Proto = uint8(v.Uint())
		}
	}
	return &s.rec, nil
}

// ---- eve ----

type eveSource struct {
	r   *eve.Reader
	rec Record
}

func (s *eveSource) Kind() LogKind         { return LogEve }
func (s *eveSource) Header() *zeek.Header  { return nil }
func (s *eveSource) MalformedCount() int64 { return s.r.MalformedCount() }
func (s *eveSource) Malformed() []Malformed {
	var out []Malformed
	for _, m := range s.r.Malformed() {
		out = append(out, Malformed{Line: m.Line, Reason: m.Reason.String()})
	}
	return out
}

func (s *eveSource) Next() (*Record, error) {
	ev, err := s.r.Next()
	if err != nil {
		return nil, err
	}
	s.rec = Record{Kind: LogEve, JSON: ev.Raw, Event: ev, Line: ev.Line}
	EveQuery(ev, &s.rec.Query)
	return &s.rec, nil
}

// EveQuery builds the join key of an eve event: flow and netflow events span
// flow.start .. flow.end; every other event (alert, dns, ...) is the point
// in time of its timestamp. src_ip is Suricata's client, taken as the
// originator.
func EveQuery(ev *eve.Event, q *Query) {
	*q = Query{CommunityID: ev.CommunityID, Proto: ev.Proto, Orig: ev.SrcIP, Resp: ev.DestIP,
		OrigPort: ev.SrcPort, RespPort: ev.DestPort}
	if ev.Has&eve.HasTuple == 0 {
		q.Orig, q.Resp = ev.SrcIP, ev.DestIP
	}
	switch {
	case (ev.Type == "flow" || ev.Type == "netflow") && ev.Has&eve.HasStart != 0 && ev.Has&eve.HasEnd != 0:
		q.Start, q.End, q.HasTime = ev.Start, ev.End, true
	case ev.Has&eve.HasTimestamp != 0:
		q.Start, q.End, q.HasTime = ev.Timestamp, ev.Timestamp, true
	}
	if q.Proto == 1 || q.Proto == 58 {
		// Suricata logs ICMP type/code in icmp_type/icmp_code, not in ports.
		t, c := icmpTypeCode(ev.Raw)
		q.OrigPort, q.RespPort = t, c
	}
}

// icmpTypeCode reads icmp_type and icmp_code of an eve line (0 if absent).
func icmpTypeCode(raw []byte) (uint16, uint16) {
	t := jsonUint(raw, "icmp_type")
	c := jsonUint(raw, "icmp_code")
	return uint16(t), uint16(c)
}
