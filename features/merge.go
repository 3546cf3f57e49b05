package features

// Merge folds o, a later part of the same connection (an active-timeout cut,
// another shard's or another file's part), into f, as if f had seen o's
// packets itself: counts, sums and sums of squares add, so means and
// variances are exact, not averages of averages; the gaps across the
// boundary (f's last packet to o's first, overall and per direction) join
// the inter-arrival statistics. When o's initiator is f's responder, o's
// directions are swapped first. Parts may be given in either order: Merge
// swaps them so the earlier one leads.
func (f *Flow) Merge(o *Flow) {
	if o.Packets() == 0 {
		return
	}
	if f.Packets() == 0 {
		*f = *o
		return
	}
	if o.Start < f.Start {
		early := *o
		late := *f
		*f = early
		f.Merge(&late)
		return
	}
	fwd, bwd := o.Fwd, o.Bwd
	swapped := o.Src == f.Dst && o.Dst == f.Src && (o.Src != o.Dst || o.SrcPort == f.DstPort) && o.Src != f.Src
	if swapped {
		fwd, bwd = bwd, fwd
	}
	gap := max(o.Start-f.End, 0)
	f.IAT.Add(gap)
	f.IAT.Merge(&o.IAT)
	mergeDirection(&f.Fwd, &fwd)
	mergeDirection(&f.Bwd, &bwd)

	// Activity: the boundary gap either extends the active period or is idle.
	if gap > 0 && f.ActiveEnd > 0 {
		f.Idle.Add(gap)
	}
	f.Active.Merge(&o.Active)
	f.Idle.Merge(&o.Idle)
	f.Subflows += o.Subflows
	if gap <= 1e9 && f.Subflows > 1 {
		f.Subflows-- // the boundary was not a subflow gap
	}
	// The early sequence continues with o's packets while f's has room.
	for i := 0; i < int(o.NumEarly) && f.NumEarly < f.EarlyCap; i++ {
		size, g := o.EarlySize[i], o.EarlyGap[i]
		if i == 0 {
			g = gap
		}
		if swapped {
			size = -size
		}
		f.EarlySize[f.NumEarly], f.EarlyGap[f.NumEarly] = size, g
		f.NumEarly++
	}
	f.End = max(f.End, o.End)
	f.Fragments += o.Fragments
	if o.Reason != EndActive {
		f.Reason = o.Reason
	}
	f.tcp.orig = max(f.tcp.orig, o.tcp.orig)
	f.tcp.resp = max(f.tcp.resp, o.tcp.resp)
	for _, c := range o.History[:o.HistoryLen] {
		if c == '^' {
			continue
		}
		up := c
		isFwd := c >= 'A' && c <= 'Z'
		if !isFwd {
			up = c - ('a' - 'A')
		}
		f.historyLetter(isFwd, up)
	}
}

// mergeDirection folds the later direction o into d.
func mergeDirection(d, o *Direction) {
	if o.IPBytes.N == 0 {
		return
	}
	if d.IPBytes.N == 0 {
		*d = *o
		return
	}
	d.IAT.Add(max(o.First-d.Last, 0))
	d.IAT.Merge(&o.IAT)
	d.IPBytes.Merge(&o.IPBytes)
	d.Payload.Merge(&o.Payload)
	d.Window.Merge(&o.Window)
	d.FrameBytes += o.FrameBytes
	d.HeaderBytes += o.HeaderBytes
	if o.MinHeader >= 0 && (d.MinHeader < 0 || o.MinHeader < d.MinHeader) {
		d.MinHeader = o.MinHeader
	}
	d.DataPackets += o.DataPackets
	for i := range d.Flags {
		d.Flags[i] += o.Flags[i]
	}
	d.FlagsOR |= o.FlagsOR
	if d.InitWindow < 0 {
		d.InitWindow = o.InitWindow
	}
	d.TTLMin = min(d.TTLMin, o.TTLMin)
	d.TTLMax = max(d.TTLMax, o.TTLMax)
	d.Last = max(d.Last, o.Last)
	d.BulkCount += o.BulkCount
	d.BulkPackets += o.BulkPackets
	d.BulkBytes += o.BulkBytes
	d.BulkDuration += o.BulkDuration
}
