package exporter

import (
	"fmt"
	"math"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
)

// runEncoder encodes the spans of finished runs as OTLP protobuf, the way
// the SDK's OTLP exporters do: each span under its resource and
// instrumentation scope, with its kind, trace state, flags, links and
// dropped counts. It keeps the OTLP form of the last resource it met, so
// the runs of one TracerProvider convert its resource once. It is not safe
// for concurrent use: only the rebuilder goroutine uses it.
type runEncoder struct {
	res   *resource.Resource
	resPB *resourcepb.Resource
}

// encode returns the run's spans, the task-run span first, as one
// TracesData.
func (e *runEncoder) encode(id string, task sdktrace.ReadOnlySpan, boundaries []sdktrace.ReadOnlySpan) (*RunSpans, error) {
	type scopeKey struct {
		res   attribute.Distinct
		scope instrumentation.Scope
	}
	var (
		td     tracepb.TracesData
		keys   []attribute.Distinct // of td.ResourceSpans
		scopes []scopeKey           // of ss
		ss     []*tracepb.ScopeSpans
		n      int
	)
	add := func(s sdktrace.ReadOnlySpan) {
		if s == nil {
			return
		}
		res := s.Resource()
		var rk attribute.Distinct
		if res != nil {
			rk = res.Equivalent()
		}
		sk := scopeKey{res: rk, scope: s.InstrumentationScope()}
		i := indexOf(scopes, sk)
		if i < 0 {
			r := indexOf(keys, rk)
			if r < 0 {
				r = len(keys)
				keys = append(keys, rk)
				rs := &tracepb.ResourceSpans{Resource: e.resource(res)}
				if res != nil {
					rs.SchemaUrl = res.SchemaURL()
				}
				td.ResourceSpans = append(td.ResourceSpans, rs)
			}
			i = len(scopes)
			scopes = append(scopes, sk)
			ss = append(ss, &tracepb.ScopeSpans{Scope: protoScope(sk.scope), SchemaUrl: sk.scope.SchemaURL})
			td.ResourceSpans[r].ScopeSpans = append(td.ResourceSpans[r].ScopeSpans, ss[i])
		}
		ss[i].Spans = append(ss[i].Spans, protoSpan(s))
		n++
	}
	add(task)
	for _, b := range boundaries {
		add(b)
	}
	data, err := proto.Marshal(&td)
	if err != nil {
		return nil, fmt.Errorf("encode the spans of run %s as OTLP: %w", id, err)
	}
	return &RunSpans{UUID: id, TracesData: data, Spans: n}, nil
}

// resource returns res in OTLP form, converted once for a run of spans of
// the same resource.
func (e *runEncoder) resource(res *resource.Resource) *resourcepb.Resource {
	if res == nil {
		return nil
	}
	if res != e.res {
		e.res, e.resPB = res, &resourcepb.Resource{Attributes: otlpspan.ProtoKeyValues(res.Attributes())}
	}
	return e.resPB
}

func indexOf[T comparable](s []T, v T) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// protoScope returns an instrumentation scope in OTLP form; nil for the
// zero scope.
func protoScope(s instrumentation.Scope) *commonpb.InstrumentationScope {
	if s == (instrumentation.Scope{}) {
		return nil
	}
	return &commonpb.InstrumentationScope{Name: s.Name, Version: s.Version, Attributes: otlpspan.ProtoKeyValues(s.Attributes.ToSlice())}
}

// protoSpan returns an SDK span in OTLP form: otlpspan.ProtoSpan of what a
// rebuilder reads, and what only the SDK knows.
func protoSpan(s sdktrace.ReadOnlySpan) *tracepb.Span {
	p := otlpspan.ProtoSpan(sdkspan.Span(s))
	sc := s.SpanContext()
	p.TraceState = sc.TraceState().String()
	p.Kind = spanKind(s.SpanKind())
	p.Flags = spanFlags(sc.TraceFlags(), s.Parent().IsRemote())
	p.DroppedAttributesCount = clampUint32(s.DroppedAttributes())
	p.DroppedEventsCount = clampUint32(s.DroppedEvents())
	p.DroppedLinksCount = clampUint32(s.DroppedLinks())
	for i, ev := range s.Events() {
		if i < len(p.Events) {
			p.Events[i].DroppedAttributesCount = clampUint32(ev.DroppedAttributeCount)
		}
	}
	if links := s.Links(); len(links) > 0 {
		p.Links = make([]*tracepb.Span_Link, len(links))
		for i, l := range links {
			tid, sid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
			p.Links[i] = &tracepb.Span_Link{
				TraceId:                tid[:],
				SpanId:                 sid[:],
				TraceState:             l.SpanContext.TraceState().String(),
				Attributes:             otlpspan.ProtoKeyValues(l.Attributes),
				DroppedAttributesCount: clampUint32(l.DroppedAttributeCount),
				Flags:                  spanFlags(l.SpanContext.TraceFlags(), l.SpanContext.IsRemote()),
			}
		}
	}
	return p
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
