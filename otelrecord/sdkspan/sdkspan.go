package sdkspan

import (
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// Span describes an SDK span. The attribute and event slices are those the
// span returns; nothing is deep-copied. A nil span gives a zero Span.
func Span(s sdktrace.ReadOnlySpan) otelrecord.Span {
	if s == nil {
		return otelrecord.Span{}
	}
	sc := s.SpanContext()
	st := s.Status()
	out := otelrecord.Span{
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
		out.Events = make([]otelrecord.Event, len(evs))
		for i, e := range evs {
			out.Events[i] = otelrecord.Event{Name: e.Name, Time: e.Time, Attributes: e.Attributes}
		}
	}
	return out
}

// Spans describes SDK spans, in the same order. Nil spans are skipped.
func Spans(spans []sdktrace.ReadOnlySpan) []otelrecord.Span {
	out := make([]otelrecord.Span, 0, len(spans))
	for _, s := range spans {
		if s != nil {
			out = append(out, Span(s))
		}
	}
	return out
}
