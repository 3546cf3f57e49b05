package decode

// Status is the outcome of decoding one frame: StatusOK or the reason the
// frame could not be decoded to a transport summary. It never allocates.
type Status uint8

const (
	StatusOK              Status = iota
	StatusNotIP                  // a valid frame without IP (ARP, LLDP, STP, ...)
	StatusUnsupportedLink        // link type this decoder does not know
	StatusTruncatedLink          // frame shorter than its link header
	StatusTruncatedVLAN          // 802.1Q tag cut short
	StatusTruncatedMPLS          // MPLS label stack cut short
	StatusTruncatedPPPoE         // PPPoE header cut short
	StatusTruncatedIPv4          // shorter than 20 bytes or than IHL
	StatusBadIPv4                // version / IHL / total length invalid
	StatusTruncatedIPv6          // shorter than 40 bytes
	StatusBadIPv6Ext             // IPv6 extension header chain cut short or invalid
	StatusTruncatedTCP           // TCP header cut short
	StatusBadTCP                 // TCP data offset < 5
	StatusTruncatedUDP           // UDP header cut short
	StatusTruncatedICMP          // ICMP header cut short
	StatusTruncatedSCTP          // SCTP common header cut short
	StatusTruncatedTunnel        // tunnel header cut short
	StatusTooManyLayers          // encapsulation nesting beyond the limit
	StatusBadIPv6                // version nibble is not 6 where IPv6 was expected
	numStatus
)

var statusNames = [numStatus]string{
	StatusOK:              "ok",
	StatusNotIP:           "not IP",
	StatusUnsupportedLink: "unsupported link type",
	StatusTruncatedLink:   "truncated link header",
	StatusTruncatedVLAN:   "truncated VLAN tag",
	StatusTruncatedMPLS:   "truncated MPLS label stack",
	StatusTruncatedPPPoE:  "truncated PPPoE header",
	StatusTruncatedIPv4:   "truncated IPv4 header",
	StatusBadIPv4:         "bad IPv4 header",
	StatusTruncatedIPv6:   "truncated IPv6 header",
	StatusBadIPv6Ext:      "bad IPv6 extension header",
	StatusTruncatedTCP:    "truncated TCP header",
	StatusBadTCP:          "bad TCP data offset",
	StatusTruncatedUDP:    "truncated UDP header",
	StatusTruncatedICMP:   "truncated ICMP header",
	StatusTruncatedSCTP:   "truncated SCTP header",
	StatusTruncatedTunnel: "truncated tunnel header",
	StatusTooManyLayers:   "too many encapsulation layers",
	StatusBadIPv6:         "bad IPv6 version",
}

// String returns a short static description of s (no allocation). Unknown
// values return "unknown status".
func (s Status) String() string {
	if s < numStatus {
		return statusNames[s]
	}
	return "unknown status"
}

// NumStatus is the number of defined Status values; statuses are dense in
// [0, NumStatus), so a [NumStatus]uint64 array can count them.
const NumStatus = int(numStatus)
