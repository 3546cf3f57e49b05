package features

import (
	"net/netip"
	"strconv"
	"time"
)

// The CIC schemas reproduce CICFlowMeter's feature semantics (payload bytes,
// microseconds, sample standard deviation) under the column names of the
// public CIC-IDS2017 and CSE-CIC-IDS2018 datasets, with the published
// feature bugs fixed (docs/FEATURES.md lists each).

type cicVariant uint8

const (
	cic2017 cicVariant = iota
	cic2018
)

const usPerNs = 1e3

func cicColumns(v cicVariant) []Column {
	// name picks the 2017 or 2018 header name.
	name := func(n17, n18 string) string {
		if v == cic2018 {
			return n18
		}
		return n17
	}
	fl := func(n17, n18, unit, formula string, get func(*Flow) float64) Column {
		return floatCol(name(n17, n18), unit, formula, "CICFlowMeter: "+formula, get)
	}
	in := func(n17, n18, unit, formula string, get func(*Flow) int64) Column {
		return intCol(name(n17, n18), unit, formula, "CICFlowMeter: "+formula, get)
	}
	var c []Column
	if v == cic2017 {
		c = append(c,
			strCol("Flow ID", "src-dst-sport-dport-proto", "CICFlowMeter flow id: initiator-responder-ports-protocol", func(d []byte, f *Flow) []byte {
				d = f.Src.AppendTo(d)
				d = append(d, '-')
				d = f.Dst.AppendTo(d)
				d = append(d, '-')
				d = strconv.AppendUint(d, uint64(f.SrcPort), 10)
				d = append(d, '-')
				d = strconv.AppendUint(d, uint64(f.DstPort), 10)
				d = append(d, '-')
				return strconv.AppendUint(d, uint64(f.Proto), 10)
			}),
			addrCol("Source IP", "initiator address", "initiator address", func(f *Flow) netip.Addr { return f.Src }),
			intCol("Source Port", "", "initiator port", "initiator port", func(f *Flow) int64 { return int64(f.SrcPort) }),
			addrCol("Destination IP", "responder address", "responder address", func(f *Flow) netip.Addr { return f.Dst }),
		)
	}
	c = append(c,
		in("Destination Port", "Dst Port", "", "responder port", func(f *Flow) int64 { return int64(f.DstPort) }),
		in("Protocol", "Protocol", "", "IP protocol number", func(f *Flow) int64 { return int64(f.Proto) }),
		strCol("Timestamp", "start time, dd/MM/yyyy HH:mm:ss UTC", "flow start as CICFlowMeter prints it (24-hour clock, UTC)", func(d []byte, f *Flow) []byte {
			return time.Unix(0, f.Start).UTC().AppendFormat(d, "02/01/2006 15:04:05")
		}),
		in("Flow Duration", "Flow Duration", "us", "(end - start) in microseconds, truncated", func(f *Flow) int64 { return f.Duration() / 1000 }),
		in("Total Fwd Packets", "Tot Fwd Pkts", "packets", "forward packets", func(f *Flow) int64 { return f.Fwd.Payload.N }),
		in("Total Backward Packets", "Tot Bwd Pkts", "packets", "backward packets", func(f *Flow) int64 { return f.Bwd.Payload.N }),
		in("Total Length of Fwd Packets", "TotLen Fwd Pkts", "bytes", "sum of forward payload bytes", func(f *Flow) int64 { return f.Fwd.Payload.Sum }),
		in("Total Length of Bwd Packets", "TotLen Bwd Pkts", "bytes", "sum of backward payload bytes", func(f *Flow) int64 { return f.Bwd.Payload.Sum }),
		fl("Fwd Packet Length Max", "Fwd Pkt Len Max", "bytes", "max forward payload", func(f *Flow) float64 { return float64(f.Fwd.Payload.MaxOr0()) }),
		fl("Fwd Packet Length Min", "Fwd Pkt Len Min", "bytes", "min forward payload", func(f *Flow) float64 { return float64(f.Fwd.Payload.MinOr0()) }),
		fl("Fwd Packet Length Mean", "Fwd Pkt Len Mean", "bytes", "mean forward payload", func(f *Flow) float64 { return f.Fwd.Payload.Mean() }),
		fl("Fwd Packet Length Std", "Fwd Pkt Len Std", "bytes", "sample std of forward payload", func(f *Flow) float64 { return f.Fwd.Payload.Std() }),
		fl("Bwd Packet Length Max", "Bwd Pkt Len Max", "bytes", "max backward payload", func(f *Flow) float64 { return float64(f.Bwd.Payload.MaxOr0()) }),
		fl("Bwd Packet Length Min", "Bwd Pkt Len Min", "bytes", "min backward payload", func(f *Flow) float64 { return float64(f.Bwd.Payload.MinOr0()) }),
		fl("Bwd Packet Length Mean", "Bwd Pkt Len Mean", "bytes", "mean backward payload", func(f *Flow) float64 { return f.Bwd.Payload.Mean() }),
		fl("Bwd Packet Length Std", "Bwd Pkt Len Std", "bytes", "sample std of backward payload", func(f *Flow) float64 { return f.Bwd.Payload.Std() }),
		fl("Flow Bytes/s", "Flow Byts/s", "bytes/s", "payload bytes / duration in s (0 for zero duration)", func(f *Flow) float64 { return f.perS(f.Fwd.Payload.Sum + f.Bwd.Payload.Sum) }),
		fl("Flow Packets/s", "Flow Pkts/s", "packets/s", "packets / duration in s (0 for zero duration)", func(f *Flow) float64 { return f.perS(f.Packets()) }),
		fl("Flow IAT Mean", "Flow IAT Mean", "us", "mean gap between consecutive packets", func(f *Flow) float64 { return f.IAT.Mean() / usPerNs }),
		fl("Flow IAT Std", "Flow IAT Std", "us", "sample std of gaps", func(f *Flow) float64 { return f.IAT.Std() / usPerNs }),
		fl("Flow IAT Max", "Flow IAT Max", "us", "max gap", func(f *Flow) float64 { return float64(f.IAT.MaxOr0()) / usPerNs }),
		fl("Flow IAT Min", "Flow IAT Min", "us", "min gap", func(f *Flow) float64 { return float64(f.IAT.MinOr0()) / usPerNs }),
		fl("Fwd IAT Total", "Fwd IAT Tot", "us", "sum of forward gaps", func(f *Flow) float64 { return float64(f.Fwd.IAT.Sum) / usPerNs }),
		fl("Fwd IAT Mean", "Fwd IAT Mean", "us", "mean forward gap", func(f *Flow) float64 { return f.Fwd.IAT.Mean() / usPerNs }),
		fl("Fwd IAT Std", "Fwd IAT Std", "us", "sample std of forward gaps", func(f *Flow) float64 { return f.Fwd.IAT.Std() / usPerNs }),
		fl("Fwd IAT Max", "Fwd IAT Max", "us", "max forward gap", func(f *Flow) float64 { return float64(f.Fwd.IAT.MaxOr0()) / usPerNs }),
		fl("Fwd IAT Min", "Fwd IAT Min", "us", "min forward gap", func(f *Flow) float64 { return float64(f.Fwd.IAT.MinOr0()) / usPerNs }),
		fl("Bwd IAT Total", "Bwd IAT Tot", "us", "sum of backward gaps", func(f *Flow) float64 { return float64(f.Bwd.IAT.Sum) / usPerNs }),
		fl("Bwd IAT Mean", "Bwd IAT Mean", "us", "mean backward gap", func(f *Flow) float64 { return f.Bwd.IAT.Mean() / usPerNs }),
		fl("Bwd IAT Std", "Bwd IAT Std", "us", "sample std of backward gaps", func(f *Flow) float64 { return f.Bwd.IAT.Std() / usPerNs }),
		fl("Bwd IAT Max", "Bwd IAT Max", "us", "max backward gap", func(f *Flow) float64 { return float64(f.Bwd.IAT.MaxOr0()) / usPerNs }),
		fl("Bwd IAT Min", "Bwd IAT Min", "us", "min backward gap", func(f *Flow) float64 { return float64(f.Bwd.IAT.MinOr0()) / usPerNs }),
		in("Fwd PSH Flags", "Fwd PSH Flags", "packets", "forward packets with PSH", func(f *Flow) int64 { return int64(f.Fwd.Flags[flagPSH]) }),
		in("Bwd PSH Flags", "Bwd PSH Flags", "packets", "backward packets with PSH", func(f *Flow) int64 { return int64(f.Bwd.Flags[flagPSH]) }),
		in("Fwd URG Flags", "Fwd URG Flags", "packets", "forward packets with URG", func(f *Flow) int64 { return int64(f.Fwd.Flags[flagURG]) }),
		in("Bwd URG Flags", "Bwd URG Flags", "packets", "backward packets with URG", func(f *Flow) int64 { return int64(f.Bwd.Flags[flagURG]) }),
		in("Fwd Header Length", "Fwd Header Len", "bytes", "sum of forward transport header lengths", func(f *Flow) int64 { return f.Fwd.HeaderBytes }),
		in("Bwd Header Length", "Bwd Header Len", "bytes", "sum of backward transport header lengths", func(f *Flow) int64 { return f.Bwd.HeaderBytes }),
		fl("Fwd Packets/s", "Fwd Pkts/s", "packets/s", "forward packets / duration in s", func(f *Flow) float64 { return f.perS(f.Fwd.Payload.N) }),
		fl("Bwd Packets/s", "Bwd Pkts/s", "packets/s", "backward packets / duration in s", func(f *Flow) float64 { return f.perS(f.Bwd.Payload.N) }),
		fl("Min Packet Length", "Pkt Len Min", "bytes", "min payload, both directions (first packet counted once)", func(f *Flow) float64 { s := f.Payloads(); return float64(s.MinOr0()) }),
		fl("Max Packet Length", "Pkt Len Max", "bytes", "max payload, both directions", func(f *Flow) float64 { s := f.Payloads(); return float64(s.MaxOr0()) }),
		fl("Packet Length Mean", "Pkt Len Mean", "bytes", "mean payload, both directions", func(f *Flow) float64 { s := f.Payloads(); return s.Mean() }),
		fl("Packet Length Std", "Pkt Len Std", "bytes", "sample std of payload, both directions", func(f *Flow) float64 { s := f.Payloads(); return s.Std() }),
		fl("Packet Length Variance", "Pkt Len Var", "bytes^2", "sample variance of payload, both directions", func(f *Flow) float64 { s := f.Payloads(); return s.Var() }),
		in("FIN Flag Count", "FIN Flag Cnt", "packets", "packets with FIN", func(f *Flow) int64 { return int64(f.Fwd.Flags[flagFIN] + f.Bwd.Flags[flagFIN]) }),
		in("SYN Flag Count", "SYN Flag Cnt", "packets", "packets with SYN", func(f *Flow) int64 { return int64(f.Fwd.Flags[flagSYN] + f.Bwd.Flags[flagSYN]) }),
		in("RST Flag Count", "RST Flag Cnt", "packets", "packets with RST", func(f *Flow) int64 { return int64(f.Fwd.Flags[flagRST] + f.Bwd.Flags[flagRST]) }),
		in("PSH Flag Count", "PSH Flag Cnt", "packets", "packets with PSH", func(f *Flow) int64 { return int64(f.Fwd.Flags[flagPSH] + f.Bwd.Flags[flagPSH]) }),
		in("ACK Flag Count", "ACK Flag Cnt", "packets", "packets with ACK", func(f *Flow) int64 { return int64(f.Fwd.Flags[flagACK] + f.Bwd.Flags[flagACK]) }),
		in("URG Flag Count", "URG Flag Cnt", "packets", "packets with URG", func(f *Flow) int64 { return int64(f.Fwd.Flags[flagURG] + f.Bwd.Flags[flagURG]) }),
		in("CWE Flag Count", "CWE Flag Count", "packets", "packets with CWR (the dataset's CWE is a typo of CWR)", func(f *Flow) int64 { return int64(f.Fwd.Flags[flagCWR] + f.Bwd.Flags[flagCWR]) }),
		in("ECE Flag Count", "ECE Flag Cnt", "packets", "packets with ECE", func(f *Flow) int64 { return int64(f.Fwd.Flags[flagECE] + f.Bwd.Flags[flagECE]) }),
		fl("Down/Up Ratio", "Down/Up Ratio", "", "backward packets / forward packets (real division)", func(f *Flow) float64 { return ratio(f.Bwd.Payload.N, f.Fwd.Payload.N) }),
		fl("Average Packet Size", "Pkt Size Avg", "bytes", "payload bytes / packets", func(f *Flow) float64 { return ratio(f.Fwd.Payload.Sum+f.Bwd.Payload.Sum, f.Packets()) }),
		fl("Avg Fwd Segment Size", "Fwd Seg Size Avg", "bytes", "mean forward payload", func(f *Flow) float64 { return f.Fwd.Payload.Mean() }),
		fl("Avg Bwd Segment Size", "Bwd Seg Size Avg", "bytes", "mean backward payload", func(f *Flow) float64 { return f.Bwd.Payload.Mean() }),
	)
	if v == cic2017 {
		c = append(c, intCol("Fwd Header Length", "bytes", "sum of forward transport header lengths", "duplicate of column 41, as in the CIC-IDS2017 CSVs", func(f *Flow) int64 { return f.Fwd.HeaderBytes }))
	}
	bulk := func(d *Direction) (bytes, pkts, rate float64) {
		if d.BulkCount == 0 {
			return 0, 0, 0
		}
		bytes = float64(d.BulkBytes) / float64(d.BulkCount)
		pkts = float64(d.BulkPackets) / float64(d.BulkCount)
		if d.BulkDuration > 0 {
			rate = float64(d.BulkBytes) / (float64(d.BulkDuration) / 1e9)
		}
		return
	}
	sub := func(x int64, f *Flow) float64 { return ratio(x, f.Subflows) }
	c = append(c,
		fl("Fwd Avg Bytes/Bulk", "Fwd Byts/b Avg", "bytes", "forward bulk payload bytes / bulks", func(f *Flow) float64 { b, _, _ := bulk(&f.Fwd); return b }),
		fl("Fwd Avg Packets/Bulk", "Fwd Pkts/b Avg", "packets", "forward bulk packets / bulks", func(f *Flow) float64 { _, p, _ := bulk(&f.Fwd); return p }),
		fl("Fwd Avg Bulk Rate", "Fwd Blk Rate Avg", "bytes/s", "forward bulk bytes / bulk duration in s", func(f *Flow) float64 { _, _, r := bulk(&f.Fwd); return r }),
		fl("Bwd Avg Bytes/Bulk", "Bwd Byts/b Avg", "bytes", "backward bulk payload bytes / bulks", func(f *Flow) float64 { b, _, _ := bulk(&f.Bwd); return b }),
		fl("Bwd Avg Packets/Bulk", "Bwd Pkts/b Avg", "packets", "backward bulk packets / bulks", func(f *Flow) float64 { _, p, _ := bulk(&f.Bwd); return p }),
		fl("Bwd Avg Bulk Rate", "Bwd Blk Rate Avg", "bytes/s", "backward bulk bytes / bulk duration in s", func(f *Flow) float64 { _, _, r := bulk(&f.Bwd); return r }),
		fl("Subflow Fwd Packets", "Subflow Fwd Pkts", "packets", "forward packets / subflows", func(f *Flow) float64 { return sub(f.Fwd.Payload.N, f) }),
		fl("Subflow Fwd Bytes", "Subflow Fwd Byts", "bytes", "forward payload bytes / subflows", func(f *Flow) float64 { return sub(f.Fwd.Payload.Sum, f) }),
		fl("Subflow Bwd Packets", "Subflow Bwd Pkts", "packets", "backward packets / subflows", func(f *Flow) float64 { return sub(f.Bwd.Payload.N, f) }),
		fl("Subflow Bwd Bytes", "Subflow Bwd Byts", "bytes", "backward payload bytes / subflows", func(f *Flow) float64 { return sub(f.Bwd.Payload.Sum, f) }),
		in("Init_Win_bytes_forward", "Init Fwd Win Byts", "bytes", "TCP window of the first forward packet (-1: none)", func(f *Flow) int64 { return int64(f.Fwd.InitWindow) }),
		in("Init_Win_bytes_backward", "Init Bwd Win Byts", "bytes", "TCP window of the first backward packet (-1: none)", func(f *Flow) int64 { return int64(f.Bwd.InitWindow) }),
		in("act_data_pkt_fwd", "Fwd Act Data Pkts", "packets", "forward packets with payload >= 1", func(f *Flow) int64 { return f.Fwd.DataPackets }),
		in("min_seg_size_forward", "Fwd Seg Size Min", "bytes", "smallest forward transport header (as CICFlowMeter computes it)", func(f *Flow) int64 { return max(f.Fwd.MinHeader, 0) }),
		fl("Active Mean", "Active Mean", "us", "mean active period", func(f *Flow) float64 { return f.Active.Mean() / usPerNs }),
		fl("Active Std", "Active Std", "us", "sample std of active periods", func(f *Flow) float64 { return f.Active.Std() / usPerNs }),
		fl("Active Max", "Active Max", "us", "max active period", func(f *Flow) float64 { return float64(f.Active.MaxOr0()) / usPerNs }),
		fl("Active Min", "Active Min", "us", "min active period", func(f *Flow) float64 { return float64(f.Active.MinOr0()) / usPerNs }),
		fl("Idle Mean", "Idle Mean", "us", "mean idle period", func(f *Flow) float64 { return f.Idle.Mean() / usPerNs }),
		fl("Idle Std", "Idle Std", "us", "sample std of idle periods", func(f *Flow) float64 { return f.Idle.Std() / usPerNs }),
		fl("Idle Max", "Idle Max", "us", "max idle period", func(f *Flow) float64 { return float64(f.Idle.MaxOr0()) / usPerNs }),
		fl("Idle Min", "Idle Min", "us", "min idle period", func(f *Flow) float64 { return float64(f.Idle.MinOr0()) / usPerNs }),
		strCol("Label", "NeedManualLabel until a model is given", "label column kept for dataset compatibility", func(d []byte, f *Flow) []byte { return append(d, "NeedManualLabel"...) }),
	)
	return c
}

