package enricher

import (
	"context"
	"errors"
	"io"
	"sync/atomic"

	"github.com/flowmeter/flowmeter/features"
)

// Summary counts what a join did.
type Summary struct {
	Records        int64             // log records read (malformed lines excluded)
	Matched        int64             // records with at least one flow
	Unmatched      [numReasons]int64 // by Reason (index Matched unused)
	MultiFlow      int64             // matched records that merged more than one flow
	Swapped        int64             // matched records whose orientation was swapped
	BadTime        int64             // records whose time did not parse: matched by ID alone
	IDSources      [4]int64          // by IDSource
	Malformed      int64             // skipped log lines
	MalformedLines []Malformed       // the first of them (capped by the reader)
	Flows          int64             // flows in the index / window
	FlowsUsed      int64             // flows merged into at least one record
	FlowsEmitted   int64             // flows without a record written on their own
	FlowsDropped   int64             // flows without a record not written

	// Streaming join (StreamJoin) only.
	LateRecords int64 // records that arrived after flows they may overlap had left the window (raise the window)
	LateFlows   int64 // flows that ended after a record they overlap was written (raise the hold)
	PeakFlows   int64 // most flows held in the window at once
	PeakPending int64 // most records held at once (the waiting one plus those without a usable time)
	Interrupted bool  // the context was cancelled: reading stopped early, everything read was written
}

// UnmatchedTotal sums the unmatched reasons.
func (s *Summary) UnmatchedTotal() int64 {
	var n int64
	for _, v := range s.Unmatched[1:] {
		n += v
	}
	return n
}

// Progress is updated atomically while a join runs.
type Progress struct {
	Records atomic.Int64
	Matched atomic.Int64
}

func (s *Summary) count(rec *Record, res *Result) {
	s.Records++
	if rec.BadTime {
		s.BadTime++
	}
	s.IDSources[res.Source]++
	if res.Reason == Matched {
		s.Matched++
		if res.N > 1 {
			s.MultiFlow++
		}
		if res.Swapped {
			s.Swapped++
		}
	} else {
		s.Unmatched[res.Reason]++
	}
}

// JoinLog streams every record of src through ix.Join into sink, then, when
// emitUnmatched is set, writes the flows no record matched. Memory does not
// grow with the log. A stream error of the log ends the join and is
// returned after the records before it were written.
func JoinLog(ctx context.Context, src Source, ix *Index, sink Sink, emitUnmatched bool, prog *Progress) (Summary, error) {
	var s Summary
	var res Result
	var logErr error
	for n := 0; ; n++ {
		if n&0xfff == 0 {
			if err := ctx.Err(); err != nil {
				logErr = err
				break
			}
			if prog != nil {
				prog.Records.Store(s.Records)
				prog.Matched.Store(s.Matched)
			}
		}
		rec, err := src.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				logErr = err
			}
			break
		}
		ix.Join(&rec.Query, &res)
		s.count(rec, &res)
		if err := sink.Write(rec, &res); err != nil {
			return s, err
		}
	}
	if prog != nil {
		prog.Records.Store(s.Records)
		prog.Matched.Store(s.Matched)
	}
	s.Malformed = src.MalformedCount()
	s.MalformedLines = src.Malformed()
	flows, used := ix.Counts()
	s.Flows, s.FlowsUsed = int64(flows), int64(used)
	var werr error
	ix.UnusedFlows(func(f *features.Flow) {
		if !emitUnmatched {
			s.FlowsDropped++
			return
		}
		if werr == nil {
			werr = sink.WriteFlow(f)
		}
		s.FlowsEmitted++
	})
	if werr != nil {
		return s, werr
	}
	return s, logErr
}
