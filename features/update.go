package features

import (
	"github.com/flowmeter/flowmeter/features/communityid"
	"github.com/flowmeter/flowmeter/features/decode"
)

// Options configure the flow table and the features it computes. The zero
// value is not useful; start from DefaultOptions.
type Options struct {
	IdleTimeout     int64 // ns without a packet before a flow ends
	ActiveTimeout   int64 // ns after its first packet at which a flow record is cut (0: never)
	TCPLinger       int64 // ns a TCP flow stays after both FINs or a RST, for the last ACKs
	MaxFlows        int   // concurrent flows; beyond it the longest-idle flow is evicted (0: unbounded)
	EarlyPackets    int   // early-flow sequence length, at most MaxEarlyPackets
	ActivityTimeout int64 // CICFlowMeter active/idle threshold, ns
	SubflowGap      int64 // gap that starts a new subflow (and ends a bulk), ns
	Key             KeyOptions
	FragmentTimeout int64 // ns a first fragment's ports are kept for later fragments
	CommunityIDSeed uint16
	// TunnelCarriers also counts a packet tunnelled in UDP (VXLAN, GENEVE,
	// GTP-U, Teredo) in a flow of the outer UDP connection, as Zeek logs it,
	// besides its innermost flow.
	TunnelCarriers bool
}

// DefaultOptions are the defaults documented in docs/FLOWS.md.
func DefaultOptions() Options {
	return Options{
		IdleTimeout:     120e9,
		ActiveTimeout:   1800e9,
		TCPLinger:       5e9,
		MaxFlows:        0,
		EarlyPackets:    10,
		ActivityTimeout: 5e9,
		SubflowGap:      1e9,
		FragmentTimeout: 30e9,
	}
}

// start initialises f from the packet that opens it. fwd tells whether that
// packet travels from endpoint A of the key; the initiator is the packet's
// sender, except that a SYN-ACK seen first makes its receiver the initiator.
func (f *Flow) start(k *Key, aToB bool, p *decode.Packet, ts int64, early int) {
	*f = Flow{} // cleared in place (a literal with fields may build a copy first)
	f.Key, f.EarlyCap = *k, uint8(early)
	flipped := p.Proto == 6 && p.HasTransport && p.TCPFlags&(decode.TCPSyn|decode.TCPAck) == decode.TCPSyn|decode.TCPAck
	f.IPVersion, f.Proto = p.IPVersion, p.Proto
	if flipped {
		f.Src, f.Dst, f.SrcPort, f.DstPort = p.Dst, p.Src, p.DstPort, p.SrcPort
		f.tcp.flipped = true
		aToB = !aToB
		f.History[0] = '^'
		f.HistoryLen = 1
	} else {
		f.Src, f.Dst, f.SrcPort, f.DstPort = p.Src, p.Dst, p.SrcPort, p.DstPort
	}
	f.fwdIsA = aToB
	if p.Proto == 1 || p.Proto == 58 {
		f.SrcPort, f.DstPort = uint16(p.ICMPType), uint16(p.ICMPCode)
	}
	f.HasPorts = p.HasTransport && (p.Proto == 6 || p.Proto == 17 || p.Proto == 132 || p.Proto == 1 || p.Proto == 58)
	if p.NumVLANs > 0 {
		f.VLAN = p.VLANs[0]
	}
	f.Encap, f.Tunnel = p.Encap, p.Tunnel
	f.Start, f.End = ts, ts
	f.ID = flowID(k, ts)
	f.ActiveStart, f.ActiveEnd = ts, ts
	f.Subflows = 1
	f.Fwd.InitWindow, f.Bwd.InitWindow = -1, -1
	f.Fwd.MinHeader, f.Bwd.MinHeader = -1, -1
}