func flowmeterColumns() []Column {
	st := func(n, unit, what string, g statGetters) []Column {
		return []Column{
			floatCol(n+"Mean", unit, "sum/n", "mean "+what, g.mean),
			floatCol(n+"Std", unit, "sqrt(sum((x-mean)^2)/(n-1))", "sample std of "+what, g.std),
			floatCol(n+"Min", unit, "min", "minimum "+what, g.min),
			floatCol(n+"Max", unit, "max", "maximum "+what, g.max),
		}
	}
	c := []Column{
		addrCol("srcIP", "initiator address", "initiator address (the prior tool swapped source and destination)", func(f *Flow) netip.Addr { return f.Src }),
		addrCol("dstIP", "responder address", "responder address", func(f *Flow) netip.Addr { return f.Dst }),
		intCol("protocol", "", "IP protocol number", "IP protocol", func(f *Flow) int64 { return int64(f.Proto) }),
		intCol("srcPort", "", "initiator port", "initiator port", func(f *Flow) int64 { return int64(f.SrcPort) }),
		intCol("dstPort", "", "responder port", "responder port", func(f *Flow) int64 { return int64(f.DstPort) }),
		intCol("flowDuration", "ns", "end - start", "flow duration", (*Flow).Duration),
		intCol("flowLength", "packets", "packets", "packets in the flow (every packet, no 83-packet cap)", (*Flow).Packets),
		intCol("fwdFlowLength", "packets", "fwd packets", "forward packets", func(f *Flow) int64 { return f.Fwd.IPBytes.N }),
		intCol("bwdFlowLength", "packets", "bwd packets", "backward packets", func(f *Flow) int64 { return f.Bwd.IPBytes.N }),
		intCol("packetSizeTotal", "bytes", "sum(ip_len)", "IP bytes", func(f *Flow) int64 { return f.Fwd.IPBytes.Sum + f.Bwd.IPBytes.Sum }),
	}
	c = append(c, st("packetSize", "bytes", "IP length", mergedStatOf(fwdIPBytes, bwdIPBytes))...)
	c = append(c,
		intCol("fwdPacketSizeTotal", "bytes", "sum(ip_len, fwd)", "forward IP bytes", func(f *Flow) int64 { return f.Fwd.IPBytes.Sum }),
		intCol("bwdPacketSizeTotal", "bytes", "sum(ip_len, bwd)", "backward IP bytes", func(f *Flow) int64 { return f.Bwd.IPBytes.Sum }))
	c = append(c, st("fwdPacketSize", "bytes", "forward IP length", statOf(fwdIPBytes))...)
	c = append(c, st("bwdPacketSize", "bytes", "backward IP length", statOf(bwdIPBytes))...)
	c = append(c, intCol("IATTotal", "ns", "sum(gaps)", "sum of gaps between consecutive packets", func(f *Flow) int64 { return f.IAT.Sum }))
	c = append(c, st("IAT", "ns", "gap between consecutive packets (either direction)", statOf(func(f *Flow) *Stat { return &f.IAT }))...)
	c = append(c,
		intCol("fwdIATTotal", "ns", "sum(fwd gaps)", "sum of forward gaps", func(f *Flow) int64 { return f.Fwd.IAT.Sum }),
		intCol("bwdIATTotal", "ns", "sum(bwd gaps)", "sum of backward gaps", func(f *Flow) int64 { return f.Bwd.IAT.Sum }))
	c = append(c, st("fwdIAT", "ns", "forward gap", statOf(fwdIAT))...)
	c = append(c, st("bwdIAT", "ns", "backward gap", statOf(bwdIAT))...)
	c = append(c,
		floatCol("flowLengthPerTime", "packets/us", "packets / duration_us", "packet rate", func(f *Flow) float64 { return f.perUS(f.Packets()) }),
		floatCol("fwdFlowLengthPerTime", "packets/us", "fwd packets / duration_us", "forward packet rate", func(f *Flow) float64 { return f.perUS(f.Fwd.IPBytes.N) }),
		floatCol("bwdFlowLengthPerTime", "packets/us", "bwd packets / duration_us", "backward packet rate", func(f *Flow) float64 { return f.perUS(f.Bwd.IPBytes.N) }),
		floatCol("packetSizeTotalPerTime", "bytes/us", "ip bytes / duration_us", "byte rate", func(f *Flow) float64 { return f.perUS(f.Fwd.IPBytes.Sum + f.Bwd.IPBytes.Sum) }),
		floatCol("fwdPacketSizeTotalPerTime", "bytes/us", "fwd ip bytes / duration_us", "forward byte rate", func(f *Flow) float64 { return f.perUS(f.Fwd.IPBytes.Sum) }),
		floatCol("bwdPacketSizeTotalPerTime", "bytes/us", "bwd ip bytes / duration_us", "backward byte rate", func(f *Flow) float64 { return f.perUS(f.Bwd.IPBytes.Sum) }),
	)
	return c
}
