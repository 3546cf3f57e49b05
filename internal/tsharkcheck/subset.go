package tsharkcheck

// Subset is the fixed representative set of corpus captures (paths relative
// to ../shared/corpus) checked by default.
var Subset = []string{
	"community-id-spec/pcaps/combined.pcap.gz",
}
