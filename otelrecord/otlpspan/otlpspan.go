package otlpspan

import (
	"go.opentelemetry.io/otel/attribute"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/hivetrace/hivetrace/internal/otlpconv"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// Spans describes the spans of OTLP protobuf trace data, in the order they
// appear. Resources and scopes are not kept. Ids of the wrong length come
// out as zero ids; attribute values of a kind the attribute package cannot
// hold are dropped. Nil messages are skipped.
func Spans(resourceSpans []*tracepb.ResourceSpans) []otelrecord.Span {
	n := 0
	for _, rs := range resourceSpans {
		for _, ss := range rs.GetScopeSpans() {
			n += len(ss.GetSpans())
		}
	}
	out := make([]otelrecord.Span, 0, n)
	for _, rs := range resourceSpans {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				if s != nil {
					out = append(out, Span(s))
				}
			}
		}
	}
	return out
}

// Span describes one OTLP span. A nil span gives a zero Span.
func Span(s *tracepb.Span) otelrecord.Span {
	if s == nil {
		return otelrecord.Span{}
	}
	out := otelrecord.Span{
		TraceID:       otlpconv.TraceID(s.GetTraceId()),
		SpanID:        otlpconv.SpanID(s.GetSpanId()),
		ParentSpanID:  otlpconv.SpanID(s.GetParentSpanId()),
		Name:          s.GetName(),
		StartTime:     otlpconv.Time(s.GetStartTimeUnixNano()),
		EndTime:       otlpconv.Time(s.GetEndTimeUnixNano()),
		Attributes:    attributes(s.GetAttributes(), 0),
		StatusCode:    otlpconv.StatusCode(int32(s.GetStatus().GetCode())),
		StatusMessage: s.GetStatus().GetMessage(),
	}
	if evs := s.GetEvents(); len(evs) > 0 {
		out.Events = make([]otelrecord.Event, 0, len(evs))
		for _, e := range evs {
			if e == nil {
				continue
			}
			out.Events = append(out.Events, otelrecord.Event{
				Name:       e.GetName(),
				Time:       otlpconv.Time(e.GetTimeUnixNano()),
				Attributes: attributes(e.GetAttributes(), 0),
			})
		}
	}
	return out
}

func attributes(kvs []*commonpb.KeyValue, depth int) []attribute.KeyValue {
	if len(kvs) == 0 {
		return nil
	}
	out := make([]attribute.KeyValue, 0, len(kvs))
	for _, kv := range kvs {
		if kv == nil {
			continue
		}
		if v, ok := value(kv.GetValue(), depth); ok {
			out = append(out, attribute.KeyValue{Key: attribute.Key(kv.GetKey()), Value: v})
		}
	}
	return out
}

// value converts one OTLP value; false means it has no kind the attribute
// package holds (or is nested deeper than otlpconv.MaxDepth).
func value(v *commonpb.AnyValue, depth int) (attribute.Value, bool) {
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
		if depth >= otlpconv.MaxDepth {
			return attribute.Value{}, false
		}
		elems := x.ArrayValue.GetValues()
		vals := make([]attribute.Value, 0, len(elems))
		for _, e := range elems {
			if ev, ok := value(e, depth+1); ok {
				vals = append(vals, ev)
			}
		}
		return otlpconv.Array(vals, len(vals) == len(elems)), true
	case *commonpb.AnyValue_KvlistValue:
		if depth >= otlpconv.MaxDepth {
			return attribute.Value{}, false
		}
		return attribute.MapValue(attributes(x.KvlistValue.GetValues(), depth+1)...), true
	default:
		return attribute.Value{}, false
	}
}
