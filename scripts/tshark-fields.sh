#!/bin/sh
# tshark-fields.sh: per-packet field dump made by Wireshark's tshark, the
# independent peer that internal/tsharkcheck compares our reader and decoder
# against (docs/TSHARK_AGREEMENT.md).
#
# Usage:
#   scripts/tshark-fields.sh CAPTURE            TSV (header line + one line per frame) on stdout
#   scripts/tshark-fields.sh -d OUTDIR CAPTURE...
#                                               one OUTDIR/<basename>.tsv per capture
#                                               (its tshark stderr in <basename>.err)
#
# Needs tshark (Debian/Ubuntu package "tshark"; made and checked with 4.0.17).
# Environment: TSHARK (tshark binary, default "tshark").
#
# Output: -E header=y names every column, so readers locate columns by field
# name, not position. -E occurrence=a -E aggregator=, lists every occurrence
# of a field, outermost layer first (tunnels and ICMP error payloads repeat ip.src
# and friends); frame.protocols gives the layer order needed to tell which
# occurrence belongs to which layer. frame.cb_pen is set on the pseudo-frames
# tshark 4.0 makes of pcapng Custom Blocks (they carry no packet). frame.time_epoch
# is empty for pcapng Simple Packet Blocks (no timestamp), and is printed as
# seconds "." nanoseconds with %09d, so a record whose sub-second field is >= 1e9
# prints 10 digits after the point.
#
# Options, each chosen to make tshark show what is on the wire per packet:
#   -n                                  no name resolution (addresses and ports stay numeric)
#   -o ip.defragment:FALSE              no IPv4 reassembly: each fragment is shown as captured
#                                       (with reassembly tshark moves the transport to the last fragment)
#   -o ipv6.defragment:FALSE            same for IPv6 fragments
#   -o tcp.desegment_tcp_streams:FALSE  no TCP reassembly across segments
# UDP-Lite has no fields of its own in tshark 4.0: its ports are udp.srcport/udp.dstport.
#   -o tcp.analyze_sequence_numbers:FALSE
#                                       no SEQ/ACK analysis (not compared; saves time)
#   -o tcp.check_checksum:FALSE, -o udp.check_checksum:FALSE, -o ip.check_checksum:FALSE
#                                       checksums do not matter to the fields compared
#                                       (these are the defaults; stated so a user profile cannot change them)
# A fresh, empty WIRESHARK_CONFIG_DIR keeps the user's Wireshark profile (enabled
# protocols, decode-as rules, preferences) out of the output; heuristic dissectors
# stay at Wireshark's defaults, and the differences they cause are documented
# classes in docs/TSHARK_AGREEMENT.md.
#
# tshark run as root prints 'Running as user "root" and group "root". This could
# be dangerous.' on stderr; it is harmless. tshark exits with status 2 when a
# capture is cut short or corrupt after printing the frames it could read: the
# frames printed are still valid, so this script passes the status on and the
# caller decides.
set -eu

TSHARK=${TSHARK:-tshark}

fields="frame.number frame.time_epoch frame.len frame.cap_len frame.protocols frame.cb_pen
ip.src ip.dst ip.proto ip.len ip.hdr_len ip.flags.mf ip.frag_offset
ipv6.src ipv6.dst ipv6.nxt ipv6.plen
ipv6.hopopts.nxt ipv6.routing.nxt ipv6.dstopts.nxt ipv6.fraghdr.nxt ipv6.fraghdr.offset ipv6.fraghdr.more ah.next_header
tcp.srcport tcp.dstport tcp.flags udp.srcport udp.dstport sctp.srcport sctp.dstport
icmp.type icmp.code icmpv6.type icmpv6.code gre.proto"

cfg=$(mktemp -d "${TMPDIR:-/tmp}/tshark-cfg.XXXXXX")
trap 'rm -rf "$cfg"' EXIT INT TERM

run() {
	args=""
	for f in $fields; do
		args="$args -e $f"
	done
	# $args is split on purpose: field names contain no spaces.
	# shellcheck disable=SC2086
	WIRESHARK_CONFIG_DIR="$cfg" "$TSHARK" -n -r "$1" \
		-o ip.defragment:FALSE -o ipv6.defragment:FALSE \
		-o tcp.desegment_tcp_streams:FALSE -o tcp.analyze_sequence_numbers:FALSE \
		-o tcp.check_checksum:FALSE -o udp.check_checksum:FALSE -o ip.check_checksum:FALSE \
		-T fields -E header=y -E separator=/t -E quote=n \
		-E occurrence=a -E aggregator=, $args
}

if [ "${1:-}" = "-d" ]; then
	[ $# -ge 3 ] || { echo "usage: $0 -d OUTDIR CAPTURE..." >&2; exit 64; }
	out=$2
	shift 2
	mkdir -p "$out"
	rc=0
	for c in "$@"; do
		b=$(basename "$c")
		run "$c" >"$out/$b.tsv" 2>"$out/$b.err" || rc=$?
	done
	exit $rc
fi

[ $# -eq 1 ] || { echo "usage: $0 CAPTURE | $0 -d OUTDIR CAPTURE..." >&2; exit 64; }
run "$1"
