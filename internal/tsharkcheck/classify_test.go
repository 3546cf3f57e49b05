package tsharkcheck

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/flowmeter/flowmeter/features/decode"
	"github.com/flowmeter/flowmeter/reader"
)

// compareRow compares a hand-made decoded packet with a tshark row.
func compareRow(t *testing.T, row string, dp *decode.Packet) Result {
	t.Helper()
	f := parseOne(t, row)
	rp := reader.Packet{Timestamp: f.TimeNS, Length: uint32(f.Len), CaptureLength: uint32(f.CapLen), LinkType: 1}
	return Compare(&rp, dp, &f)
}

func TestCompareAgrees(t *testing.T) {
	// What our decoder reports for vxlan.pcap frame 3: the inner ICMP echo,
	// with the outer VXLAN tuple in Tunnel.
	dp := decode.Packet{
		IPVersion: 4, Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), Proto: 1,
		IPTotalLen: 84, HasTransport: true, ICMPType: 8, Encap: decode.EncapVXLAN,
		Tunnel: decode.Tunnel{Src: netip.MustParseAddr("192.168.56.11"), Dst: netip.MustParseAddr("192.168.56.12"),
			Proto: 17, SrcPort: 48134, DstPort: 4789},
	}
	r := compareRow(t, rowVXLAN, &dp)
	if r.Diff != 0 || !r.Compared.Has(FieldTunnel) || !r.Compared.Has(FieldICMP) {
		t.Fatalf("diff %s (%s), compared %s", r.Diff, r.Detail, r.Compared)
	}
	// A wrong outer port is a tunnel disagreement no class explains.
	dp.Tunnel.SrcPort = 1
	if r := compareRow(t, rowVXLAN, &dp); r.Diff != 1<<FieldTunnel || r.Class != ClassUnexplained {
		t.Errorf("bad tunnel port: diff %s class %q", r.Diff, r.Class)
	}
}

func TestCompareICMPError(t *testing.T) {
	// The quoted IP/UDP header of an ICMP error is not a layer: our decoder
	// reports the ICMP packet and must agree.
	dp := decode.Packet{
		IPVersion: 4, Src: netip.MustParseAddr("192.168.1.102"), Dst: netip.MustParseAddr("192.168.1.1"), Proto: 1,
		IPTotalLen: 176, HasTransport: true, ICMPType: 3, ICMPCode: 3,
	}
	if r := compareRow(t, rowICMPErr, &dp); r.Diff != 0 {
		t.Fatalf("diff %s: %s", r.Diff, r.Detail)
	}
}

// rowNHRP is tcpdump/tests/nhrp-trace.pcap frame 1 (an NHRP error
// indication quoting an ICMP packet), as scripts/tshark-fields.sh prints it.
const rowNHRP = "1\t1194419497.354029000\t140\t140\teth:ethertype:ip:gre:nhrp:ip:icmp:data\t\t192.168.200.1,10.255.255.3\t192.168.200.3,10.255.255.2\t47,1\t126,100\t20,20\t0,0\t0,0\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t8\t0\t\t\t0x2001"

func TestClassifyDeeper(t *testing.T) {
	// Our decoder stops at the GRE packet carrying NHRP: a documented
	// tshark-deeper signature.
	dp := decode.Packet{
		IPVersion: 4, Src: netip.MustParseAddr("192.168.200.1"), Dst: netip.MustParseAddr("192.168.200.3"), Proto: 47,
		IPTotalLen: 126, InnerStatus: decode.StatusNotIP,
	}
	if r := compareRow(t, rowNHRP, &dp); r.Class != DeeperPrefix+"gre/0x2001:nhrp" {
		t.Errorf("GRE/NHRP: class %q (%s)", r.Class, r.Detail)
	}
	// Cisco MetaData in GRE is decoded now: stopping at the GRE packet
	// would be our bug, so no class may explain it.
	dp = decode.Packet{
		IPVersion: 4, Src: netip.MustParseAddr("10.172.64.7"), Dst: netip.MustParseAddr("10.172.64.6"), Proto: 47,
		IPTotalLen: 64, Encap: decode.EncapVLAN, InnerStatus: decode.StatusNotIP,
	}
	if r := compareRow(t, rowGRECMD, &dp); !strings.HasPrefix(r.Class, ClassUnexplained) {
		t.Errorf("GRE/CMD not decoded: class %q, want unexplained", r.Class)
	}
	// Stopping at the outer header of 6in4 would be our bug: IP-in-IP is a
	// tunnel we decode, so no class may explain it.
	dp = decode.Packet{
		IPVersion: 4, Src: netip.MustParseAddr("1.2.3.4"), Dst: netip.MustParseAddr("5.6.7.8"), Proto: 41, IPTotalLen: 72,
	}
	if r := compareRow(t, row6in4, &dp); !strings.HasPrefix(r.Class, ClassUnexplained) {
		t.Errorf("6in4 not decoded: class %q, want unexplained", r.Class)
	}
}

func TestClassifyRules(t *testing.T) {
	// A truncated transport header explains port differences only.
	dp := decode.Packet{
		Status: decode.StatusTruncatedTCP, IPVersion: 6, Src: netip.MustParseAddr("2001:db8:1::2"),
		Dst: netip.MustParseAddr("2001:db8:1::1"), Proto: 6, IPTotalLen: 68,
	}
	r := compareRow(t, rowDstOpts, &dp)
	if r.Class != "transport-header-truncated" || r.Diff != 1<<FieldPorts|1<<FieldTCPFlags {
		t.Errorf("truncated TCP: class %q diff %s", r.Class, r.Diff)
	}
	// ... but not a wrong address as well.
	dp.Src = netip.MustParseAddr("2001:db8:1::9")
	if r := compareRow(t, rowDstOpts, &dp); r.Class != ClassUnexplained {
		t.Errorf("truncated TCP + wrong src: class %q", r.Class)
	}
	// Every documented class has a rule and an explanation.
	for _, c := range Classes {
		if c.Name == "" || c.Rule == "" || c.Why == "" || c.Explains == 0 || c.match == nil {
			t.Errorf("class %+v incomplete", c)
		}
	}
}

// TestPrintClassTable prints the Markdown class table of
// docs/TSHARK_AGREEMENT.md when FLOWMETER_TSHARK_CLASSES=1.
func TestPrintClassTable(t *testing.T) {
	if os.Getenv("FLOWMETER_TSHARK_CLASSES") == "" {
		t.Skip("set FLOWMETER_TSHARK_CLASSES=1 to print the class table")
	}
	var b strings.Builder
	b.WriteString("| class | fields it may explain | rule | why |\n|---|---|---|---|\n")
	for _, c := range Classes {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", c.Name, c.Explains, c.Rule, c.Why)
	}
	b.WriteString("\n| class | why |\n|---|---|\n")
	for _, sig := range DeeperSignatures() {
		w, _ := DeeperWhy(sig)
		fmt.Fprintf(&b, "| `%s%s` | %s |\n", DeeperPrefix, sig, w)
	}
	fmt.Print(b.String())
}
