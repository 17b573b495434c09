package otelrecord

import (
	"encoding/json"
	"strconv"
)

// redactScan is one pass of a Redactor over a payload. It walks the JSON
// structure (strings, objects, arrays; other values are read as runs of
// bytes up to the next delimiter) and copies nothing until it meets a value
// to replace: the common payload without sensitive keys costs one read and
// no allocation.
type redactScan struct {
	r      *Redactor
	src    []byte
	out    []byte // nil until the first replacement
	copied int    // src[:copied] has been written to out (when out != nil)
	hook   bool   // call r.fn for the members the list leaves alone
	path   []string
	failed bool // r.fn panicked
}

// run returns the redacted payload, or false when src is not one JSON value
// (or r.fn panicked).
func (s *redactScan) run() ([]byte, bool) {
	i, ok := s.value(skipSpaceBytes(s.src, 0), 0)
	if !ok || s.failed || skipSpaceBytes(s.src, i) != len(s.src) {
		return nil, false
	}
	if s.out == nil {
		return s.src, true
	}
	return append(s.out, s.src[s.copied:]...), true
}

// value reads the value at i and returns the position after it; depth is
// the number of arrays and objects it sits in.
func (s *redactScan) value(i, depth int) (int, bool) {
	if i >= len(s.src) {
		return i, false
	}
	switch s.src[i] {
	case '{':
		return s.object(i, depth+1)
	case '[':
		return s.array(i, depth+1)
	case '"':
		return stringEnd(s.src, i)
	default:
		return scalarEnd(s.src, i)
	}
}

// object reads the object whose '{' is at i, replacing the values of its
// sensitive members.
func (s *redactScan) object(i, depth int) (int, bool) {
	if depth > maxJSONDepth {
		return i, false
	}
	i = skipSpaceBytes(s.src, i+1)
	if i < len(s.src) && s.src[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(s.src) || s.src[i] != '"' {
			return i, false
		}
		keyEnd, ok := stringEnd(s.src, i)
		if !ok {
			return keyEnd, false
		}
		key := s.src[i+1 : keyEnd-1]
		i = skipSpaceBytes(s.src, keyEnd)
		if i >= len(s.src) || s.src[i] != ':' {
			return i, false
		}
		vs := skipSpaceBytes(s.src, i+1)
		switch {
		case s.r.sensitive(key):
			if i, ok = skipValue(s.src, vs); ok {
				s.replace(vs, i, redactedJSON)
			}
		case s.hook:
			i, ok = s.member(key, vs, depth)
		default:
			i, ok = s.value(vs, depth)
		}
		if !ok {
			return i, false
		}
		var more bool
		if i, more, ok = s.next(i, '}'); !ok || !more {
			return i, ok
		}
	}
}

// array reads the array whose '[' is at i.
func (s *redactScan) array(i, depth int) (int, bool) {
	if depth > maxJSONDepth {
		return i, false
	}
	i = skipSpaceBytes(s.src, i+1)
	if i < len(s.src) && s.src[i] == ']' {
		return i + 1, true
	}
	for n := 0; ; n++ {
		var ok bool
		if s.hook {
			s.path = append(s.path, strconv.Itoa(n))
			i, ok = s.value(i, depth)
			s.path = s.path[:len(s.path)-1]
		} else {
			i, ok = s.value(i, depth)
		}
		if !ok {
			return i, false
		}
		var more bool
		if i, more, ok = s.next(i, ']'); !ok || !more {
			return i, ok
		}
	}
}

// next reads what follows a member or an element at i: a comma means more
// follow (next returns the position of the next one); close ends the
// container (next returns the position after it). ok is false on anything
// else.
func (s *redactScan) next(i int, close byte) (next int, more, ok bool) {
	i = skipSpaceBytes(s.src, i)
	if i < len(s.src) {
		switch s.src[i] {
		case ',':
			return skipSpaceBytes(s.src, i+1), true, true
		case close:
			return i + 1, false, true
		}
	}
	return i, false, false
}

// member reads the value at vs of a member the list leaves alone, then
// offers it to the RedactFunc.
func (s *redactScan) member(rawKey []byte, vs, depth int) (int, bool) {
	key, ok := unescapeKey(rawKey)
	if !ok {
		return vs, false
	}
	at := s.outPos(vs)
	s.path = append(s.path, key)
	ve, ok := s.value(vs, depth)
	s.path = s.path[:len(s.path)-1]
	if !ok || s.failed {
		return ve, false
	}
	at = s.flush(vs, ve, at)
	cur := s.src[vs:ve]
	if s.out != nil {
		cur = s.out[at:]
	}
	repl, replace := s.callFunc(key, cur)
	if !replace {
		return ve, !s.failed
	}
	repl = s.r.keysOnly(repl)
	if s.out == nil {
		s.replace(vs, ve, repl)
	} else {
		s.out = append(s.out[:at], repl...)
	}
	return ve, true
}

// callFunc calls the RedactFunc, turning a panic into failed.
func (s *redactScan) callFunc(key string, value []byte) (repl json.RawMessage, replace bool) {
	defer func() {
		if recover() != nil {
			s.failed, repl, replace = true, nil, false
		}
	}()
	return s.r.fn(s.path, key, value)
}

// keysOnly redacts a RedactFunc's replacement by the list alone (not by the
// function again): RedactedValue when it is not valid JSON.
func (r *Redactor) keysOnly(repl []byte) []byte {
	if !json.Valid(repl) {
		return redactedJSON[:len(redactedJSON):len(redactedJSON)]
	}
	s := redactScan{r: r, src: repl}
	out, ok := s.run()
	if !ok {
		return redactedJSON[:len(redactedJSON):len(redactedJSON)]
	}
	return out
}

// outPos returns the position in out where src[i:] will go, or -1 while out
// is nil (out then starts as a copy of src, so the position will be i).
func (s *redactScan) outPos(i int) int {
	if s.out == nil {
		return -1
	}
	return len(s.out) + i - s.copied
}

// flush writes src up to the end ve of the value at vs to out, when out
// exists, and returns the value's position in out: at, as outPos gave it
// before the value was read, or vs when out began inside the value (out
// then began as a copy of src).
func (s *redactScan) flush(vs, ve, at int) int {
	if s.out == nil {
		return at
	}
	s.out = append(s.out, s.src[s.copied:ve]...)
	s.copied = ve
	if at < 0 {
		return vs
	}
	return at
}

// replace writes with in place of src[from:to].
func (s *redactScan) replace(from, to int, with []byte) {
	if s.out == nil {
		s.out = make([]byte, 0, len(s.src)+len(with))
	}
	s.out = append(s.out, s.src[s.copied:from]...)
	s.out = append(s.out, with...)
	s.copied = to
}

// skipSpaceBytes returns the position of the first byte at or after i that
// is not JSON white space.
func skipSpaceBytes(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the position after the string whose opening quote is at
// i.
func stringEnd(b []byte, i int) (int, bool) {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '"':
			return i + 1, true
		case '\\':
			i++ // the escaped byte
		}
	}
	return len(b), false
}

// scalarEnd returns the position after the number or literal at i: the
// next delimiter. It reads at least one byte.
func scalarEnd(b []byte, i int) (int, bool) {
	start := i
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ':', '"', '{', '[', ' ', '\n', '\t', '\r':
			return i, i > start
		}
		i++
	}
	return i, i > start
}

// skipValue returns the position after the value at i, replacing nothing.
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
	default:
		return scalarEnd(b, i)
	}
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			var ok bool
			if i, ok = stringEnd(b, i); !ok {
				return i, false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
		i++
	}
	return i, false
}
