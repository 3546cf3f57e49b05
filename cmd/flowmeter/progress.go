package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/flowmeter/flowmeter/features/engine"
)

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressBar redraws one status line on a terminal every 200 ms: a bar
// over the input's bytes when its size is known, packets, packets/s, flows.
type progressBar struct {
	w     io.Writer
	prog  *engine.Progress
	total int64 // input bytes (compressed inputs make this approximate), 0 unknown
	start time.Time
	done  chan struct{}
	quit  chan struct{}
}

func startProgress(w io.Writer, prog *engine.Progress, totalBytes int64) *progressBar {
	if !isTerminal(w) {
		return nil
	}
	p := &progressBar{w: w, prog: prog, total: totalBytes, start: time.Now(), done: make(chan struct{}), quit: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				fmt.Fprint(p.w, "\r\033[K")
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
	return p
}

func (p *progressBar) draw() {
	pk, by, fl := p.prog.Packets.Load(), p.prog.Bytes.Load(), p.prog.Flows.Load()
	el := time.Since(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(pk) / el
	}
	bar := ""
	if p.total > 0 {
		frac := min(float64(by)/float64(p.total), 1)
		n := int(frac * 24)
		bar = fmt.Sprintf("[%s%s] %3.0f%% ", strings.Repeat("=", n), strings.Repeat(" ", 24-n), frac*100)
	}
	fmt.Fprintf(p.w, "\r\033[K%s%s packets  %s pkt/s  %s flows  %.0fs", bar, human(float64(pk)), human(rate), human(float64(fl)), el)
}

func (p *progressBar) stop() {
	if p == nil {
		return
	}
	close(p.quit)
	<-p.done
}

// human formats a count with k/M/G suffixes.
func human(x float64) string {
	switch {
	case x >= 1e9:
		return fmt.Sprintf("%.2fG", x/1e9)
	case x >= 1e6:
		return fmt.Sprintf("%.2fM", x/1e6)
	case x >= 1e4:
		return fmt.Sprintf("%.1fk", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}

// inputSize sums the sizes of regular files among paths (for the bar).
func inputSize(paths []string) int64 {
	var n int64
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
	}
	return n
}
