package features

import "github.com/flowmeter/flowmeter/features/decode"

// Endpoint states, after Zeek's TCP analyzer (TCP_INACTIVE, ...).
type tcpEndpoint uint8

const (
	tcpInactive tcpEndpoint = iota
	tcpSynSent
	tcpSynAckSent
	tcpPartial
	tcpEstablished
	tcpClosed
	tcpReset
)

type tcpState struct {
	orig, resp tcpEndpoint
	closing    bool // both FINs or a RST seen: lingering
	reason     EndReason
	flipped    bool
	origSeqOK  bool
	respSeqOK  bool
	origSeen   uint32 // history letters already logged, bit per letter
	respSeen   uint32
	origSeqEnd uint32 // highest seq+len sent by the originator (for 'T')
	respSeqEnd uint32
	closeAt    int64 // ns: end of the linger
}

// historyLetter appends a Zeek history letter once per direction: upper case
// for the originator, lower case for the responder.
func (f *Flow) historyLetter(fwd bool, c byte) {
	bit := uint32(1) << (c - 'A')
	if fwd {
		if f.tcp.origSeen&bit != 0 {
			return
		}
		f.tcp.origSeen |= bit
	} else {
		if f.tcp.respSeen&bit != 0 {
			return
		}
		f.tcp.respSeen |= bit
		c += 'a' - 'A'
	}
	if int(f.HistoryLen) < len(f.History) {
		f.History[f.HistoryLen] = c
		f.HistoryLen++
	}
}

// seqAfter reports a > b in sequence space (RFC 1982).
func seqAfter(a, b uint32) bool { return int32(a-b) > 0 }

// updateTCP advances the endpoint states and history with one TCP packet.
func (f *Flow) updateTCP(p *decode.Packet, fwd bool, ts int64, linger int64) {
	fl := p.TCPFlags
	me, peer := &f.tcp.orig, &f.tcp.resp
	if !fwd {
		me, peer = peer, me
	}
	syn, ack, fin, rst := fl&decode.TCPSyn != 0, fl&decode.TCPAck != 0, fl&decode.TCPFin != 0, fl&decode.TCPRst != 0

	// History.
	switch {
	case syn && ack:
		f.historyLetter(fwd, 'H')
	case syn:
		f.historyLetter(fwd, 'S')
	}
	if fin {
		f.historyLetter(fwd, 'F')
	}
	if rst {
		f.historyLetter(fwd, 'R')
	}
	if p.PayloadLen > 0 {
		f.historyLetter(fwd, 'D')
		end := p.TCPSeq + p.PayloadLen
		seqEnd, ok := &f.tcp.origSeqEnd, &f.tcp.origSeqOK
		if !fwd {
			seqEnd, ok = &f.tcp.respSeqEnd, &f.tcp.respSeqOK
		}
		if *ok && !seqAfter(end, *seqEnd) {
			f.historyLetter(fwd, 'T')
		}
		if !*ok || seqAfter(end, *seqEnd) {
			*seqEnd, *ok = end, true
		}
	} else if ack && !syn && !fin && !rst {
		f.historyLetter(fwd, 'A')
	}
	if p.TCPWindow == 0 && !rst && !syn {
		f.historyLetter(fwd, 'W')
	}

	// Endpoint states.
	switch {
	case rst:
		// Zeek (UpdateClosedState): after a FIN exchange from both
		// sides, a RST does not change the state.
		if *me != tcpClosed || *peer != tcpClosed {
			*me = tcpReset
		}
	case fin:
		if *me != tcpReset {
			*me = tcpClosed
		}
	case syn && ack:
		switch {
		case *me == tcpInactive && !fwd:
			// Zeek (UpdateInactiveState): the responder's SYN-ACK
			// establishes it, and an originator that sent a SYN.
			*me = tcpEstablished
			if *peer == tcpSynSent {
				*peer = tcpEstablished
			}
		case *me == tcpInactive || *me == tcpPartial || *me == tcpSynSent:
			*me = tcpSynAckSent
		}
	case syn:
		if *me == tcpInactive || *me == tcpPartial {
			*me = tcpSynSent
		}
	default:
		switch *me {
		case tcpInactive:
			// Zeek: a pure ACK answering an established peer (the
			// SYN was missed) establishes; anything else is partial.
			if ack && *peer == tcpEstablished {
				*me = tcpEstablished
			} else {
				*me = tcpPartial
			}
		case tcpSynSent, tcpSynAckSent:
			if ack && (*peer == tcpSynSent || *peer == tcpSynAckSent || *peer == tcpEstablished) {
				*me = tcpEstablished
				if *peer != tcpEstablished {
					*peer = tcpEstablished
				}
			}
		}
	}
	if !f.tcp.closing {
		if rst {
			f.tcp.closing, f.tcp.closeAt, f.tcp.reason = true, ts+linger, EndRST
		} else if f.tcp.orig == tcpClosed && f.tcp.resp == tcpClosed {
			f.tcp.closing, f.tcp.closeAt, f.tcp.reason = true, ts+linger, EndFIN
		}
	}
}

// ConnState is Zeek's conn_state for the flow (base/protocols/conn/main.zeek).
func (f *Flow) ConnState() string {
	os, rs := f.tcp.orig, f.tcp.resp
	switch f.Proto {
	case 6:
		oInactive := os == tcpInactive || os == tcpPartial
		rInactive := rs == tcpInactive || rs == tcpPartial
		switch {
		case rs == tcpReset:
			if os == tcpSynSent || os == tcpSynAckSent ||
				(os == tcpReset && f.Fwd.Payload.Sum == 0 && f.Bwd.Payload.Sum == 0) {
				return "REJ"
			}
			if oInactive {
				return "RSTRH"
			}
			return "RSTR"
		case os == tcpReset:
			if rInactive {
				if f.historyRSTOS0() {
					return "RSTOS0"
				}
				return "OTH"
			}
			return "RSTO"
		case rs == tcpClosed && os == tcpClosed:
			return "SF"
		case os == tcpClosed:
			if rInactive {
				return "SH"
			}
			return "S2"
		case rs == tcpClosed:
			if oInactive {
				return "SHR"
			}
			return "S3"
		case os == tcpSynSent && rs == tcpInactive:
			return "S0"
		case os == tcpEstablished && rs == tcpEstablished:
			return "S1"
		}
		return "OTH"
	case 17:
		if f.Fwd.IPBytes.N > 0 {
			if f.Bwd.IPBytes.N > 0 {
				return "SF"
			}
			return "S0"
		}
		if f.Bwd.IPBytes.N > 0 {
			return "SHR"
		}
		return "OTH"
	}
	return "OTH"
}

// historyRSTOS0 matches Zeek's /\^?S[^HAFGIQ]*R.*/ against the history.
func (f *Flow) historyRSTOS0() bool {
	h := f.History[:f.HistoryLen]
	if len(h) > 0 && h[0] == '^' {
		h = h[1:]
	}
	if len(h) == 0 || h[0] != 'S' {
		return false
	}
	for _, c := range h[1:] {
		switch c {
		case 'R':
			return true
		case 'H', 'A', 'F', 'G', 'I', 'Q':
			return false
		}
	}
	return false
}
