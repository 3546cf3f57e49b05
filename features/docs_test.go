package features

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/flowmeter/flowmeter/internal/corpus"
)

// TestFeatureDocsInSync keeps docs/FEATURES.md equal to what the column
// table generates (run `make docs` after changing a column).
func TestFeatureDocsInSync(t *testing.T) {
	want, err := os.ReadFile("../docs/FEATURES.md")
	if err != nil {
		t.Fatalf("docs/FEATURES.md: %v (run make docs)", err)
	}
	var got bytes.Buffer
	if err := WriteFeatureDocs(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatal("docs/FEATURES.md is out of date: run make docs")
	}
}

// TestCICHeaders checks the cic2017 and cic2018 schemas against the
// datasets' published headers (../shared/cicflowmeter_columns*.txt).
func TestCICHeaders(t *testing.T) {
	for _, tc := range []struct{ schema, file string }{
		{SchemaCIC2017, "cicflowmeter_columns.txt"},
		{SchemaCIC2018, "cicflowmeter_columns_cicids2018.txt"},
	} {
		root, err := corpus.RepoRoot()
		if err != nil {
			t.Skip(err)
		}
		b, err := os.ReadFile(filepath.Join(root, "..", "shared", tc.file))
		if err != nil {
			t.Skipf("shared column lists not available (%v)", err)
		}
		want := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
		s, err := SchemaFor(tc.schema, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Columns) != len(want) {
			t.Errorf("%s: %d columns, dataset has %d", tc.schema, len(s.Columns), len(want))
		}
		for i := range min(len(want), len(s.Columns)) {
			if w := string(bytes.TrimSpace(want[i])); s.Columns[i].Name != w {
				t.Errorf("%s column %d: %q, dataset has %q", tc.schema, i+1, s.Columns[i].Name, w)
			}
		}
	}
}
