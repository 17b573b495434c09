package boundary

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// encodeJSON returns the JSON encoding of v, exactly as json.Marshal would,
// with fast paths for the scalar types boundaries most often take and return
// (integers, booleans and plain strings): they are appended to dst (usually
// empty, with spare capacity: see marshalArgs) without reflection.
// Everything else goes through json.Marshal.
func encodeJSON[T any](dst []byte, v T) ([]byte, error) {
	if b, ok := appendScalar(dst, any(v)); ok {
		return b, nil
	}
	return json.Marshal(v)
}

// argsBufSize is the buffer a scalar input is encoded into: room for the
// input and, behind it, a scalar output.
const argsBufSize = 48

// marshalArgs returns the JSON array of the call's arguments, [in]. An input
// that cannot be encoded gives [null] and an error.
//
// A scalar input is encoded into buf (empty, with capacity: see Run.buffer;
// nil allocates one of argsBufSize), and what is left of it is returned as
// spare (empty, with the rest as capacity) for encodeJSON to write the
// output in: a call of scalars costs at most one allocation for both. args
// has no capacity beyond its length, so nothing appended to one slice can
// reach the other.
func marshalArgs[In any](buf []byte, in In) (args, spare []byte, err error) {
	if buf == nil && isScalar(any(in)) {
		buf = make([]byte, 0, argsBufSize)
	}
	if b, ok := appendScalar(append(buf, '['), any(in)); ok {
		b = append(b, ']')
		return b[:len(b):len(b)], b[len(b):len(b)], nil
	}
	b, err := json.Marshal([1]In{in})
	if err != nil {
		return []byte("[null]"), nil, err
	}
	return b, nil, nil
}

// isScalar reports whether appendScalar encodes v's type (a string may
// still need json.Marshal).
func isScalar(v any) bool {
	switch v.(type) {
	case int, int64, int32, uint, uint64, uint32, bool, string:
		return true
	}
	return false
}

// appendScalar appends the JSON of v when v is a scalar with a trivially
// exact encoding; ok is false otherwise (and dst is then meaningless).
func appendScalar(dst []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case int:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int64:
		return strconv.AppendInt(dst, x, 10), true
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), true
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint64:
		return strconv.AppendUint(dst, x, 10), true
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case bool:
		return strconv.AppendBool(dst, x), true
	case string:
		if !plainString(x) {
			return dst, false
		}
		dst = append(dst, '"')
		dst = append(dst, x...)
		return append(dst, '"'), true
	}
	return dst, false
}

// plainString reports whether s encodes as itself between quotes: valid
// UTF-8 without control characters, quotes, backslashes, the HTML characters
// json.Marshal escapes, or U+2028/U+2029.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
