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

func unsafeBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// jsonGet returns the top-level member key (no path syntax) of an object.
func jsonGet(raw []byte, key string) gjson.Result {
	var out gjson.Result
	gjson.Parse(unsafeString(raw)).ForEach(func(k, v gjson.Result) bool {
		if k.Str == key {
			out = v
			return false
		}
		return true
	})
	return out
}