// add accumulates one packet. wire is the frame's original length.
func (f *Flow) add(p *decode.Packet, ts int64, wire uint32, fwd bool, o *Options) {
	d := &f.Fwd
	if !fwd {
		d = &f.Bwd
	}
	if ts < f.End {
		ts = f.End // a capture's clock stepping back never makes a negative gap
	}
	gap := ts - f.End
	if f.seen { // not f.Packets() > 0: that reads both directions' cache lines
		f.IAT.Add(gap)
		// CICFlowMeter activity periods.
		if ts-f.ActiveEnd > o.ActivityTimeout {
			if f.ActiveEnd-f.ActiveStart > 0 {
				f.Active.Add(f.ActiveEnd - f.ActiveStart)
			}
			f.Idle.Add(ts - f.ActiveEnd)
			f.ActiveStart = ts
		}
		f.ActiveEnd = ts
		if gap > o.SubflowGap {
			f.Subflows++
		}
	}
	if f.NumEarly < f.EarlyCap {
		size := int32(p.IPTotalLen)
		if !fwd {
			size = -size
		}
		f.EarlySize[f.NumEarly] = size
		f.EarlyGap[f.NumEarly] = gap
		f.NumEarly++
	}
	f.End = ts
	f.seen = true

	if d.IPBytes.N == 0 {
		d.First = ts
		d.TTLMin, d.TTLMax = p.TTL, p.TTL
	} else {
		d.IAT.Add(ts - d.Last)
		d.TTLMin = min(d.TTLMin, p.TTL)
		d.TTLMax = max(d.TTLMax, p.TTL)
	}
	d.Last = ts
	d.IPBytes.Add(int64(p.IPTotalLen))
	payload := int64(p.PayloadLen)
	d.Payload.Add(payload)
	d.FrameBytes += int64(wire)
	hl := int64(p.L4HeaderLen)
	d.HeaderBytes += hl
	if p.HasTransport && (d.MinHeader < 0 || hl < d.MinHeader) {
		d.MinHeader = hl
	}
	if payload > 0 {
		d.DataPackets++
	}
	if p.Fragment && p.FragOffset > 0 {
		f.Fragments++
	}
	f.updateBulk(d, fwd, payload, ts, o.SubflowGap)

	if p.Proto == 6 && p.HasTransport {
		if d.InitWindow < 0 {
			d.InitWindow = int32(p.TCPWindow)
		}
		d.Window.Add(int64(p.TCPWindow))
		fl := uint32(p.TCPFlags)
		d.FlagsOR |= p.TCPFlags
		// Branch-free (flag bits are unpredictable) and unrolled.
		d.Flags[0] += fl & 1
		d.Flags[1] += fl >> 1 & 1
		d.Flags[2] += fl >> 2 & 1
		d.Flags[3] += fl >> 3 & 1
		d.Flags[4] += fl >> 4 & 1
		d.Flags[5] += fl >> 5 & 1
		d.Flags[6] += fl >> 6 & 1
		d.Flags[7] += fl >> 7 & 1
		d.Flags[8] += fl >> 8 & 1
		f.updateTCP(p, fwd, ts, o.TCPLinger)
	} else if p.Proto == 17 {
		// Zeek's UDP analyzer logs D/d for every packet, empty ones too.
		f.historyLetter(fwd, 'D')
	}
}

// updateBulk is CICFlowMeter's bulk detector with its reference-compare bug
// fixed: a bulk is >= 4 consecutive payload packets of one direction with
// gaps <= SubflowGap and no payload packet of the other direction between.
func (f *Flow) updateBulk(d *Direction, fwd bool, size, ts, maxGap int64) {
	me, other := 0, 1
	if !fwd {
		me, other = 1, 0
	}
	if f.bulkLast[other] > d.BulkStart {
		d.BulkStart = 0
	}
	if size <= 0 {
		return
	}
	last := &f.bulkLast[me]
	if d.BulkStart == 0 || ts-*last > maxGap {
		d.BulkStart, *last = ts, ts
		d.BulkHelperPkts, d.BulkHelperBytes = 1, size
		return
	}
	d.BulkHelperPkts++
	d.BulkHelperBytes += size
	switch {
	case d.BulkHelperPkts == 4:
		d.BulkCount++
		d.BulkPackets += d.BulkHelperPkts
		d.BulkBytes += d.BulkHelperBytes
		d.BulkDuration += ts - d.BulkStart
	case d.BulkHelperPkts > 4:
		d.BulkPackets++
		d.BulkBytes += size
		d.BulkDuration += ts - *last
	}
	*last = ts
}

// finish closes the flow's open activity period and computes its Community ID.
func (f *Flow) finish(reason EndReason, h communityid.Hasher) {
	f.CommunityID = h.Sum(f.Proto, f.Src, f.Dst, f.SrcPort, f.DstPort, f.HasPorts)
	f.Reason = reason
	if f.ActiveEnd-f.ActiveStart > 0 {
		f.Active.Add(f.ActiveEnd - f.ActiveStart)
	}
	f.ActiveStart = f.ActiveEnd
}

// flowID is FNV-1a over the key and start time, cut to 63 bits so that it
// stays positive as a signed column.
func flowID(k *Key, start int64) uint64 {
	h := uint64(14695981039346656037)
	mix := func(b byte) { h = (h ^ uint64(b)) * 1099511628211 }
	for _, w := range [...]uint64{k.AddrA.Hi, k.AddrA.Lo, k.AddrB.Hi, k.AddrB.Lo} {
		for i := 56; i >= 0; i -= 8 { // the address bytes in order
			mix(byte(w >> i))
		}
	}
	for _, v := range [...]uint64{uint64(k.PortA), uint64(k.PortB), uint64(k.Proto), uint64(k.VLAN), uint64(start)} {
		for i := 0; i < 64; i += 8 {
			mix(byte(v >> i))
		}
	}
	return h >> 1
}
