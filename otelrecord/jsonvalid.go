package otelrecord

// maxJSONDepth is the nesting depth encoding/json accepts.
const maxJSONDepth = 10000

// validJSON reports whether s is one valid JSON value, exactly as
// json.Valid does (it is checked against it by FuzzValidJSON), without
// allocating and several times faster: rebuilding validates every payload.
//
// The scanner is a set of functions that take and return the read position,
// so that it stays in a register through the hot loops.
func validJSON(s string) bool {
	i, ok := scanValue(s, skipSpace(s, 0), 0)
	return ok && skipSpace(s, i) == len(s)
}

// skipSpace returns the position of the first byte at or after i that is
// not JSON white space.
func skipSpace(s string, i int) int {
	for i < len(s) && s[i] <= ' ' && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
		i++
	}
	return i
}

// scanValue reads the value at i (white space already skipped) and returns
// the position after it; depth is the number of arrays and objects it sits
// in.
func scanValue(s string, i, depth int) (int, bool) {
	if i >= len(s) {
		return i, false
	}
	switch s[i] {
	case '{':
		return scanObject(s, i, depth+1)
	case '[':
		return scanArray(s, i, depth+1)
	case '"':
		return scanString(s, i)
	case 't':
		return scanLiteral(s, i, "true")
	case 'f':
		return scanLiteral(s, i, "false")
	case 'n':
		return scanLiteral(s, i, "null")
	default:
		return scanNumber(s, i)
	}
}

// scanObject reads the object whose '{' is at i.
func scanObject(s string, i, depth int) (int, bool) {
	if depth > maxJSONDepth {
		return i, false
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(s) || s[i] != '"' {
			return i, false
		}
		var ok bool
		if i, ok = scanString(s, i); !ok {
			return i, false
		}
		i = skipSpace(s, i)
		if i >= len(s) || s[i] != ':' {
			return i, false
		}
		if i, ok = scanValue(s, skipSpace(s, i+1), depth); !ok {
			return i, false
		}
		var more bool
		if i, more, ok = scanMore(s, skipSpace(s, i), '}'); !ok || !more {
			return i, ok
		}
	}
}

// scanArray reads the array whose '[' is at i.
func scanArray(s string, i, depth int) (int, bool) {
	if depth > maxJSONDepth {
		return i, false
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = scanValue(s, i, depth); !ok {
			return i, false
		}
		var more bool
		if i, more, ok = scanMore(s, skipSpace(s, i), ']'); !ok || !more {
			return i, ok
		}
	}
}

// scanMore reads what follows a member or an element at i: a comma (and the
// white space after it) means more follow; close ends the container. ok is
// false on anything else.
func scanMore(s string, i int, close byte) (next int, more, ok bool) {
	if i < len(s) {
		switch s[i] {
		case ',':
			return skipSpace(s, i+1), true, true
		case close:
			return i + 1, false, true
		}
	}
	return i, false, false
}

// plainStringByte marks the bytes a JSON string holds as they are: not the
// closing quote, not a backslash, not a control character.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString reads the string whose opening quote is at i.
func scanString(s string, i int) (int, bool) {
	i++
	for {
		for i < len(s) && plainStringByte[s[i]] {
			i++
		}
		if i >= len(s) {
			return i, false
		}
		switch c := s[i]; {
		case c == '"':
			return i + 1, true
		case c == '\\':
			i++
			if i >= len(s) {
				return i, false
			}
			switch s[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if len(s)-i < 5 || !isHex(s[i+1]) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) {
					return i, false
				}
				i += 5
			default:
				return i, false
			}
		default: // a control character
			return i, false
		}
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// scanLiteral reads lit at i.
func scanLiteral(s string, i int, lit string) (int, bool) {
	if len(s)-i < len(lit) || s[i:i+len(lit)] != lit {
		return i, false
	}
	return i + len(lit), true
}

// skipDigits returns the position of the first non-digit at or after i.
func skipDigits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// scanNumber reads the number at i.
func scanNumber(s string, i int) (int, bool) {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s):
		return i, false
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		i = skipDigits(s, i+1)
	default:
		return i, false
	}
	if i < len(s) && s[i] == '.' {
		j := skipDigits(s, i+1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := skipDigits(s, i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

// jsonValidator is a read position in s, for the fast decoders of
// jsonfast.go, which walk the same grammar with these helpers.
type jsonValidator struct {
	s string
	i int
}

func (v *jsonValidator) space() { v.i = skipSpace(v.s, v.i) }

func (v *jsonValidator) peek() byte {
	if v.i < len(v.s) {
		return v.s[v.i]
	}
	return 0
}

func (v *jsonValidator) number() bool {
	var ok bool
	v.i, ok = scanNumber(v.s, v.i)
	return ok
}

// more is scanMore at the read position.
func (v *jsonValidator) more(close byte) (more, ok bool) {
	v.i, more, ok = scanMore(v.s, v.i, close)
	return more, ok
}
