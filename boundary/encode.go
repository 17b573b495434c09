package boundary

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// encodeJSON returns the JSON encoding of v, exactly as json.Marshal would,
// with fast paths for the scalar types boundaries most often take and return
// (integers, booleans and plain strings): they are encoded on the stack,
// without reflection, then copied at their size. Everything else goes through
// json.Marshal.
func encodeJSON[T any](v T) ([]byte, error) {
	var tmp [scalarBufSize]byte
	if b, ok := appendScalar(tmp[:0], any(v)); ok {
		return clone(b), nil
	}
	return json.Marshal(v)
}

// scalarBufSize holds the JSON of any number or boolean, and of short strings,
// with the brackets of an argument list: longer strings spill to the heap.
const scalarBufSize = 48

// marshalArgs returns the JSON array of the call's arguments, [in], encoded
// as encodeJSON encodes. An input that cannot be encoded gives [null] and an
// error.
func marshalArgs[In any](in In) ([]byte, error) {
	var tmp [scalarBufSize]byte
	if b, ok := appendScalar(append(tmp[:0], '['), any(in)); ok {
		return clone(append(b, ']')), nil
	}
	b, err := json.Marshal([1]In{in})
	if err != nil {
		return []byte("[null]"), err
	}
	return b, nil
}

// clone returns a copy of b at its size. (make and copy cost less than
// bytes.Clone's append, which rounds the capacity up.)
func clone(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
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
