package exporter

import (
	"math"
	"slices"

	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of the trace/v1, resource/v1 and common/v1 messages the run
// encoder writes.
const (
	tdResourceSpans protowire.Number = 1 // TracesData

	rsResource   protowire.Number = 1 // ResourceSpans
	rsScopeSpans protowire.Number = 2
	rsSchemaURL  protowire.Number = 3

	resAttributes protowire.Number = 1 // Resource

	ssScope     protowire.Number = 1 // ScopeSpans
	ssSpans     protowire.Number = 2
	ssSchemaURL protowire.Number = 3

	scopeName       protowire.Number = 1 // InstrumentationScope
	scopeVersion    protowire.Number = 2
	scopeAttributes protowire.Number = 3

	spanTraceID       protowire.Number = 1 // Span
	spanSpanID        protowire.Number = 2
	spanTraceState    protowire.Number = 3
	spanParentSpanID  protowire.Number = 4
	spanName          protowire.Number = 5
	spanKindField     protowire.Number = 6
	spanStart         protowire.Number = 7
	spanEnd           protowire.Number = 8
	spanAttributes    protowire.Number = 9
	spanDroppedAttrs  protowire.Number = 10
	spanEvents        protowire.Number = 11
	spanDroppedEvents protowire.Number = 12
	spanLinks         protowire.Number = 13
	spanDroppedLinks  protowire.Number = 14
	spanStatus        protowire.Number = 15
	spanFlagsField    protowire.Number = 16
	eventTime         protowire.Number = 1 // Span.Event
	eventName         protowire.Number = 2
	eventAttributes   protowire.Number = 3
	eventDroppedAttrs protowire.Number = 4
	linkTraceID       protowire.Number = 1 // Span.Link
	linkSpanID        protowire.Number = 2
	linkTraceState    protowire.Number = 3
	linkAttributes    protowire.Number = 4
	linkDroppedAttrs  protowire.Number = 5
	linkFlags         protowire.Number = 6
	statusMessage     protowire.Number = 2 // Status
	statusCodeField   protowire.Number = 3
)

// spanReserve is roughly the bytes of a span's ids, times, name and tags,
// beyond its attributes: the encoder's buffer starts that large per span.
const spanReserve = 160

// runEncoder encodes the spans of finished runs as OTLP protobuf, the way
// the SDK's OTLP exporters do: each span under its resource and
// instrumentation scope, with its kind, trace state, flags, links, events,
// status and dropped counts. It keeps the encoding of the resource and
// scopes it last met, so the runs of one TracerProvider encode them once.
// It is not safe for concurrent use: only the rebuilder goroutine uses it.
type runEncoder struct {
	res      *resource.Resource
	resBytes []byte // the content of res's Resource message
	scopes   []encodedScope
}

type encodedScope struct {
	scope instrumentation.Scope
	bytes []byte // the content of its InstrumentationScope message
}

// runGroup is the spans of a run under one resource and scope.
type runGroup struct {
	res   *resource.Resource
	rk    attribute.Distinct
	scope instrumentation.Scope
	spans []sdktrace.ReadOnlySpan
}

// encode returns the run's spans, the task-run span first, as one
// TracesData; sizeHint is the expected size of their attributes.
func (e *runEncoder) encode(id string, task sdktrace.ReadOnlySpan, boundaries []sdktrace.ReadOnlySpan, sizeHint int64) *RunSpans {
	var groups []runGroup
	n := 0
	add := func(s sdktrace.ReadOnlySpan) {
		if s == nil {
			return
		}
		res := s.Resource()
		var rk attribute.Distinct
		if res != nil {
			rk = res.Equivalent()
		}
		scope := s.InstrumentationScope()
		n++
		for i := range groups {
			if groups[i].rk == rk && groups[i].scope == scope {
				groups[i].spans = append(groups[i].spans, s)
				return
			}
		}
		groups = append(groups, runGroup{res: res, rk: rk, scope: scope, spans: []sdktrace.ReadOnlySpan{s}})
	}
	add(task)
	for _, b := range boundaries {
		add(b)
	}

	b := make([]byte, 0, int(min(sizeHint, math.MaxInt32))+spanReserve*n+512)
	for i, g := range groups {
		if slices.ContainsFunc(groups[:i], func(prev runGroup) bool { return prev.rk == g.rk }) {
			continue // written with the first group of its resource
		}
		var rs int
		b, rs = beginMessage(b, tdResourceSpans)
		if g.res != nil {
			var r int
			b, r = beginMessage(b, rsResource)
			b = append(b, e.resource(g.res)...)
			b = endMessage(b, r)
		}
		for _, same := range groups[i:] {
			if same.rk != g.rk {
				continue
			}
			var ss int
			b, ss = beginMessage(b, rsScopeSpans)
			if same.scope != (instrumentation.Scope{}) {
				var sc int
				b, sc = beginMessage(b, ssScope)
				b = append(b, e.scope(same.scope)...)
				b = endMessage(b, sc)
			}
			for _, s := range same.spans {
				var sp int
				b, sp = beginMessage(b, ssSpans)
				b = appendSpan(b, s)
				b = endMessage(b, sp)
			}
			b = appendStringField(b, ssSchemaURL, same.scope.SchemaURL)
			b = endMessage(b, ss)
		}
		if g.res != nil {
			b = appendStringField(b, rsSchemaURL, g.res.SchemaURL())
		}
		b = endMessage(b, rs)
	}
	return &RunSpans{UUID: id, TracesData: b, Spans: n}
}

// resource returns the content of res's Resource message, encoded once for
// a run of spans of the same resource.
func (e *runEncoder) resource(res *resource.Resource) []byte {
	if res != e.res {
		e.res = res
		e.resBytes = appendKeyValues(nil, resAttributes, res.Attributes())
	}
	return e.resBytes
}

// scope returns the content of s's InstrumentationScope message, encoded
// once.
func (e *runEncoder) scope(s instrumentation.Scope) []byte {
	for _, es := range e.scopes {
		if es.scope == s {
			return es.bytes
		}
	}
	b := appendStringField(nil, scopeName, s.Name)
	b = appendStringField(b, scopeVersion, s.Version)
	b = appendKeyValues(b, scopeAttributes, s.Attributes.ToSlice())
	if len(e.scopes) >= 16 { // a bound for programs with many tracers
		e.scopes = e.scopes[:0]
	}
	e.scopes = append(e.scopes, encodedScope{scope: s, bytes: b})
	return b
}

// appendSpan appends the content of s's Span message.
func appendSpan(b []byte, s sdktrace.ReadOnlySpan) []byte {
	sc := s.SpanContext()
	if tid := sc.TraceID(); tid.IsValid() {
		b = appendBytesField(b, spanTraceID, tid[:])
	}
	if sid := sc.SpanID(); sid.IsValid() {
		b = appendBytesField(b, spanSpanID, sid[:])
	}
	b = appendStringField(b, spanTraceState, sc.TraceState().String())
	if pid := s.Parent().SpanID(); pid.IsValid() {
		b = appendBytesField(b, spanParentSpanID, pid[:])
	}
	b = appendStringField(b, spanName, s.Name())
	b = appendVarintField(b, spanKindField, uint64(spanKind(s.SpanKind())))
	b = appendTimeField(b, spanStart, s.StartTime())
	b = appendTimeField(b, spanEnd, s.EndTime())
	b = appendKeyValues(b, spanAttributes, s.Attributes())
	b = appendVarintField(b, spanDroppedAttrs, uint64(clampUint32(s.DroppedAttributes())))
	for _, ev := range s.Events() {
		var m int
		b, m = beginMessage(b, spanEvents)
		b = appendTimeField(b, eventTime, ev.Time)
		b = appendStringField(b, eventName, ev.Name)
		b = appendKeyValues(b, eventAttributes, ev.Attributes)
		b = appendVarintField(b, eventDroppedAttrs, uint64(clampUint32(ev.DroppedAttributeCount)))
		b = endMessage(b, m)
	}
	b = appendVarintField(b, spanDroppedEvents, uint64(clampUint32(s.DroppedEvents())))
	for _, l := range s.Links() {
		var m int
		b, m = beginMessage(b, spanLinks)
		tid, sid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
		b = appendBytesField(b, linkTraceID, tid[:])
		b = appendBytesField(b, linkSpanID, sid[:])
		b = appendStringField(b, linkTraceState, l.SpanContext.TraceState().String())
		b = appendKeyValues(b, linkAttributes, l.Attributes)
		b = appendVarintField(b, linkDroppedAttrs, uint64(clampUint32(l.DroppedAttributeCount)))
		b = appendFixed32Field(b, linkFlags, spanFlags(l.SpanContext.TraceFlags(), l.SpanContext.IsRemote()))
		b = endMessage(b, m)
	}
	b = appendVarintField(b, spanDroppedLinks, uint64(clampUint32(s.DroppedLinks())))
	if st := s.Status(); st.Code != codes.Unset || st.Description != "" {
		var m int
		b, m = beginMessage(b, spanStatus)
		b = appendStringField(b, statusMessage, st.Description)
		b = appendVarintField(b, statusCodeField, uint64(otlpspan.ProtoStatusCode(st.Code)))
		b = endMessage(b, m)
	}
	return appendFixed32Field(b, spanFlagsField, spanFlags(sc.TraceFlags(), s.Parent().IsRemote()))
}

// spanFlags returns the OTLP span flags: the W3C trace flags, and whether
// the parent (or linked) context is remote.
func spanFlags(tf trace.TraceFlags, remote bool) uint32 {
	flags := uint32(tf) | uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK)
	if remote {
		flags |= uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK)
	}
	return flags
}

func spanKind(k trace.SpanKind) tracepb.Span_SpanKind {
	switch k {
	case trace.SpanKindInternal:
		return tracepb.Span_SPAN_KIND_INTERNAL
	case trace.SpanKindServer:
		return tracepb.Span_SPAN_KIND_SERVER
	case trace.SpanKindClient:
		return tracepb.Span_SPAN_KIND_CLIENT
	case trace.SpanKindProducer:
		return tracepb.Span_SPAN_KIND_PRODUCER
	case trace.SpanKindConsumer:
		return tracepb.Span_SPAN_KIND_CONSUMER
	default:
		return tracepb.Span_SPAN_KIND_UNSPECIFIED
	}
}

func clampUint32(n int) uint32 {
	return uint32(min(max(n, 0), math.MaxUint32))
}
