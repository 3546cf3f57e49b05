package tsharkcheck

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Example is one disagreement kept for the report.
type Example struct {
	Path   string
	Frame  int
	Detail string
}

// ClassCount is a disagreement class with its packet count and examples.
type ClassCount struct {
	Name     string
	Packets  int
	Files    map[string]int
	Examples []Example
}

// Summary aggregates CaptureResults.
type Summary struct {
	Captures      int
	TsharkRefused int // captures tshark printed no frame for
	Packets       int // frames tshark printed
	Agree         int // frames on which every compared field agrees
	Compared      [NumFields]int
	Agreed        [NumFields]int
	Classes       map[string]*ClassCount
	ReaderErrors  map[string]string // capture -> our reader's error, where tshark printed frames
	CountMismatch map[string][2]int // capture -> (tshark frames, our packets) when they differ
	MaxExamples   int

	Rejected            map[string]int    // our decode.Status -> packets where tshark found IP and we did not
	CustomBlocks        int               // tshark pseudo-frames for pcapng custom blocks (not compared)
	CustomBlockMismatch map[string][2]int // capture -> (tshark custom-block frames, our Stats.CB+DCB)
}

// NewSummary returns an empty Summary keeping up to maxExamples per class.
func NewSummary(maxExamples int) *Summary {
	return &Summary{Classes: map[string]*ClassCount{}, ReaderErrors: map[string]string{},
		CountMismatch: map[string][2]int{}, CustomBlockMismatch: map[string][2]int{}, Rejected: map[string]int{}, MaxExamples: maxExamples}
}

// Add folds one capture into s.
func (s *Summary) Add(cr *CaptureResult) {
	s.Captures++
	if cr.Frames == 0 && cr.TsharkCustomBlocks == 0 {
		s.TsharkRefused++
		return
	}
	if cr.TsharkCustomBlocks != cr.OursCustomBlocks {
		s.CustomBlockMismatch[cr.Path] = [2]int{cr.TsharkCustomBlocks, cr.OursCustomBlocks}
	}
	s.CustomBlocks += cr.TsharkCustomBlocks
	if cr.ReaderErr != nil {
		s.ReaderErrors[cr.Path] = cr.ReaderErr.Error()
	}
	if cr.Frames != cr.Ours {
		s.CountMismatch[cr.Path] = [2]int{cr.Frames, cr.Ours}
	}
	for i := range cr.Results {
		r := &cr.Results[i]
		s.Packets++
		if r.Diff == 0 {
			s.Agree++
		}
		if r.Rejected {
			s.Rejected[r.Status.String()]++
		}
		for f := Field(0); f < NumFields; f++ {
			if r.Compared.Has(f) {
				s.Compared[f]++
				if !r.Diff.Has(f) {
					s.Agreed[f]++
				}
			}
		}
		if r.Diff == 0 {
			continue
		}
		c := s.Classes[r.Class]
		if c == nil {
			c = &ClassCount{Name: r.Class, Files: map[string]int{}}
			s.Classes[r.Class] = c
		}
		c.Packets++
		c.Files[cr.Path]++
		max := s.MaxExamples
		if strings.HasPrefix(r.Class, ClassUnexplained) {
			max = 50 // every unexplained capture is worth seeing
		}
		if len(c.Examples) < max && (len(c.Examples) == 0 || c.Examples[len(c.Examples)-1].Path != cr.Path) {
			c.Examples = append(c.Examples, Example{Path: cr.Path, Frame: i + 1, Detail: r.Detail})
		}
	}
}

// SortedClasses returns the classes by descending packet count.
func (s *Summary) SortedClasses() []*ClassCount {
	out := make([]*ClassCount, 0, len(s.Classes))
	for _, c := range s.Classes {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Packets != out[j].Packets {
			return out[i].Packets > out[j].Packets
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func pct(a, b int) float64 {
	if b == 0 {
		return 100
	}
	return 100 * float64(a) / float64(b)
}

// Report writes the rates and classes as Markdown-friendly text.
func (s *Summary) Report(w io.Writer) {
	fmt.Fprintf(w, "captures: %d (tshark printed no frame for %d)\n", s.Captures, s.TsharkRefused)
	fmt.Fprintf(w, "packets: %d, all fields agree: %d (%.3f%%)\n", s.Packets, s.Agree, pct(s.Agree, s.Packets))
	fmt.Fprintf(w, "| field | compared | agree | rate |\n|---|---:|---:|---:|\n")
	for f := Field(0); f < NumFields; f++ {
		fmt.Fprintf(w, "| %s | %d | %d | %.3f%% |\n", f, s.Compared[f], s.Agreed[f], pct(s.Agreed[f], s.Compared[f]))
	}
	if len(s.Rejected) > 0 {
		fmt.Fprintf(w, "tshark found IP, our decoder did not, by our status:")
		keys := make([]string, 0, len(s.Rejected))
		for k := range s.Rejected {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, " %s=%d", k, s.Rejected[k])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "disagreement classes:\n")
	for _, c := range s.SortedClasses() {
		fmt.Fprintf(w, "- %s: %d packets in %d captures\n", c.Name, c.Packets, len(c.Files))
		for _, e := range c.Examples {
			fmt.Fprintf(w, "    e.g. %s frame %d: %s\n", e.Path, e.Frame, e.Detail)
		}
	}
	fmt.Fprintf(w, "pcapng custom-block pseudo-frames skipped: %d (count mismatches with our reader: %d)\n", s.CustomBlocks, len(s.CustomBlockMismatch))
	for k, v := range s.CustomBlockMismatch {
		fmt.Fprintf(w, "- custom blocks %s: tshark %d, ours %d\n", k, v[0], v[1])
	}
	if len(s.CountMismatch) > 0 {
		fmt.Fprintf(w, "frame count differences (tshark, ours):\n")
		keys := make([]string, 0, len(s.CountMismatch))
		for k := range s.CountMismatch {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "- %s: %v reader error: %s\n", k, s.CountMismatch[k], s.ReaderErrors[k])
		}
	}
}
