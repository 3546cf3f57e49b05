package enricher

import (
	"unsafe"

	"github.com/tidwall/gjson"
)

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// jsonUint returns the top-level member key of a JSON object as an
// unsigned number (0 when absent or not a number). It does not allocate.
func jsonUint(raw []byte, key string) uint64 {
	v := gjson.Get(unsafeString(raw), key)
	if v.Type != gjson.Number {
		return 0
	}
	return v.Uint()
}
