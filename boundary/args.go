package boundary

import (
	"encoding/json"
	"fmt"
)

// args0 is the arguments of a call of a Boundary0: none, recorded as [].
type args0 struct{}

// args2 is the arguments of a call of a Boundary2, recorded as [a, b].
type args2[A, B any] struct {
	a A
	b B
}

// args3 is the arguments of a call of a Boundary3, recorded as [a, b, c].
type args3[A, B, C any] struct {
	a A
	b B
	c C
}

// encodeArgs0 returns [], the arguments of a call without any.
func encodeArgs0(args0) ([]byte, error) { return []byte{'[', ']'}, nil }

// encodeArgs2 returns [a, b], as argsWriter writes them.
func encodeArgs2[A, B any](x args2[A, B]) ([]byte, error) {
	var tmp [scalarBufSize]byte
	w := argsWriter{buf: append(tmp[:0], '[')}
	writeArg(&w, x.a)
	writeArg(&w, x.b)
	return w.finish()
}

// encodeArgs3 returns [a, b, c], as argsWriter writes them.
func encodeArgs3[A, B, C any](x args3[A, B, C]) ([]byte, error) {
	var tmp [scalarBufSize]byte
	w := argsWriter{buf: append(tmp[:0], '[')}
	writeArg(&w, x.a)
	writeArg(&w, x.b)
	writeArg(&w, x.c)
	return w.finish()
}

// argsWriter writes the JSON array of a call's arguments, after its opening
// bracket: each argument as encodeJSON encodes it, or null when it has no
// JSON encoding, which err then names (the first such argument, counted
// from 1). The array keeps one element per argument either way.
type argsWriter struct {
	buf []byte
	n   int
	err error
}

// writeArg appends v, the next argument.
func writeArg[T any](w *argsWriter, v T) {
	if w.n > 0 {
		w.buf = append(w.buf, ',')
	}
	w.n++
	if b, ok := appendScalar(w.buf, any(v)); ok {
		w.buf = b
		return
	}
	j, err := json.Marshal(v)
	if err != nil {
		if w.err == nil {
			w.err = fmt.Errorf("argument %d: %w", w.n, err)
		}
		j = nullJSON
	}
	w.buf = append(w.buf, j...)
}

// finish closes the array and returns a copy of it at its size.
func (w *argsWriter) finish() ([]byte, error) {
	return clone(append(w.buf, ']')), w.err
}
