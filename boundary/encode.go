package boundary

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// encodeJSON returns the JSON encoding of v, exactly as json.Marshal would,
// with fast paths for the scalar types boundaries most often take and return
// (integers, booleans and plain strings): they are appended without
// reflection. Everything else goes through json.Marshal.
func encodeJSON[T any](v T) ([]byte, error) {
	if b, ok := appendScalar(nil, any(v)); ok {
		return b, nil
	}
	return json.Marshal(v)
}

// marshalArgs returns the JSON array of the call's arguments, [in]. An input
// that cannot be encoded gives [null] and an error.
func marshalArgs[In any](in In) ([]byte, error) {
	if b, ok := appendScalar(make([]byte, 1, 24), any(in)); ok {
		b[0] = '['
		return append(b, ']'), nil
	}
	b, err := json.Marshal([1]In{in})
	if err != nil {
		return []byte("[null]"), err
	}
	return b, nil
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
