package decode

// Status is the outcome of decoding one frame: StatusOK or the reason the
// frame could not be decoded to a transport summary. It never allocates.
type Status uint8

const (
	StatusOK                 Status = iota
	StatusNotIP                     // a valid frame without IP (ARP, LLDP, STP, ...)
	StatusUnsupportedLink           // link type this decoder does not know
	StatusTruncatedLink             // frame shorter than its link header
	StatusTruncatedVLAN             // 802.1Q tag cut short
	StatusTruncatedMPLS             // MPLS label stack cut short
	StatusTruncatedPPPoE            // PPPoE header cut short
	StatusTruncatedIPv4             // shorter than 20 bytes or than IHL
	StatusBadIPv4                   // version / IHL / total length invalid
	StatusTruncatedIPv6             // shorter than 40 bytes
	StatusBadIPv6Ext                // IPv6 extension header chain cut short or invalid
	StatusTruncatedTCP              // TCP header cut short
	StatusBadTCP                    // TCP data offset < 5
	StatusTruncatedUDP              // UDP header cut short
	StatusTruncatedICMP             // ICMP header cut short
	StatusTruncatedSCTP             // SCTP common header cut short
	StatusTruncatedTunnel           // tunnel header cut short
	StatusTooManyLayers             // encapsulation nesting beyond the limit
	numStatus
)
