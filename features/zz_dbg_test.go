package features
import ("testing";"path/filepath";"github.com/flowmeter/flowmeter/features/decode")
func TestDbgStatus(t *testing.T){
	c:=corpusRoot(t)
	for _,p:=range []string{"zeek/testing/btest/Traces/cisco-fabric-path.pcap","zeek/testing/btest/Traces/pbb.pcap","zeek/testing/btest/Traces/radiotap.pcap","zeek/testing/btest/Traces/tunnels/gre-aruba-amsdu.pcap","zeek/testing/btest/Traces/tunnels/Teredo.pcap","zeek/testing/btest/Traces/tunnels/geneve-vxlan-dns-truncated.pcap"}{
		r,err:=runCapture(filepath.Join(c,p),zeekOptions()); if err!=nil{t.Log(err);continue}
		t.Logf("%s frames %d notIP %d flows %d", p, r.Frames, r.NotIP, len(r.Flows))
		for s,n:=range r.Status{ if n>0{t.Logf("   %s: %d", decode.Status(s), n)}}
		for i:=range r.Flows{f:=&r.Flows[i]; if p=="zeek/testing/btest/Traces/tunnels/Teredo.pcap"{t.Logf("  %v %s:%d > %s:%d %d/%d %s", f.Proto,f.Src,f.SrcPort,f.Dst,f.DstPort,f.Fwd.IPBytes.N,f.Bwd.IPBytes.N, f.CommunityID)}}
	}
}
