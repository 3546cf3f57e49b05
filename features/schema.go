package features

import "strconv"

// Schema is an ordered list of columns: one output layout (native,
// flowmeter, cic2017, cic2018). Every writer, the docs and the model's
// feature order derive from it.
type Schema struct {
	Name    string
	Columns []Column
}

// Index returns the position of the column called name, or -1.
func (s *Schema) Index(name string) int {
	for i := range s.Columns {
		if s.Columns[i].Name == name {
			return i
		}
	}
	return -1
}

// Deduplicated returns s with repeated column names suffixed ".1", ".2",
// as pandas names them when it reads the CIC-IDS2017 CSVs ("Fwd Header
// Length.1"). JSON objects and Parquet files need unique names; CSV keeps
// the dataset's header as it is.
func (s *Schema) Deduplicated() *Schema {
	seen := map[string]int{}
	out := &Schema{Name: s.Name, Columns: make([]Column, len(s.Columns))}
	copy(out.Columns, s.Columns)
	for i := range out.Columns {
		n := out.Columns[i].Name
		if k := seen[n]; k > 0 {
			out.Columns[i].Name = n + "." + strconv.Itoa(k)
		}
		seen[n]++
	}
	return out
}
