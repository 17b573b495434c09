package otelrecord

// maxJSONDepth is the nesting depth encoding/json accepts.
const maxJSONDepth = 10000

// validJSON reports whether s is one valid JSON value, exactly as
// json.Valid does (it is checked against it by FuzzValidJSON), without
// allocating and several times faster: rebuilding validates every payload.
func validJSON(s string) bool {
	v := jsonValidator{s: s}
	v.space()
	if !v.value(0) {
		return false
	}
	v.space()
	return v.i == len(v.s)
}

type jsonValidator struct {
	s string
	i int
}

func (v *jsonValidator) space() {
	for v.i < len(v.s) {
		switch v.s[v.i] {
		case ' ', '\t', '\n', '\r':
			v.i++
		default:
			return
		}
	}
}

func (v *jsonValidator) peek() byte {
	if v.i < len(v.s) {
		return v.s[v.i]
	}
	return 0
}

// value reads one value; depth is the number of arrays and objects it sits
// in.
func (v *jsonValidator) value(depth int) bool {
	switch v.peek() {
	case '{':
		return v.object(depth + 1)
	case '[':
		return v.array(depth + 1)
	case '"':
		return v.str()
	case 't':
		return v.literal("true")
	case 'f':
		return v.literal("false")
	case 'n':
		return v.literal("null")
	default:
		return v.number()
	}
}

func (v *jsonValidator) object(depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	v.i++ // {
	v.space()
	if v.peek() == '}' {
		v.i++
		return true
	}
	for {
		if v.peek() != '"' || !v.str() {
			return false
		}
		v.space()
		if v.peek() != ':' {
			return false
		}
		v.i++
		v.space()
		if !v.value(depth) {
			return false
		}
		v.space()
		if more, ok := v.more('}'); !ok || !more {
			return ok
		}
	}
}

func (v *jsonValidator) array(depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	v.i++ // [
	v.space()
	if v.peek() == ']' {
		v.i++
		return true
	}
	for {
		if !v.value(depth) {
			return false
		}
		v.space()
		if more, ok := v.more(']'); !ok || !more {
			return ok
		}
	}
}

// plainStringByte marks the bytes a JSON string holds as they are: not the
// closing quote, not a backslash, not a control character.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads a string; v.s[v.i] is its opening quote.
func (v *jsonValidator) str() bool {
	v.i++
	for v.i < len(v.s) {
		for v.i < len(v.s) && plainStringByte[v.s[v.i]] {
			v.i++
		}
		if v.i == len(v.s) {
			return false
		}
		c := v.s[v.i]
		switch {
		case c == '"':
			v.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			v.i++
			switch v.peek() {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				v.i++
			case 'u':
				v.i++
				for range 4 {
					if !isHex(v.peek()) {
						return false
					}
					v.i++
				}
			default:
				return false
			}
		default:
			v.i++
		}
	}
	return false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (v *jsonValidator) literal(lit string) bool {
	if len(v.s)-v.i < len(lit) || v.s[v.i:v.i+len(lit)] != lit {
		return false
	}
	v.i += len(lit)
	return true
}

func (v *jsonValidator) digits() int {
	start := v.i
	for v.i < len(v.s) && v.s[v.i] >= '0' && v.s[v.i] <= '9' {
		v.i++
	}
	return v.i - start
}

func (v *jsonValidator) number() bool {
	if v.peek() == '-' {
		v.i++
	}
	switch c := v.peek(); {
	case c == '0':
		v.i++
	case c >= '1' && c <= '9':
		v.digits()
	default:
		return false
	}
	if v.peek() == '.' {
		v.i++
		if v.digits() == 0 {
			return false
		}
	}
	if c := v.peek(); c == 'e' || c == 'E' {
		v.i++
		if c := v.peek(); c == '+' || c == '-' {
			v.i++
		}
		if v.digits() == 0 {
			return false
		}
	}
	return true
}

// more reads what follows a member or an element: a comma (and the white
// space after it) means more follow; close ends the container. ok is false
// on anything else.
func (v *jsonValidator) more(close byte) (more, ok bool) {
	switch v.peek() {
	case ',':
		v.i++
		v.space()
		return true, true
	case close:
		v.i++
		return false, true
	}
	return false, false
}
