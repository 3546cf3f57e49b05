package tsharkcheck

// Subset is the fixed representative set of corpus captures (paths relative
// to ../shared/corpus) that TestCorpusAgainstTshark checks by default; with
// FLOWMETER_CORPUS_FULL=1 it checks every capture of FORMATS.tsv instead.
// Each entry names what it covers (FORMATS.md / FORMATS.tsv traits).
var Subset = []string{
	// Ethernet, gzip pcap, ICMP, ICMPv6, SCTP, port-less protocol
	"community-id-spec/pcaps/combined.pcap.gz", // gzip classic pcap, TCP/UDP/ICMP/ICMPv6/SCTP/ARP, snaplen-truncated
	"community-id-spec/pcaps/icmp.pcap",        // ICMP echo + time exceeded quoting UDP
	"community-id-spec/pcaps/icmp6.pcap",       // ICMPv6 ND, MLD, echo, errors
	"community-id-spec/pcaps/sctp.pcap",        // SCTP
	"community-id-spec/pcaps/rsvp.pcap",        // IP protocol 46, no ports
	"zeek/testing/btest/Traces/communityid/sctp.pcap",
	"zeek/testing/btest/Traces/icmp/icmp-destunreach-udp.pcap",         // ICMP error quoting IP/UDP (second ip.src occurrence)
	"zeek/testing/btest/Traces/icmp/icmp-timeexceeded.pcap",            // ICMP time exceeded
	"zeek/testing/btest/Traces/icmp/icmp6-destunreach-ip6ext-udp.pcap", // ICMPv6 error quoting IPv6 + hop-by-hop + UDP

	// VLAN, QinQ, MPLS, PPPoE, VN-Tag
	"zeek/testing/btest/Traces/http-vlan-0.pcap",       // 802.1Q, VLAN id 0
	"zeek/testing/btest/Traces/icmp_dot1q.pcap",        // 802.1Q + ICMP
	"zeek/testing/btest/Traces/q-in-q.pcap",            // 802.1ad QinQ
	"zeek/testing/btest/Traces/vlan-qinqinq.pcap",      // three tags
	"tcpdump/tests/802.1ad_QinQ.pcap",                  // 0x88a8
	"zeek/testing/btest/Traces/mixed-vlan-mpls.pcap",   // VLAN + MPLS mix
	"zeek/testing/btest/Traces/mpls-in-vlan.pcap",      // MPLS in VLAN
	"tcpdump/tests/mpls-over-udp.pcap",                 // MPLS over UDP 6635
	"tcpdump/tests/pppoes.pcap",                        // PPPoE session
	"zeek/testing/btest/Traces/pppoe-over-qinq.pcap",   // PPPoE over QinQ
	"zeek/testing/btest/Traces/vntag.pcap",             // VN-Tag, nanosecond pcap
	"zeek/testing/btest/Traces/cisco-fabric-path.pcap", // FabricPath (fabricpath-fcs-assumed), IPv6 plen 0
	"tcpdump/tests/arista_ether.pcap",                  // Arista timestamp EtherType (l2-encapsulation-not-decoded)

	// Link types: Linux SLL/SLL2, BSD null/loopback, raw IP, IPv4/IPv6 DLTs, unsupported
	"tcpdump/tests/tcp-handshake-nano.pcap",                    // LINUX_SLL + nanosecond pcap
	"zeek/testing/btest/Traces/linuxsll-arp.pcap",              // LINUX_SLL, ARP (no IP on both sides)
	"zeek/testing/btest/Traces/linux_dlt_sll2.pcap",            // LINUX_SLL2
	"gopacket/pcap/test_loopback.pcap",                         // NULL (BSD loopback)
	"zeek/testing/btest/Traces/udp-multiple-source-ports.pcap", // NULL
	"zeek/testing/btest/Traces/tcp/payload-syn.pcap",           // RAW (101)
	"tcpdump/tests/LINKTYPE_RAW_ipv6.pcap",                     // RAW carrying IPv6
	"tcpdump/tests/LINKTYPE_IPV4.pcap",                         // DLT IPV4 (228)
	"tcpdump/tests/LINKTYPE_IPV6.pcap",                         // DLT IPV6 (229)
	"tcpdump/tests/LINKTYPE_IPV4_invalid.pcap",                 // IPv6 inside DLT_IPV4 (ip-header-invalid)
	"tcpdump/tests/atm-heapoverflow.pcap",                      // SunATM (unsupported, link-pseudo-header-length)
	"tcpdump/tests/802_15_4-data.pcap",                         // 802.15.4/6LoWPAN (unsupported-link-type)

	// Tunnels
	"zeek/testing/btest/Traces/tunnels/gre-pptp.pcap",          // GRE v1 (PPTP) carrying PPP/IPv6
	"zeek/testing/btest/Traces/tunnels/gre-sample.pcap",        // GRE carrying IP
	"zeek/testing/btest/Traces/tunnels/gre-aruba.pcap",         // GRE, Aruba (large: 2400 packets)
	"zeek/testing/btest/Traces/erspanII.pcap",                  // ERSPAN type II
	"zeek/testing/btest/Traces/erspanIII.pcap",                 // ERSPAN type III
	"tcpdump/tests/erspan-type-i-1.pcap",                       // ERSPAN type I
	"zeek/testing/btest/Traces/tunnels/gre-erspan3-dot1q.pcap", // ERSPAN III with 802.1Q inside
	"zeek/testing/btest/Traces/erspan.pcap",                    // ERSPAN in IP fragments (tunnel-in-first-fragment)
	"tcpdump/tests/various_gre.pcap",                           // GRE + Cisco MetaData, keepalives, PIM
	"zeek/testing/btest/Traces/tunnels/vxlan.pcap",             // VXLAN
	"zeek/testing/btest/Traces/tunnels/geneve.pcap",            // GENEVE
	"zeek/testing/btest/Traces/tunnels/geneve-many-options.pcap",
	"zeek/testing/btest/Traces/tunnels/geneve-ipv6.pcap",        // GENEVE carrying IPv6
	"zeek/testing/btest/Traces/tunnels/gtp/gtp7_ipv6.pcap",      // GTP-U carrying IPv6
	"zeek/testing/btest/Traces/tunnels/gtp/gtp8_teredo.pcap",    // GTP-U carrying Teredo (bubbles with trailing bytes)
	"zeek/testing/btest/Traces/tunnels/gtp/gtp_ext_header.pcap", // GTP-U extension headers, IPv4 fragments
	"zeek/testing/btest/Traces/tunnels/4in4.pcap",               // IP-in-IP
	"zeek/testing/btest/Traces/tunnels/6in4.pcap",               // 6in4
	"zeek/testing/btest/Traces/tunnels/4in6.pcap",               // 4in6
	"zeek/testing/btest/Traces/tunnels/6in6in6.pcap",            // nested IPv6-in-IPv6
	"zeek/testing/btest/Traces/tunnels/ping6-in-ipv4.pcap",      // 6in4 + ICMPv6
	"zeek/testing/btest/Traces/tunnels/Teredo.pcap",             // Teredo
	"zeek/testing/btest/Traces/tunnels/ayiya3.pcap",             // AYIYA
	"tcpdump/tests/bigtcp-ipv4-vxlan-ipv4.pcap",                 // BIG TCP over VXLAN (ours-deeper-udp-length-invalid)

	// IPv6 extension headers, fragments, AH/ESP
	"zeek/testing/btest/Traces/ipv6-http-atomic-frag.pcap",  // HBH + dstopts + routing + atomic fragment
	"zeek/testing/btest/Traces/ipv6-hbh-routing0.pcap",      // HBH + routing type 0
	"zeek/testing/btest/Traces/ipv6-mobility-dst-opts.pcap", // dstopts with home address (one malformed)
	"zeek/testing/btest/Traces/ipv6_zero_len_ah.pcap",       // AH
	"zeek/testing/btest/Traces/ip6_esp.pcap",                // ESP
	"zeek/testing/btest/Traces/ipv6-fragmented-dns.pcap",    // IPv6 fragments
	"tcpdump/tests/ipv6_jumbogram_1.pcap",                   // jumbogram, payload length 0
	"zeek/testing/btest/Traces/ipv4/fragmented-1.pcap",      // IPv4 fragments
	"zeek/testing/btest/Traces/ipv4/fragmented-syn.pcap",    // fragmented TCP SYN (tcp-bad-data-offset)
	"tcpdump/tests/espudp1.pcap",                            // ESP in UDP 4500

	// Formats: nanosecond and big-endian pcap, pcapng interfaces/sections/tsresol, gzip pcapng, SPB, custom blocks
	"zeek/testing/btest/Traces/http/get-to-ssh-server.pcap",                // nanosecond pcap
	"suricata-verify/tests/nfs3-01/input.pcap",                             // big-endian pcap
	"tcpdump/tests/pptp.pcap",                                              // big-endian pcap, GRE v1
	"tcpdump/tests/timestamp_invalid_micro.pcap",                           // usec == 1e6 (ten-digit fraction)
	"tcpdump/tests/atm-oam-loopback-print-overrun.pcap",                    // usec >> 1e6 (pcap-subsecond-out-of-range)
	"zeek/testing/btest/Traces/pcapng-multi-interface.pcapng",              // 2 IDBs, if_tsresol 9 and 6
	"pcapng-test-generator/output_le/basic/test006.pcapng",                 // EN10MB + NULL interfaces
	"pcapng-test-generator/output_be/difficult/test202.pcapng",             // several sections, endianness switch, custom blocks, SPB
	"pcapng-test-generator/output_le/advanced/test102.pcapng",              // all block types intermixed
	"gopacket/pcapgo/tests/le/test902.pcapng",                              // if_tsresol 2^-8
	"zeek/testing/btest/Traces/portmapper-many-unanswered-calls.pcapng.gz", // gzip pcapng

	// Truncation and malformed headers
	"zeek/testing/btest/Traces/trunc/ip4-trunc.pcap",
	"zeek/testing/btest/Traces/trunc/ip6-trunc.pcap",
	"zeek/testing/btest/Traces/trunc/ip6-ext-trunc.pcap",
	"zeek/testing/btest/Traces/trunc/icmp-header-trunc.pcap",
	"zeek/testing/btest/Traces/tunnels/geneve-vxlan-dns-truncated.pcap",
	"tcpdump/tests/ip_printroute_asan.pcap",    // IPv4 options cut short (ip-header-truncated)
	"tcpdump/tests/kday1.pcap",                 // IPv4 EtherType with a version-6 header
	"tcpdump/tests/hoobr_rt6_print.pcap",       // IPv6 routing header beyond the payload
	"tcpdump/tests/pim-packet-assortment.pcap", // PIM register (tshark-deeper:pim), caplen > snaplen
}
