package otlpconv

import (
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// MaxDepth bounds the nesting of array and key-value list attribute values a
// decoder converts; deeper values are dropped.
const MaxDepth = 32

// OTLP status codes, as the protobuf enum numbers them (the Go API numbers
// its codes differently).
const (
	StatusUnset int32 = 0
	StatusOK    int32 = 1
	StatusError int32 = 2
)

// TraceID returns b as a trace id; an id of the wrong length is the zero id.
func TraceID(b []byte) trace.TraceID {
	var id trace.TraceID
	if len(b) == len(id) {
		copy(id[:], b)
	}
	return id
}

// SpanID returns b as a span id; an id of the wrong length is the zero id.
func SpanID(b []byte) trace.SpanID {
	var id trace.SpanID
	if len(b) == len(id) {
		copy(id[:], b)
	}
	return id
}

// Time converts OTLP Unix nanoseconds: 0 (unset) is the zero time, and
// values past the int64 range are clamped to it.
func Time(ns uint64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	if ns > math.MaxInt64 {
		ns = math.MaxInt64
	}
	return time.Unix(0, int64(ns))
}

// StatusCode maps an OTLP status code to the Go API's; unknown codes are
// Unset.
func StatusCode(c int32) codes.Code {
	switch c {
	case StatusOK:
		return codes.Ok
	case StatusError:
		return codes.Error
	default:
		return codes.Unset
	}
}

// Array builds the attribute value of an OTLP array from its converted
// elements. complete says every element converted (none was dropped). When
// it did and all elements share one scalar kind (string, bool, int64,
// float64), the value is the typed slice the SDK would have made; otherwise
// it is a SLICE of the elements. An empty array is an empty string slice.
func Array(vals []attribute.Value, complete bool) attribute.Value {
	if len(vals) == 0 {
		if complete {
			return attribute.StringSliceValue(nil)
		}
		return attribute.SliceValue()
	}
	kind := vals[0].Type()
	switch kind {
	case attribute.STRING, attribute.BOOL, attribute.INT64, attribute.FLOAT64:
	default:
		complete = false
	}
	for _, v := range vals[1:] {
		if !complete {
			break
		}
		if v.Type() != kind {
			complete = false
		}
	}
	if !complete {
		return attribute.SliceValue(vals...)
	}
	switch kind {
	case attribute.STRING:
		return attribute.StringSliceValue(mapValues(vals, attribute.Value.AsString))
	case attribute.BOOL:
		return attribute.BoolSliceValue(mapValues(vals, attribute.Value.AsBool))
	case attribute.INT64:
		return attribute.Int64SliceValue(mapValues(vals, attribute.Value.AsInt64))
	default:
		return attribute.Float64SliceValue(mapValues(vals, attribute.Value.AsFloat64))
	}
}

func mapValues[T any](vals []attribute.Value, get func(attribute.Value) T) []T {
	out := make([]T, len(vals))
	for i, v := range vals {
		out[i] = get(v)
	}
	return out
}
