package features

import (
	"net/netip"
	"strconv"
)

func nativeColumns(early int) []Column {
	early = min(max(early, 0), MaxEarlyPackets)
	c := []Column{
		intCol("flow_id", "", "fnv64a(key, start) >> 1", "stable flow identifier", func(f *Flow) int64 { return int64(f.ID) }),
		strCol("community_id", "Community ID v1 of (proto, src, dst, ports)", "Community ID (base64) with the configured seed", func(d []byte, f *Flow) []byte { return f.CommunityID.AppendBase64(d) }),
		timeCol("start_time", "ts(first packet)", "time of the flow's first packet", func(f *Flow) int64 { return f.Start }),
		timeCol("end_time", "ts(last packet)", "time of the flow's last packet", func(f *Flow) int64 { return f.End }),
		intCol("duration_ns", "ns", "end_time - start_time", "flow duration", (*Flow).Duration),
		intCol("ip_version", "", "4 or 6", "IP version", func(f *Flow) int64 { return int64(f.IPVersion) }),
		intCol("proto", "", "IP protocol number", "transport protocol (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP, ...)", func(f *Flow) int64 { return int64(f.Proto) }),
		addrCol("src_ip", "initiator address", "address of the initiator (first packet's sender; the receiver of a SYN-ACK seen first)", func(f *Flow) netip.Addr { return f.Src }),
		intCol("src_port", "", "initiator port; ICMP: type", "initiator transport port (ICMP type, as Zeek logs it)", func(f *Flow) int64 { return int64(f.SrcPort) }),
		addrCol("dst_ip", "responder address", "address of the responder", func(f *Flow) netip.Addr { return f.Dst }),
		intCol("dst_port", "", "responder port; ICMP: code", "responder transport port (ICMP code, as Zeek logs it)", func(f *Flow) int64 { return int64(f.DstPort) }),
		intCol("vlan", "", "outer 802.1Q VLAN ID", "outermost VLAN ID of the first packet (0: untagged)", func(f *Flow) int64 { return int64(f.VLAN) }),
		strCol("tunnel", "", "tunnels the flow was carried in (gre, erspan, vxlan, geneve, gtpu, ipinip, teredo, ayiya, udpencap), outermost layers included, comma-separated in a fixed order", func(d []byte, f *Flow) []byte { return appendEncap(d, f.Encap) }),
		addrCol("tunnel_src_ip", "outer source address", "outermost tunnel source address of the first packet (empty when not tunnelled)", func(f *Flow) netip.Addr { return f.Tunnel.Src }),
		addrCol("tunnel_dst_ip", "outer destination address", "outermost tunnel destination address of the first packet", func(f *Flow) netip.Addr { return f.Tunnel.Dst }),
		strCol("end_reason", "", "why the record ended: idle, active_timeout, fin, rst, evicted, end_of_capture", func(d []byte, f *Flow) []byte { return append(d, f.Reason.String()...) }),
		strCol("conn_state", "Zeek's conn_state function", "Zeek-style connection state (S0, S1, SF, REJ, RSTO, ...)", func(d []byte, f *Flow) []byte { return append(d, f.ConnState()...) }),
		strCol("history", "Zeek's history letters", "Zeek-style history (upper case: initiator)", func(d []byte, f *Flow) []byte { return append(d, f.History[:f.HistoryLen]...) }),

		intCol("packets", "packets", "fwd_packets + bwd_packets", "packets in the flow", (*Flow).Packets),
		intCol("fwd_packets", "packets", "count(fwd)", "packets from initiator to responder", func(f *Flow) int64 { return f.Fwd.IPBytes.N }),
		intCol("bwd_packets", "packets", "count(bwd)", "packets from responder to initiator", func(f *Flow) int64 { return f.Bwd.IPBytes.N }),
		intCol("ip_bytes", "bytes", "sum(ip_len)", "sum of IP total lengths (Zeek's orig_ip_bytes + resp_ip_bytes)", func(f *Flow) int64 { return f.Fwd.IPBytes.Sum + f.Bwd.IPBytes.Sum }),
		intCol("fwd_ip_bytes", "bytes", "sum(ip_len, fwd)", "IP bytes from the initiator (Zeek's orig_ip_bytes)", func(f *Flow) int64 { return f.Fwd.IPBytes.Sum }),
		intCol("bwd_ip_bytes", "bytes", "sum(ip_len, bwd)", "IP bytes from the responder (Zeek's resp_ip_bytes)", func(f *Flow) int64 { return f.Bwd.IPBytes.Sum }),
		intCol("payload_bytes", "bytes", "sum(l4_payload)", "transport payload bytes", func(f *Flow) int64 { return f.Fwd.Payload.Sum + f.Bwd.Payload.Sum }),
		intCol("fwd_payload_bytes", "bytes", "sum(l4_payload, fwd)", "transport payload bytes from the initiator", func(f *Flow) int64 { return f.Fwd.Payload.Sum }),
		intCol("bwd_payload_bytes", "bytes", "sum(l4_payload, bwd)", "transport payload bytes from the responder", func(f *Flow) int64 { return f.Bwd.Payload.Sum }),
		intCol("fwd_frame_bytes", "bytes", "sum(frame_len, fwd)", "original frame lengths from the initiator", func(f *Flow) int64 { return f.Fwd.FrameBytes }),
		intCol("bwd_frame_bytes", "bytes", "sum(frame_len, bwd)", "original frame lengths from the responder", func(f *Flow) int64 { return f.Bwd.FrameBytes }),
	}
	c = append(c, statCols("pkt_len", "_bytes", "bytes", "IP total length per packet", mergedStatOf(fwdIPBytes, bwdIPBytes))...)
	c = append(c, statCols("fwd_pkt_len", "_bytes", "bytes", "IP total length per forward packet", statOf(fwdIPBytes))...)
	c = append(c, statCols("bwd_pkt_len", "_bytes", "bytes", "IP total length per backward packet", statOf(bwdIPBytes))...)
	c = append(c, statCols("payload_len", "_bytes", "bytes", "transport payload length per packet", mergedStatOf(fwdPayload, bwdPayload))...)
	c = append(c, statCols("fwd_payload_len", "_bytes", "bytes", "payload length per forward packet", statOf(fwdPayload))...)
	c = append(c, statCols("bwd_payload_len", "_bytes", "bytes", "payload length per backward packet", statOf(bwdPayload))...)
	c = append(c, statCols("iat", "_ns", "ns", "gap between consecutive packets of the flow, either direction", statOf(func(f *Flow) *Stat { return &f.IAT }))...)
	c = append(c,
		intCol("fwd_iat_total_ns", "ns", "sum(fwd gaps) = last_fwd - first_fwd", "sum of gaps between forward packets", func(f *Flow) int64 { return f.Fwd.IAT.Sum }),
		intCol("bwd_iat_total_ns", "ns", "sum(bwd gaps) = last_bwd - first_bwd", "sum of gaps between backward packets", func(f *Flow) int64 { return f.Bwd.IAT.Sum }))
	c = append(c, statCols("fwd_iat", "_ns", "ns", "gap between consecutive forward packets", statOf(fwdIAT))...)
	c = append(c, statCols("bwd_iat", "_ns", "ns", "gap between consecutive backward packets", statOf(bwdIAT))...)
	c = append(c,
		floatCol("packets_per_us", "packets/us", "packets / (duration_ns/1000)", "packet rate (0 for a zero duration)", func(f *Flow) float64 { return f.perUS(f.Packets()) }),
		floatCol("fwd_packets_per_us", "packets/us", "fwd_packets / (duration_ns/1000)", "forward packet rate", func(f *Flow) float64 { return f.perUS(f.Fwd.IPBytes.N) }),
		floatCol("bwd_packets_per_us", "packets/us", "bwd_packets / (duration_ns/1000)", "backward packet rate", func(f *Flow) float64 { return f.perUS(f.Bwd.IPBytes.N) }),
		floatCol("bytes_per_us", "bytes/us", "ip_bytes / (duration_ns/1000)", "IP byte rate (0 for a zero duration)", func(f *Flow) float64 { return f.perUS(f.Fwd.IPBytes.Sum + f.Bwd.IPBytes.Sum) }),
		floatCol("fwd_bytes_per_us", "bytes/us", "fwd_ip_bytes / (duration_ns/1000)", "forward IP byte rate", func(f *Flow) float64 { return f.perUS(f.Fwd.IPBytes.Sum) }),
		floatCol("bwd_bytes_per_us", "bytes/us", "bwd_ip_bytes / (duration_ns/1000)", "backward IP byte rate", func(f *Flow) float64 { return f.perUS(f.Bwd.IPBytes.Sum) }),
		floatCol("down_up_ratio", "", "bwd_packets / fwd_packets", "backward to forward packet ratio (0 without forward packets)", func(f *Flow) float64 { return ratio(f.Bwd.IPBytes.N, f.Fwd.IPBytes.N) }),
	)
	for i, n := range flagNames {
		c = append(c, intCol(n+"_count", "packets", "count(packets with "+n+")", "TCP packets with the "+n+" flag, both directions", func(f *Flow) int64 { return int64(f.Fwd.Flags[i] + f.Bwd.Flags[i]) }))
	}
	for i, n := range flagNames {
		c = append(c, intCol("fwd_"+n+"_count", "packets", "count(fwd packets with "+n+")", "forward TCP packets with the "+n+" flag", func(f *Flow) int64 { return int64(f.Fwd.Flags[i]) }))
	}
	for i, n := range flagNames {
		c = append(c, intCol("bwd_"+n+"_count", "packets", "count(bwd packets with "+n+")", "backward TCP packets with the "+n+" flag", func(f *Flow) int64 { return int64(f.Bwd.Flags[i]) }))
	}
	c = append(c,
		intCol("fwd_header_bytes", "bytes", "sum(l4_header_len, fwd)", "transport header bytes from the initiator (TCP with options, UDP 8)", func(f *Flow) int64 { return f.Fwd.HeaderBytes }),
		intCol("bwd_header_bytes", "bytes", "sum(l4_header_len, bwd)", "transport header bytes from the responder", func(f *Flow) int64 { return f.Bwd.HeaderBytes }),
		intCol("fwd_min_header_bytes", "bytes", "min(l4_header_len, fwd)", "smallest forward transport header (-1: none)", func(f *Flow) int64 { return f.Fwd.MinHeader }),
		intCol("fwd_data_packets", "packets", "count(fwd, payload >= 1)", "forward packets carrying payload", func(f *Flow) int64 { return f.Fwd.DataPackets }),
		intCol("bwd_data_packets", "packets", "count(bwd, payload >= 1)", "backward packets carrying payload", func(f *Flow) int64 { return f.Bwd.DataPackets }),
		intCol("fwd_init_window", "bytes", "tcp.window of the first fwd packet", "raw TCP window of the initiator's first packet (-1: none)", func(f *Flow) int64 { return int64(f.Fwd.InitWindow) }),
		intCol("bwd_init_window", "bytes", "tcp.window of the first bwd packet", "raw TCP window of the responder's first packet (-1: none)", func(f *Flow) int64 { return int64(f.Bwd.InitWindow) }),
	)
	c = append(c, statCols("fwd_window", "_bytes", "bytes", "raw TCP window of forward packets", statOf(fwdWindow))...)
	c = append(c, statCols("bwd_window", "_bytes", "bytes", "raw TCP window of backward packets", statOf(bwdWindow))...)
	c = append(c,
		intCol("fwd_ttl_min", "hops", "min(ttl, fwd)", "smallest TTL / hop limit from the initiator", func(f *Flow) int64 { return int64(f.Fwd.TTLMin) }),
		intCol("fwd_ttl_max", "hops", "max(ttl, fwd)", "largest TTL / hop limit from the initiator", func(f *Flow) int64 { return int64(f.Fwd.TTLMax) }),
		intCol("bwd_ttl_min", "hops", "min(ttl, bwd)", "smallest TTL / hop limit from the responder (0: none)", func(f *Flow) int64 { return int64(f.Bwd.TTLMin) }),
		intCol("bwd_ttl_max", "hops", "max(ttl, bwd)", "largest TTL / hop limit from the responder", func(f *Flow) int64 { return int64(f.Bwd.TTLMax) }),
	)
	c = append(c, statCols("active", "_ns", "ns", "active period (packets less than the activity timeout apart)", statOf(func(f *Flow) *Stat { return &f.Active }))...)
	c = append(c, statCols("idle", "_ns", "ns", "idle period (gaps longer than the activity timeout)", statOf(func(f *Flow) *Stat { return &f.Idle }))...)
	c = append(c,
		intCol("subflows", "", "1 + count(gaps > subflow gap)", "subflows (bursts separated by more than the subflow gap, 1 s)", func(f *Flow) int64 { return f.Subflows }),
		intCol("fwd_bulks", "", "CICFlowMeter bulk count, fwd", "forward bulks (>= 4 payload packets in a row, gaps <= 1 s)", func(f *Flow) int64 { return f.Fwd.BulkCount }),
		intCol("fwd_bulk_bytes", "bytes", "payload in fwd bulks", "forward payload bytes inside bulks", func(f *Flow) int64 { return f.Fwd.BulkBytes }),
		intCol("fwd_bulk_packets", "packets", "packets in fwd bulks", "forward packets inside bulks", func(f *Flow) int64 { return f.Fwd.BulkPackets }),
		intCol("fwd_bulk_duration_ns", "ns", "time in fwd bulks", "time spent in forward bulks", func(f *Flow) int64 { return f.Fwd.BulkDuration }),
		intCol("bwd_bulks", "", "CICFlowMeter bulk count, bwd", "backward bulks", func(f *Flow) int64 { return f.Bwd.BulkCount }),
		intCol("bwd_bulk_bytes", "bytes", "payload in bwd bulks", "backward payload bytes inside bulks", func(f *Flow) int64 { return f.Bwd.BulkBytes }),
		intCol("bwd_bulk_packets", "packets", "packets in bwd bulks", "backward packets inside bulks", func(f *Flow) int64 { return f.Bwd.BulkPackets }),
		intCol("bwd_bulk_duration_ns", "ns", "time in bwd bulks", "time spent in backward bulks", func(f *Flow) int64 { return f.Bwd.BulkDuration }),
		intCol("fragments", "packets", "count(non-first IP fragments)", "non-first IP fragments counted in this flow", func(f *Flow) int64 { return f.Fragments }),
	)
	for i := range early {
		n := strconv.Itoa(i + 1)
		c = append(c,
			intCol("early_len_"+n+"_bytes", "bytes", "ip_len of packet "+n, "IP total length of the flow's packet "+n+" (0: fewer packets)", func(f *Flow) int64 {
				if i >= int(f.NumEarly) {
					return 0
				}
				return int64(abs32(f.EarlySize[i]))
			}),
			intCol("early_dir_"+n, "", "+1 fwd, -1 bwd", "direction of packet "+n+" (0: fewer packets)", func(f *Flow) int64 {
				if i >= int(f.NumEarly) {
					return 0
				}
				if f.EarlySize[i] < 0 {
					return -1
				}
				return 1
			}),
			intCol("early_gap_"+n+"_ns", "ns", "ts(packet "+n+") - ts(packet "+strconv.Itoa(i)+")", "gap before packet "+n+" (0 for the first)", func(f *Flow) int64 {
				if i >= int(f.NumEarly) {
					return 0
				}
				return f.EarlyGap[i]
			}),
		)
	}
	return c
}

func abs32(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}
