package otelrecord

import (
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// maxAnyValueDepth bounds the nesting of array and key-value list attribute
// values that are converted; deeper values are dropped.
const maxAnyValueDepth = 32

// SpansFromOTLP describes the spans of OTLP protobuf trace data, in the order
// they appear. Resources and scopes are not kept. Ids of the wrong length
// come out as zero ids; attribute values of a kind the attribute package
// cannot hold are dropped. Nil messages are skipped.
func SpansFromOTLP(resourceSpans []*tracepb.ResourceSpans) []Span {
	n := 0
	for _, rs := range resourceSpans {
		for _, ss := range rs.GetScopeSpans() {
			n += len(ss.GetSpans())
		}
	}
	out := make([]Span, 0, n)
	for _, rs := range resourceSpans {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				if s == nil {
					continue
				}
				out = append(out, spanFromOTLP(s))
			}
		}
	}
	return out
}

func spanFromOTLP(s *tracepb.Span) Span {
	out := Span{
		TraceID:       traceIDFromBytes(s.GetTraceId()),
		SpanID:        spanIDFromBytes(s.GetSpanId()),
		ParentSpanID:  spanIDFromBytes(s.GetParentSpanId()),
		Name:          s.GetName(),
		StartTime:     timeFromUnixNano(s.GetStartTimeUnixNano()),
		EndTime:       timeFromUnixNano(s.GetEndTimeUnixNano()),
		Attributes:    attributesFromOTLP(s.GetAttributes()),
		StatusCode:    statusCodeFromOTLP(s.GetStatus().GetCode()),
		StatusMessage: s.GetStatus().GetMessage(),
	}
	if evs := s.GetEvents(); len(evs) > 0 {
		out.Events = make([]Event, 0, len(evs))
		for _, e := range evs {
			if e == nil {
				continue
			}
			out.Events = append(out.Events, Event{
				Name:       e.GetName(),
				Time:       timeFromUnixNano(e.GetTimeUnixNano()),
				Attributes: attributesFromOTLP(e.GetAttributes()),
			})
		}
	}
	return out
}

func traceIDFromBytes(b []byte) trace.TraceID {
	var id trace.TraceID
	if len(b) == len(id) {
		copy(id[:], b)
	}
	return id
}

func spanIDFromBytes(b []byte) trace.SpanID {
	var id trace.SpanID
	if len(b) == len(id) {
		copy(id[:], b)
	}
	return id
}

// timeFromUnixNano converts OTLP nanoseconds; 0 (unset) is the zero time,
// and values past the int64 range are clamped.
func timeFromUnixNano(ns uint64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	if ns > math.MaxInt64 {
		ns = math.MaxInt64
	}
	return time.Unix(0, int64(ns))
}

// statusCodeFromOTLP maps OTLP status codes (UNSET 0, OK 1, ERROR 2) to the
// Go API's codes, whose numbering differs.
func statusCodeFromOTLP(c tracepb.Status_StatusCode) codes.Code {
	switch c {
	case tracepb.Status_STATUS_CODE_OK:
		return codes.Ok
	case tracepb.Status_STATUS_CODE_ERROR:
		return codes.Error
	default:
		return codes.Unset
	}
}

func attributesFromOTLP(kvs []*commonpb.KeyValue) []attribute.KeyValue {
	if len(kvs) == 0 {
		return nil
	}
	out := make([]attribute.KeyValue, 0, len(kvs))
	for _, kv := range kvs {
		if kv == nil {
			continue
		}
		v, ok := valueFromOTLP(kv.GetValue(), 0)
		if !ok {
			continue
		}
		out = append(out, attribute.KeyValue{Key: attribute.Key(kv.GetKey()), Value: v})
	}
	return out
}

// valueFromOTLP converts one OTLP value. Arrays whose elements all have the
// same scalar kind become typed slices (as the SDK makes them); other arrays
// become SLICE values and key-value lists MAP values.
func valueFromOTLP(v *commonpb.AnyValue, depth int) (attribute.Value, bool) {
	if v == nil {
		return attribute.Value{}, false
	}
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return attribute.StringValue(x.StringValue), true
	case *commonpb.AnyValue_BoolValue:
		return attribute.BoolValue(x.BoolValue), true
	case *commonpb.AnyValue_IntValue:
		return attribute.Int64Value(x.IntValue), true
	case *commonpb.AnyValue_DoubleValue:
		return attribute.Float64Value(x.DoubleValue), true
	case *commonpb.AnyValue_BytesValue:
		return attribute.ByteSliceValue(x.BytesValue), true
	case *commonpb.AnyValue_ArrayValue:
		if depth >= maxAnyValueDepth {
			return attribute.Value{}, false
		}
		return arrayFromOTLP(x.ArrayValue.GetValues(), depth+1), true
	case *commonpb.AnyValue_KvlistValue:
		if depth >= maxAnyValueDepth {
			return attribute.Value{}, false
		}
		kvs := x.KvlistValue.GetValues()
		m := make([]attribute.KeyValue, 0, len(kvs))
		for _, kv := range kvs {
			if kv == nil {
				continue
			}
			if ev, ok := valueFromOTLP(kv.GetValue(), depth+1); ok {
				m = append(m, attribute.KeyValue{Key: attribute.Key(kv.GetKey()), Value: ev})
			}
		}
		return attribute.MapValue(m...), true
	default:
		return attribute.Value{}, false
	}
}

func arrayFromOTLP(vals []*commonpb.AnyValue, depth int) attribute.Value {
	kind := attribute.EMPTY // the scalar kind every element shares; EMPTY when mixed
	for i, e := range vals {
		k := attribute.EMPTY
		switch e.GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			k = attribute.STRING
		case *commonpb.AnyValue_BoolValue:
			k = attribute.BOOL
		case *commonpb.AnyValue_IntValue:
			k = attribute.INT64
		case *commonpb.AnyValue_DoubleValue:
			k = attribute.FLOAT64
		}
		if i == 0 {
			kind = k
		} else if k != kind {
			kind = attribute.EMPTY
		}
		if kind == attribute.EMPTY {
			break
		}
	}
	switch kind {
	case attribute.STRING:
		return attribute.StringSliceValue(mapValues(vals, (*commonpb.AnyValue).GetStringValue))
	case attribute.BOOL:
		return attribute.BoolSliceValue(mapValues(vals, (*commonpb.AnyValue).GetBoolValue))
	case attribute.INT64:
		return attribute.Int64SliceValue(mapValues(vals, (*commonpb.AnyValue).GetIntValue))
	case attribute.FLOAT64:
		return attribute.Float64SliceValue(mapValues(vals, (*commonpb.AnyValue).GetDoubleValue))
	}
	if len(vals) == 0 {
		return attribute.StringSliceValue(nil)
	}
	s := make([]attribute.Value, 0, len(vals))
	for _, e := range vals {
		if ev, ok := valueFromOTLP(e, depth); ok {
			s = append(s, ev)
		}
	}
	return attribute.SliceValue(s...)
}

// mapValues returns get applied to each value, in order.
func mapValues[T any](vals []*commonpb.AnyValue, get func(*commonpb.AnyValue) T) []T {
	out := make([]T, len(vals))
	for i, v := range vals {
		out[i] = get(v)
	}
	return out
}
