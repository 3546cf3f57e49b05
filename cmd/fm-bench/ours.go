package main

import (
	"io"

	"github.com/flowmeter/flowmeter/features/decode"
	"github.com/flowmeter/flowmeter/reader"
)

// oursRun is flowmeter's reader and decoder, the "ours" row. It is kept in
// its own file so that the harness builds even if that API moves: adapt this
// one function.
func oursRun(path string) (uint64, error) {
	r, err := reader.Open(path)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	var p decode.Packet
	var n, transport uint64
	for {
		pkt, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
		n++
		if decode.Decode(pkt.Data, uint32(pkt.LinkType), &p) == decode.StatusOK && p.HasTransport {
			transport++
		}
	}
	sink += transport
	return n, nil
}
