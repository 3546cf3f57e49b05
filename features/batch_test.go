package features

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowmeter/flowmeter/features/decode"
	"github.com/flowmeter/flowmeter/internal/corpus"
	"github.com/flowmeter/flowmeter/internal/gencap"
	"github.com/flowmeter/flowmeter/reader"
)

// TestAddBatchEqualsAdd: AddBatch, in batches of any size, emits exactly the
// flows that Add emits one packet at a time, in the same order and bit for
// bit, under options that exercise every table path: evictions, zero
// linger, tunnel carriers, fragments, VLAN and tunnel keys. The inputs are a
// generated capture (10^3 concurrent flows, TCP teardown, tuple reuse) and
// every corpus capture with IP traffic (skipped when the corpus is absent).
func TestAddBatchEqualsAdd(t *testing.T) {
	var inputs [][]Item
	var names []string
	var buf bytes.Buffer
	if _, err := gencap.Generate(&buf, gencap.Options{Packets: 60000, Concurrent: 1000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	r, err := reader.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	inputs, names = append(inputs, readItems(t, r)), append(names, "gencap")
	if dir, err := corpus.Dir(); err == nil {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng")) {
				return nil
			}
			r, err := reader.Open(p)
			if err != nil {
				return nil
			}
			defer r.Close()
			if items := readItems(t, r); len(items) > 0 {
				inputs, names = append(inputs, items), append(names, p)
			}
			return nil
		})
	} else {
		t.Logf("corpus absent (%v): the generated capture only", err)
	}

	opts := []Options{DefaultOptions()}
	o := DefaultOptions()
	o.IdleTimeout, o.ActiveTimeout, o.TCPLinger, o.MaxFlows = 2e9, 7e9, 0, 50
	opts = append(opts, o)
	o = DefaultOptions()
	o.TunnelCarriers, o.Key = true, KeyOptions{VLAN: true, Tunnel: true}
	o.MaxFlows = 300
	opts = append(opts, o)

	rng := rand.New(rand.NewPCG(1, 2))
	packets := 0
	for i, items := range inputs {
		packets += len(items)
		for oi, o := range opts {
			var want, got []Flow
			ref := NewTable(o, func(f *Flow) { want = append(want, *f) })
			for j := range items {
				ref.Add(&items[j].P, items[j].TS, items[j].Wire)
			}
			ref.Flush()
			tab := NewTable(o, func(f *Flow) { got = append(got, *f) })
			for rest := items; len(rest) > 0; {
				n := min(len(rest), 1+rng.IntN(300))
				tab.AddBatch(rest[:n])
				rest = rest[n:]
			}
			tab.Flush()
			if len(got) != len(want) || ref.Stats != tab.Stats {
				t.Fatalf("%s, options %d: AddBatch emitted %d flows (stats %+v), Add %d (%+v)", names[i], oi, len(got), tab.Stats, len(want), ref.Stats)
			}
			for k := range want {
				if got[k] != want[k] {
					t.Fatalf("%s, options %d: flow %d differs:\nAddBatch %+v\nAdd      %+v", names[i], oi, k, got[k], want[k])
				}
			}
		}
	}
	t.Logf("%d captures, %d packets, %d option sets", len(inputs), packets, len(opts))
}

// readItems decodes every packet of r (undecodable ones too: the table
// counts those without IP).
func readItems(t *testing.T, r *reader.Reader) []Item {
	t.Helper()
	var items []Item
	for {
		pk, err := r.Next()
		if err != nil {
			return items
		}
		var it Item
		decode.Decode(pk.Data, uint32(pk.LinkType), &it.P)
		it.TS, it.Wire = pk.Timestamp, pk.Length
		items = append(items, it)
	}
}

// TestAddr128 holds addr128's reading of netip.Addr's words to As16.
func TestAddr128(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	addrs := []netip.Addr{netip.IPv4Unspecified(), netip.IPv6Unspecified(), netip.MustParseAddr("255.255.255.255"),
		netip.MustParseAddr("::ffff:10.0.0.1"), netip.MustParseAddr("fe80::1%eth0"), netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")}
	for range 1000 {
		var b [16]byte
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		addrs = append(addrs, netip.AddrFrom16(b), netip.AddrFrom4([4]byte(b[:4])))
	}
	for _, a := range addrs {
		b := a.As16()
		want := Addr128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
		if got := addr128(a); got != want {
			t.Fatalf("addr128(%v) = %x, As16 gives %x", a, got, want)
		}
	}
}
