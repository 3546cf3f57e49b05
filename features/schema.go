package features

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
