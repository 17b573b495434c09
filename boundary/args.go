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

// encodeArgs2 returns [a, b], each argument as appendArg appends it.
func encodeArgs2[A, B any](x args2[A, B]) ([]byte, error) {
	var tmp [scalarBufSize]byte
	buf, errA := appendArg(append(tmp[:0], '['), x.a)
	buf, errB := appendArg(append(buf, ','), x.b)
	return clone(append(buf, ']')), argsError(errA, errB)
}

// encodeArgs3 returns [a, b, c], each argument as appendArg appends it.
func encodeArgs3[A, B, C any](x args3[A, B, C]) ([]byte, error) {
	var tmp [scalarBufSize]byte
	buf, errA := appendArg(append(tmp[:0], '['), x.a)
	buf, errB := appendArg(append(buf, ','), x.b)
	buf, errC := appendArg(append(buf, ','), x.c)
	return clone(append(buf, ']')), argsError(errA, errB, errC)
}

// appendArg appends the JSON of v, one argument of a call, as encodeJSON
// encodes it, or null with the encoding error when v has none: the array of
// arguments keeps one element per argument either way.
func appendArg[T any](dst []byte, v T) ([]byte, error) {
	if b, ok := appendScalar(dst, any(v)); ok {
		return b, nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return append(dst, nullJSON...), err
	}
	return append(dst, j...), nil
}

// argsError names the first argument whose encoding failed, counted from 1,
// with its error; nil when every argument was encoded.
func argsError(errs ...error) error {
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("argument %d: %w", i+1, err)
		}
	}
	return nil
}
