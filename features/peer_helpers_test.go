package features

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/flowmeter/flowmeter/features/communityid"
	"github.com/flowmeter/flowmeter/features/decode"
	"github.com/flowmeter/flowmeter/reader"

	"github.com/flowmeter/flowmeter/internal/corpus"
)

// corpusRoot returns the shared corpus directory, or skips the test.
func corpusRoot(t testing.TB) string { return corpus.Require(t) }

// repoRoot returns the directory holding go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found")
		}
		dir = parent
	}
}

// pairRow is one row of the corpus's PAIRS.tsv.
type pairRow = corpus.Pair

// readPairs returns the PAIRS.tsv rows of the given kind.
func readPairs(t testing.TB, dir, kind string) []pairRow { return corpus.Pairs(t, dir, kind) }

// captureRun is the outcome of running the flow table over one capture.
type captureRun struct {
	Flows      []Flow
	Stats      TableStats
	Frames     int64                         // frames read
	Status     [decode.NumStatus]int64       // decode status per frame
	NotIP      int64                         // frames with IPVersion == 0
	NotIPBytes int64                         // their original lengths
	Undecoded  int64                         // frames without IP that are not a known non-IP protocol (ARP, LLDP, LLC, ...)
	TunnelCIDs map[communityid.Hash]struct{} // Community IDs of outer tunnel tuples seen
	TSOCIDs    map[communityid.Hash]struct{} // Community IDs of IPv4 packets whose total length field is 0 (TSO)
	ReadErr    error                         // structural error that stopped reading (nil at io.EOF)
	FirstFrame map[communityid.Hash]int64    // 1-based number of the first frame of any flow with the ID
}

// runCapture opens path, decodes every frame and feeds the IP packets to a
// Table with opts. Flows are copied out of the emit callback.
func runCapture(path string, opts Options) (*captureRun, error) {
	r, err := reader.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	run := &captureRun{TunnelCIDs: map[communityid.Hash]struct{}{}, TSOCIDs: map[communityid.Hash]struct{}{},
		FirstFrame: map[communityid.Hash]int64{}}
	h := communityid.New(opts.CommunityIDSeed)
	keyFirst := map[Key]int64{} // first frame of the open flow with the key (approximate for fragments)
	tab := NewTable(opts, func(f *Flow) {
		run.Flows = append(run.Flows, *f)
		if ff, ok := keyFirst[f.Key]; ok {
			delete(keyFirst, f.Key)
			if old, ok := run.FirstFrame[f.CommunityID]; !ok || ff < old {
				run.FirstFrame[f.CommunityID] = ff
			}
		}
	})
	var p decode.Packet
	for {
		pk, err := r.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				run.ReadErr = err
			}
			break
		}
		run.Frames++
		st := decode.Decode(pk.Data, uint32(pk.LinkType), &p)
		if int(st) < len(run.Status) {
			run.Status[st]++
		}
		if p.IPVersion == 0 {
			run.NotIP++
			run.NotIPBytes += int64(pk.Length)
			if st != decode.StatusNotIP || !knownNonIP(p.EtherType) {
				run.Undecoded++
			}
			continue
		}
		if p.Encap&tunnelBits != 0 && p.Tunnel.Src.IsValid() {
			tu := p.Tunnel
			hasPorts := tu.Proto == 6 || tu.Proto == 17 || tu.Proto == 132
			run.TunnelCIDs[h.Sum(tu.Proto, tu.Src, tu.Dst, tu.SrcPort, tu.DstPort, hasPorts)] = struct{}{}
		}
		if p.IPVersion == 4 && p.Encap&tunnelBits == 0 && zeroIPv4Length(pk.Data, &p) {
			hasPorts := p.HasTransport && (p.Proto == 6 || p.Proto == 17 || p.Proto == 132)
			run.TSOCIDs[h.Sum(p.Proto, p.Src, p.Dst, p.SrcPort, p.DstPort, hasPorts)] = struct{}{}
		}
		tab.Add(&p, pk.Timestamp, pk.Length)
		if k, _ := MakeKey(&p, opts.Key, p.SrcPort, p.DstPort); keyFirst[k] == 0 {
			keyFirst[k] = run.Frames
		}
	}
	tab.Flush()
	run.Stats = tab.Stats
	return run, nil
}

// knownNonIP reports EtherTypes that carry no IP at all (ARP, RARP, LLDP,
// EAPOL, slow protocols, LLC frames with a length field).
func knownNonIP(et uint16) bool {
	switch et {
	case 0x0806, 0x8035, 0x88cc, 0x888e, 0x8809, 0x9000, 0x88f7:
		return true
	}
	return et < 0x0600
}

// zeroIPv4Length finds the packet's IPv4 header in the frame (version 4,
// the decoded addresses at offsets 12 and 16) and reports whether its total
// length field is 0, as in captures taken with TCP segmentation offload.
// It is a test-side check independent of the decoder.
func zeroIPv4Length(frame []byte, p *decode.Packet) bool {
	src, dst := p.Src.As4(), p.Dst.As4()
	for i := 0; i+20 <= len(frame); i++ {
		if frame[i]>>4 != 4 || [4]byte(frame[i+12:i+16]) != src || [4]byte(frame[i+16:i+20]) != dst {
			continue
		}
		return frame[i+2] == 0 && frame[i+3] == 0
	}
	return false
}

// zeekOptions are flow-table options close to Zeek's for comparing totals
// per Community ID: long idle timeout (splits are summed anyway), TCP linger
// 5 s, no active timeout, UDP tunnel carriers counted as Zeek logs them.
func zeekOptions() Options {
	o := DefaultOptions()
	o.TunnelCarriers = true
	o.IdleTimeout = 60e9
	o.ActiveTimeout = 0
	o.TCPLinger = 5e9
	return o
}

// pct formats a/b as a percentage for reports.
func pct(a, b int) float64 {
	if b == 0 {
		return 100
	}
	return 100 * float64(a) / float64(b)
}
