package tsharkcheck

import (
	"fmt"

	"github.com/flowmeter/flowmeter/features/decode"
	"github.com/flowmeter/flowmeter/reader"
)

const (
	ClassReaderMissing = "reader-missing-frame"
	ClassUnexplained   = "unexplained"
)

// Classify names the class of a disagreement.
func Classify(rp *reader.Packet, dp *decode.Packet, f *Frame, v *View, diff Fields) string {
	last := ""
	if l := v.Last(); l != nil {
		last = fmt.Sprint(l.Next)
	}
	return fmt.Sprintf("%s [%s] st=%s inner=%s enc=%d lt=%d tsharkNext=%s", ClassUnexplained, diff, dp.Status, dp.InnerStatus, dp.Encap, rp.LinkType, last)
}
