package features

import (
	"net/netip"
)

// Kind is the type of a feature column. It decides how every writer encodes
// the value: CSV text, a JSON value, a Parquet physical/logical type, a Zeek
// #types entry.
type Kind uint8

const (
	KindInt    Kind = iota + 1 // int64 (Parquet INT64, Zeek int/count)
	KindFloat                  // float64 (Parquet DOUBLE, Zeek double); NaN is written as null/empty
	KindString                 // UTF-8 text (Parquet BYTE_ARRAY STRING, Zeek string)
	KindTime                   // int64 nanoseconds since the Unix epoch (Parquet TIMESTAMP(NANOS, UTC), JSON/CSV RFC 3339 with ns, Zeek time)
	KindAddr                   // IP address (Parquet STRING, Zeek addr); invalid Addr is written as null/empty
)

// String returns the kind's name as used in docs/FEATURES.md.
func (k Kind) String() string {
	switch k {
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindString:
		return "string"
	case KindTime:
		return "time"
	case KindAddr:
		return "addr"
	}
	return "unknown"
}

// Column is one output feature: its name in a schema, its type, its unit and
// how it is computed. Exactly one getter matching Kind is set:
// Int for KindInt and KindTime, Float for KindFloat, String for KindString,
// Addr for KindAddr. Getters read a finished *Flow and never allocate
// (String appends to dst).
type Column struct {
	Name    string // column name in this schema
	Kind    Kind
	Unit    string // "ns", "us", "bytes", "packets", "bytes/us", "" for none
	Formula string // short formula, for docs
	Doc     string // one sentence, for docs

	Int    func(f *Flow) int64
	Float  func(f *Flow) float64
	String func(dst []byte, f *Flow) []byte
	Addr   func(f *Flow) netip.Addr
}
