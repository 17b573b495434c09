package exporter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
)

// referenceTracesData builds, with the generated OTLP types, the message the
// run encoder writes by hand: each span under its resource and scope, in
// order of first appearance, as the SDK's OTLP exporters transform spans.
func referenceTracesData(spans []sdktrace.ReadOnlySpan) *tracepb.TracesData {
	td := &tracepb.TracesData{}
	byRes := map[attribute.Distinct]*tracepb.ResourceSpans{}
	type key struct {
		res   attribute.Distinct
		scope instrumentation.Scope
	}
	byScope := map[key]*tracepb.ScopeSpans{}
	for _, s := range spans {
		var rk attribute.Distinct
		if s.Resource() != nil {
			rk = s.Resource().Equivalent()
		}
		rs := byRes[rk]
		if rs == nil {
			rs = &tracepb.ResourceSpans{}
			if r := s.Resource(); r != nil {
				rs.Resource = &resourcepb.Resource{Attributes: otlpspan.ProtoKeyValues(r.Attributes())}
				rs.SchemaUrl = r.SchemaURL()
			}
			byRes[rk] = rs
			td.ResourceSpans = append(td.ResourceSpans, rs)
		}
		k := key{rk, s.InstrumentationScope()}
		ss := byScope[k]
		if ss == nil {
			ss = &tracepb.ScopeSpans{SchemaUrl: k.scope.SchemaURL}
			if k.scope != (instrumentation.Scope{}) {
				ss.Scope = &commonpb.InstrumentationScope{Name: k.scope.Name, Version: k.scope.Version,
					Attributes: otlpspan.ProtoKeyValues(k.scope.Attributes.ToSlice())}
			}
			byScope[k] = ss
			rs.ScopeSpans = append(rs.ScopeSpans, ss)
		}
		ss.Spans = append(ss.Spans, referenceSpan(s))
	}
	return td
}

// referenceSpan is otlpspan.ProtoSpan of what a rebuilder reads, and what
// only the SDK knows.
func referenceSpan(s sdktrace.ReadOnlySpan) *tracepb.Span {
	p := otlpspan.ProtoSpan(sdkspan.Span(s))
	sc := s.SpanContext()
	p.TraceState = sc.TraceState().String()
	p.Kind = spanKind(s.SpanKind())
	p.Flags = spanFlags(sc.TraceFlags(), s.Parent().IsRemote())
	p.DroppedAttributesCount = clampUint32(s.DroppedAttributes())
	p.DroppedEventsCount = clampUint32(s.DroppedEvents())
	p.DroppedLinksCount = clampUint32(s.DroppedLinks())
	for i, ev := range s.Events() {
		p.Events[i].DroppedAttributesCount = clampUint32(ev.DroppedAttributeCount)
	}
	for _, l := range s.Links() {
		tid, sid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
		p.Links = append(p.Links, &tracepb.Span_Link{
			TraceId: tid[:], SpanId: sid[:], TraceState: l.SpanContext.TraceState().String(),
			Attributes: otlpspan.ProtoKeyValues(l.Attributes), DroppedAttributesCount: clampUint32(l.DroppedAttributeCount),
			Flags: spanFlags(l.SpanContext.TraceFlags(), l.SpanContext.IsRemote()),
		})
	}
	return p
}

