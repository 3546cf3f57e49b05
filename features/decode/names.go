package decode

var encapNames = [...]string{
	"vlan", "mpls", "pppoe", "gre", "vxlan", "geneve", "gtpu", "ipinip", "teredo", "erspan", "vntag",
	"pbb", "fabricpath", "amsdu", "ayiya", "udpencap",
}

// Name returns the static name of a single Encap bit ("vlan", "gre", ...),
// or "" when e is not exactly one known bit.
func (e Encap) Name() string {
	for i, n := range encapNames {
		if e == 1<<i {
			return n
		}
	}
	return ""
}

// AppendText appends the names of the bits set in e, joined by '+' in bit
// order ("vlan+vxlan"), or "none" when e is 0. It allocates only if dst must
// grow.
func (e Encap) AppendText(dst []byte) ([]byte, error) {
	if e == 0 {
		return append(dst, "none"...), nil
	}
	first := true
	for i := 0; i < 16; i++ {
		if e&(1<<i) == 0 {
			continue
		}
		if !first {
			dst = append(dst, '+')
		}
		first = false
		if i < len(encapNames) {
			dst = append(dst, encapNames[i]...)
		} else {
			dst = append(dst, "bit"...)
			if i >= 10 {
				dst = append(dst, byte('0'+i/10))
			}
			dst = append(dst, byte('0'+i%10))
		}
	}
	return dst, nil
}

// String returns the names of the bits set in e (see AppendText). A single
// bit or zero returns a static string; combinations allocate.
func (e Encap) String() string {
	if e == 0 {
		return "none"
	}
	if n := e.Name(); n != "" {
		return n
	}
	b, _ := e.AppendText(make([]byte, 0, 32))
	return string(b)
}

// LinkTypeName returns the pcap name of a link type (LINKTYPE_ without the
// prefix: "EN10MB", "LINUX_SLL", ...) for the link types Decode supports and
// a few common ones it does not, or "" when it is unknown. No allocation.
func LinkTypeName(linkType uint32) string {
	switch linkType {
	case LinkNull:
		return "NULL"
	case LinkEthernet:
		return "EN10MB"
	case 6:
		return "IEEE802_5"
	case LinkARCNETBSD:
		return "ARCNET_BSD"
	case LinkPPP:
		return "PPP"
	case LinkFDDI:
		return "FDDI"
	case LinkRawOld12, LinkRawOld14, LinkRaw:
		return "RAW"
	case LinkPPPHDLC:
		return "PPP_HDLC"
	case 51:
		return "PPP_ETHER"
	case LinkCHDLC:
		return "C_HDLC"
	case 105:
		return "IEEE802_11"
	case LinkFrameRelay:
		return "FRELAY"
	case LinkLoop:
		return "LOOP"
	case LinkLinuxSLL:
		return "LINUX_SLL"
	case 117:
		return "PFLOG"
	case LinkARCNETLinux:
		return "ARCNET_LINUX"
	case 119:
		return "PRISM_HEADER"
	case 127:
		return "IEEE802_11_RADIOTAP"
	case LinkUser2:
		return "USER2"
	case LinkJuniperEther:
		return "JUNIPER_ETHER"
	case 192:
		return "PPI"
	case 195:
		return "IEEE802_15_4_WITHFCS"
	case 220:
		return "USB_LINUX_MMAPPED"
	case LinkIPNet:
		return "IPNET"
	case LinkIPv4:
		return "IPV4"
	case LinkIPv6:
		return "IPV6"
	case LinkNFLOG:
		return "NFLOG"
	case LinkIPoIB:
		return "IPOIB"
	case LinkPKTAP:
		return "PKTAP"
	case LinkEthernetMPacket:
		return "ETHERNET_MPACKET"
	case LinkLinuxSLL2:
		return "LINUX_SLL2"
	}
	return ""
}

// LinkTypeSupported reports whether Decode decodes frames of linkType (it
// returns StatusUnsupportedLink for all others). LinkUser2 (149) counts as
// supported because macOS writes PKTAP under it, but a frame that does not
// carry a valid PKTAP header is StatusUnsupportedLink.
func LinkTypeSupported(linkType uint32) bool {
	switch linkType {
	case LinkNull, LinkEthernet, LinkPPP, LinkFDDI, LinkRawOld12, LinkRawOld14, LinkPPPHDLC,
		LinkRaw, LinkCHDLC, LinkIEEE80211, LinkLoop, LinkLinuxSLL, LinkRadiotap, LinkIPv4, LinkIPv6,
		LinkLinuxSLL2, LinkARCNETBSD, LinkFrameRelay, LinkARCNETLinux, LinkUser2, LinkJuniperEther,
		LinkIPNet, LinkNFLOG, LinkIPoIB, LinkPKTAP, LinkEthernetMPacket:
		return true
	}
	return false
}
