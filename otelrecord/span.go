package otelrecord

import (
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Span is a neutral description of one finished span: what a rebuilder needs
// and nothing more. The adapters sdkspan.Spans, otlpspan.Spans and
// otlpjson.Spans fill it from the SDK, from OTLP protobuf and from OTLP
// JSON, so records are rebuilt the same way whatever the spans came from.
//
// The rebuilders read a Span and its slices but never modify them.
type Span struct {
	// TraceID is the id of the trace the span belongs to.
	TraceID trace.TraceID
	// SpanID is the span's id.
	SpanID trace.SpanID
	// ParentSpanID is the id of the parent span; zero for a root span.
	ParentSpanID trace.SpanID
	// Name is the span name.
	Name string
	// StartTime is when the span started.
	StartTime time.Time
	// EndTime is when the span ended.
	EndTime time.Time
	// Attributes are the span attributes.
	Attributes []attribute.KeyValue
	// Events are the span events, in the order they were added.
	Events []Event
	// StatusCode is the span status code.
	StatusCode codes.Code
	// StatusMessage is the span status description.
	StatusMessage string
}

// Event is a span event.
type Event struct {
	// Name is the event name.
	Name string
	// Time is when the event happened.
	Time time.Time
	// Attributes are the event attributes.
	Attributes []attribute.KeyValue
}

// Classify returns the values of the hive.kind and hive.run.uuid attributes
// found in attrs, or empty strings for those that are absent or not strings.
// It does not allocate, so span processors can call it for every span that
// ends.
func Classify(attrs []attribute.KeyValue) (kind string, runUUID string) {
	var haveKind, haveUUID bool
	for i := range attrs {
		switch attrs[i].Key {
		case KindKey:
			if !haveKind && attrs[i].Value.Type() == attribute.STRING {
				kind, haveKind = attrs[i].Value.AsString(), true
			}
		case RunUUIDKey:
			if !haveUUID && attrs[i].Value.Type() == attribute.STRING {
				runUUID, haveUUID = attrs[i].Value.AsString(), true
			}
		}
		if haveKind && haveUUID {
			break
		}
	}
	return kind, runUUID
}