// everySpan returns spans using every part of the encoding: every kind of
// attribute value, zero values, invalid UTF-8, events, links, status, trace
// state, a remote parent, dropped counts, two resources and three scopes.
func everySpan(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	ts, err := trace.ParseTraceState("vendor=value,other=x")
	require.NoError(t, err)
	sc := func(tid, sid byte, remote bool) trace.SpanContext {
		return trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: trace.TraceID{tid, 2, 3}, SpanID: trace.SpanID{sid, 2}, TraceFlags: trace.FlagsSampled, TraceState: ts, Remote: remote})
	}
	resA := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0", attribute.String("service.name", "a"), attribute.Int("n", 1))
	resB := resource.NewSchemaless(attribute.String("service.name", "b\xff"))
	scopeTask := instrumentation.Scope{Name: "github.com/hivetrace/hivetrace/task", Version: "v1.2.3", SchemaURL: "https://x/s",
		Attributes: attribute.NewSet(attribute.Bool("scoped", true))}
	scopeBoundary := instrumentation.Scope{Name: "github.com/hivetrace/hivetrace/boundary"}
	start := time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC)
	attrs := []attribute.KeyValue{
		attribute.String("hive.kind", "task"),
		attribute.String("empty", ""),
		attribute.String("bad", "x\xfe\xffy"),
		attribute.String("", "no key"),
		attribute.Bool("false", false),
		attribute.Bool("true", true),
		attribute.Int64("zero", 0),
		attribute.Int64("negative", -1),
		attribute.Float64("float", 0),
		attribute.Float64("pi", 3.14159),
		attribute.BoolSlice("bools", []bool{true, false}),
		attribute.Int64Slice("ints", []int64{0, -5, 1 << 40}),
		attribute.Float64Slice("floats", []float64{0.5, -2}),
		attribute.StringSlice("strings", []string{"a", "", "b\xff"}),
		attribute.StringSlice("none", nil),
		{Key: "bytes", Value: attribute.ByteSliceValue([]byte{0, 1, 2})},
		{Key: "mixed", Value: attribute.SliceValue(attribute.StringValue("s"), attribute.Int64Value(1),
			attribute.MapValue(attribute.String("deep", "v")), attribute.SliceValue())},
		{Key: "map", Value: attribute.MapValue(attribute.String("k\xff", "v"), attribute.Int64Slice("l", []int64{1}))},
		{Key: "payload", Value: attribute.StringValue(string(make([]byte, 300)))},
	}
	stubs := []tracetest.SpanStub{
		{
			Name: "task\xff", SpanContext: sc(1, 1, false), Parent: sc(1, 9, true), SpanKind: trace.SpanKindServer,
			StartTime: start, EndTime: start.Add(time.Millisecond), Attributes: attrs, DroppedAttributes: 3,
			Events: []sdktrace.Event{
				{Name: "hive.metric", Time: start.Add(time.Microsecond), Attributes: []attribute.KeyValue{attribute.Float64("hive.metric.value", 1.5)}, DroppedAttributeCount: 2},
				{Name: "exception"},
			},
			DroppedEvents: 4,
			Links:         []sdktrace.Link{{SpanContext: sc(7, 7, true), Attributes: []attribute.KeyValue{attribute.String("l", "v")}, DroppedAttributeCount: 1}},
			DroppedLinks:  5,
			Status:        sdktrace.Status{Code: codes.Error, Description: "boom \xff"},
			Resource:      resA, InstrumentationScope: scopeTask,
		},
		{
			Name: "call", SpanContext: sc(1, 2, false), Parent: sc(1, 1, false), SpanKind: trace.SpanKindClient,
			StartTime: start, EndTime: start.Add(2 * time.Millisecond), Status: sdktrace.Status{Code: codes.Ok},
			Resource: resA, InstrumentationScope: scopeBoundary,
		},
		{Name: "other resource", SpanContext: sc(1, 3, false), Resource: resB, InstrumentationScope: scopeBoundary},
		{Name: "no resource, no scope, no times", SpanContext: sc(1, 4, false)},
		{Name: "before 1970", SpanContext: sc(1, 5, false), StartTime: time.Unix(-1, 0), Resource: resA, InstrumentationScope: scopeTask},
		{Name: "first scope again", SpanContext: sc(1, 6, false), Resource: resA, InstrumentationScope: scopeBoundary,
			Status: sdktrace.Status{Description: "unset code, a message"}},
	}
	out := make([]sdktrace.ReadOnlySpan, len(stubs))
	for i, st := range stubs {
		out[i] = st.Snapshot()
	}
	return out
}

// The hand-written encoding decodes to exactly the message the generated
// types build.
func TestRunEncoderMatchesTheGeneratedTypes(t *testing.T) {
	spans := everySpan(t)
	e := &runEncoder{}
	for range 2 { // the second time from the caches
		rs := e.encode("run-1", spans[0], spans[1:], 0)
		assert.Equal(t, "run-1", rs.UUID)
		assert.Equal(t, len(spans), rs.Spans)
		got, err := rs.Decode()
		require.NoError(t, err)
		want := referenceTracesData(spans)
		assert.Truef(t, proto.Equal(want, got), "want:\n%v\ngot:\n%v", want, got)
		wantBytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(want)
		require.NoError(t, err)
		assert.Equal(t, len(wantBytes), len(rs.TracesData), "same size: no field written twice or missed")
	}
}
