package zeek

import (
	"net/netip"
)

// Conn is the connection view of a conn.log record, used to join log
// records to flows. FillConn and JSONRecord.Conn fill it without allocating.
//
// UID and CommunityID are borrowed from the record (valid until the reader's
// next Next); copy them to keep them.
type Conn struct {
	Start       int64 // ts, ns since the Unix epoch
	Duration    int64 // duration, ns; 0 when unset
	Proto       uint8 // IANA protocol number: tcp 6, udp 17, icmp 1 (IPv4) or 58 (IPv6), sctp 132; 0 unknown
	OrigH       netip.Addr
	RespH       netip.Addr
	OrigP       uint16 // for ICMP, Zeek logs the type here
	RespP       uint16 // for ICMP, Zeek logs the code here
	CommunityID []byte // community_id column; nil when absent or unset
	UID         []byte
	OrigPkts    int64
	RespPkts    int64
	OrigIPBytes int64
	RespIPBytes int64
	HasCounts   bool // all four of orig_pkts, resp_pkts, orig_ip_bytes, resp_ip_bytes were set
}

// connIndex caches the conn.log columns of one header.
type connIndex struct {
	ts, uid, origH, origP, respH, respP, proto, duration int
	origPkts, respPkts, origIPBytes, respIPBytes, cid    int
}

// connIdx returns the cached indexes; setFields fills the cache, so a
// Header returned by a reader is never written here.
func (h *Header) connIdx() *connIndex {
	if h.conn == nil {
		h.conn = &connIndex{
			ts: h.Index("ts"), uid: h.Index("uid"),
			origH: h.Index("id.orig_h"), origP: h.Index("id.orig_p"),
			respH: h.Index("id.resp_h"), respP: h.Index("id.resp_p"),
			proto: h.Index("proto"), duration: h.Index("duration"),
			origPkts: h.Index("orig_pkts"), respPkts: h.Index("resp_pkts"),
			origIPBytes: h.Index("orig_ip_bytes"), respIPBytes: h.Index("resp_ip_bytes"),
			cid: h.Index("community_id"),
		}
	}
	return h.conn
}

// ProtoNumber maps a Zeek transport_proto name ("tcp", "udp", "icmp",
// "sctp", case-insensitive) to its IANA number; icmp is 58 when ipv6 is true.
// Unknown names ("unknown_transport") give 0.
func ProtoNumber(name []byte, ipv6 bool) uint8 {
	switch {
	case equalFold(name, "tcp"):
		return 6
	case equalFold(name, "udp"):
		return 17
	case equalFold(name, "icmp"), equalFold(name, "ipv6-icmp"), equalFold(name, "icmp6"):
		if ipv6 {
			return 58
		}
		return 1
	case equalFold(name, "sctp"):
		return 132
	}
	if n, ok := ParseCount(name); ok && n < 256 {
		return uint8(n)
	}
	return 0
}

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// FillConn fills c from a TSV conn.log record. It returns false (leaving c
// partly filled) when ts, id.orig_h or id.resp_h is missing or does not
// parse; other missing columns leave their zero values. The header's column
// indexes are computed once per header block. It does not allocate after
// the first record of a block.
func FillConn(rec *Record, c *Conn) bool {
	*c = Conn{}
	h := rec.Header
	if h == nil {
		return false
	}
	ix := h.connIdx()
	var st Status
	if c.Start, st = rec.Time(ix.ts); st != OK {
		return false
	}
	if c.OrigH, st = rec.Addr(ix.origH); st != OK {
		return false
	}
	if c.RespH, st = rec.Addr(ix.respH); st != OK {
		return false
	}
	c.Duration, _ = rec.Interval(ix.duration)
	c.OrigP, _ = rec.Port(ix.origP)
	c.RespP, _ = rec.Port(ix.respP)
	if v, st := rec.Raw(ix.proto); st == OK {
		c.Proto = ProtoNumber(v, c.OrigH.Is6() && !c.OrigH.Is4In6())
	}
	if v, st := rec.Raw(ix.uid); st == OK {
		c.UID = v
	}
	if v, st := rec.Raw(ix.cid); st == OK {
		c.CommunityID = v
	}
	var n [4]uint64
	var sts [4]Status
	n[0], sts[0] = rec.Count(ix.origPkts)
	n[1], sts[1] = rec.Count(ix.respPkts)
	n[2], sts[2] = rec.Count(ix.origIPBytes)
	n[3], sts[3] = rec.Count(ix.respIPBytes)
	c.OrigPkts, c.RespPkts, c.OrigIPBytes, c.RespIPBytes = int64(n[0]), int64(n[1]), int64(n[2]), int64(n[3])
	c.HasCounts = sts == [4]Status{}
	return true
}
