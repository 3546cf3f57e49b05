package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// parseInterspersed parses flags that may appear before, between or after
// positional arguments ("flows a.pcap -o out.csv b.pcap"); "--" ends flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, usagef("%s", strings.TrimPrefix(err.Error(), "flag provided but not defined: "))
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// durationFlag accepts Go durations ("90s", "5m") and plain seconds ("120").
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		var secs float64
		if _, err2 := fmt.Sscanf(s, "%g", &secs); err2 != nil || secs < 0 {
			return fmt.Errorf("invalid duration %q (use 90s, 5m or a number of seconds)", s)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 {
		return fmt.Errorf("negative duration %q", s)
	}
	*f.d = d
	return nil
}
