// Command fm-docs writes docs/FEATURES.md from the feature table.
package main

import (
	"fmt"
	"os"

	"github.com/flowmeter/flowmeter/features"
)

func main() {
	if err := features.WriteFeatureDocs(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fm-docs:", err)
		os.Exit(1)
	}
}
