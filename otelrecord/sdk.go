package otelrecord

import (
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// SpanFromSDK describes an SDK span. The attribute and event slices are
// those the span returns; nothing is deep-copied. A nil span gives a zero
// Span.
func SpanFromSDK(s sdktrace.ReadOnlySpan) Span {
	if s == nil {
		return Span{}
	}
	sc := s.SpanContext()
	st := s.Status()
	out := Span{
		TraceID:       sc.TraceID(),
		SpanID:        sc.SpanID(),
		ParentSpanID:  s.Parent().SpanID(),
		Name:          s.Name(),
		StartTime:     s.StartTime(),
		EndTime:       s.EndTime(),
		Attributes:    s.Attributes(),
		StatusCode:    st.Code,
		StatusMessage: st.Description,
	}
	if evs := s.Events(); len(evs) > 0 {
		out.Events = make([]Event, len(evs))
		for i, e := range evs {
			out.Events[i] = Event{Name: e.Name, Time: e.Time, Attributes: e.Attributes}
		}
	}
	return out
}

// SpansFromSDK describes SDK spans, in the same order. Nil spans are
// skipped.
func SpansFromSDK(spans []sdktrace.ReadOnlySpan) []Span {
	out := make([]Span, 0, len(spans))
	for _, s := range spans {
		if s == nil {
			continue
		}
		out = append(out, SpanFromSDK(s))
	}
	return out
}
