package otlpspan_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpjson"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
)

// runSpans writes one task run with two boundary calls (one failing) and a
// metric event as an SDK would, following the convention.
func runSpans(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	tracer := tp.Tracer("otlpspan-test")
	start := time.Date(2026, 5, 17, 10, 30, 0, 0, time.UTC)
	const run = "0196d5a0-7c1e-7b3a-9e1f-2f7c9d1a0b11"
	ctx, task := tracer.Start(context.Background(), "report", trace.WithTimestamp(start), trace.WithAttributes(
		otelrecord.KindKey.String(otelrecord.KindTask),
		otelrecord.TaskNameKey.String("report"),
		otelrecord.RunUUIDKey.String(run),
		otelrecord.TaskBoundariesKey.StringSlice([]string{"fetchUser", "clock"}),
		otelrecord.TaskInputKey.String(`{"userId":1}`),
	))
	for i, c := range []struct{ in, out, err string }{{in: `[1]`, out: `{"name":"Ada"}`}, {in: `[99]`, err: "user 99 not found"}} {
		at := start.Add(time.Duration(i+1) * time.Millisecond)
		_, call := tracer.Start(ctx, "fetchUser", trace.WithTimestamp(at), trace.WithAttributes(
			otelrecord.KindKey.String(otelrecord.KindBoundary),
			otelrecord.BoundaryNameKey.String("fetchUser"),
			otelrecord.RunUUIDKey.String(run),
			otelrecord.BoundarySeqKey.Int(i),
			otelrecord.BoundaryInputKey.String(c.in),
		))
		if c.err != "" {
			call.SetAttributes(otelrecord.BoundaryErrorKey.String(c.err))
			call.SetStatus(codes.Error, c.err)
		} else {
			call.SetAttributes(otelrecord.BoundaryOutputKey.String(c.out))
		}
		call.End(trace.WithTimestamp(at.Add(500 * time.Microsecond)))
	}
	task.AddEvent(otelrecord.MetricEventName, trace.WithTimestamp(start.Add(3*time.Millisecond)), trace.WithAttributes(
		otelrecord.MetricTypeKey.String("business"), otelrecord.MetricNameKey.String("score"), otelrecord.MetricValueKey.Float64(10.5)))
	task.SetAttributes(
		otelrecord.TaskOutputKey.String(`{"total":20}`),
		otelrecord.RecordTypeKey.String("success"),
		otelrecord.TaskBoundaryCallsKey.Int(2),
		attribute.Int64Slice("extra.ints", []int64{1, 2}),
		attribute.Bool("extra.bool", true),
	)
	task.End(trace.WithTimestamp(start.Add(4 * time.Millisecond)))
	got := exp.GetSpans().Snapshots()
	require.NoError(t, tp.Shutdown(context.Background()))
	return got
}

// toOTLP encodes SDK spans as OTLP protobuf, as an OTLP exporter would.
func toOTLP(spans []sdktrace.ReadOnlySpan) []*tracepb.ResourceSpans {
	ss := &tracepb.ScopeSpans{}
	for _, s := range spans {
		tid, sid, pid := s.SpanContext().TraceID(), s.SpanContext().SpanID(), s.Parent().SpanID()
		p := &tracepb.Span{
			TraceId:           tid[:],
			SpanId:            sid[:],
			Name:              s.Name(),
			StartTimeUnixNano: uint64(s.StartTime().UnixNano()),
			EndTimeUnixNano:   uint64(s.EndTime().UnixNano()),
			Attributes:        keyValues(s.Attributes()),
		}
		if pid.IsValid() {
			p.ParentSpanId = pid[:]
		}
		switch s.Status().Code {
		case codes.Error:
			p.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: s.Status().Description}
		case codes.Ok:
			p.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_OK}
		}
		for _, e := range s.Events() {
			p.Events = append(p.Events, &tracepb.Span_Event{Name: e.Name, TimeUnixNano: uint64(e.Time.UnixNano()), Attributes: keyValues(e.Attributes)})
		}
		ss.Spans = append(ss.Spans, p)
	}
	return []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{ss}}}
}

func keyValues(kvs []attribute.KeyValue) []*commonpb.KeyValue {
	out := make([]*commonpb.KeyValue, 0, len(kvs))
	for _, kv := range kvs {
		out = append(out, &commonpb.KeyValue{Key: string(kv.Key), Value: anyValue(kv.Value)})
	}
	return out
}

func anyValue(v attribute.Value) *commonpb.AnyValue {
	arr := func(n int, at func(int) *commonpb.AnyValue) *commonpb.AnyValue {
		vals := make([]*commonpb.AnyValue, n)
		for i := range vals {
			vals[i] = at(i)
		}
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vals}}}
	}
	switch v.Type() {
	case attribute.BOOL:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: v.AsBool()}}
	case attribute.INT64:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v.AsInt64()}}
	case attribute.FLOAT64:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: v.AsFloat64()}}
	case attribute.STRINGSLICE:
		s := v.AsStringSlice()
		return arr(len(s), func(i int) *commonpb.AnyValue { return anyValue(attribute.StringValue(s[i])) })
	case attribute.INT64SLICE:
		s := v.AsInt64Slice()
		return arr(len(s), func(i int) *commonpb.AnyValue { return anyValue(attribute.Int64Value(s[i])) })
	default:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v.String()}}
	}
}

// jaegerJSON encodes OTLP protobuf as Jaeger's /api/v3 answer does: OTLP
// JSON with hex ids and numeric enums, wrapped in {"result": ...}.
func jaegerJSON(t *testing.T, rss []*tracepb.ResourceSpans) []byte {
	t.Helper()
	b, err := protojson.MarshalOptions{UseEnumNumbers: true}.Marshal(&tracepb.TracesData{ResourceSpans: rss})
	require.NoError(t, err)
	var doc any
	require.NoError(t, json.Unmarshal(b, &doc))
	var hexIDs func(v any)
	hexIDs = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && (k == "traceId" || k == "spanId" || k == "parentSpanId") {
					raw, err := base64.StdEncoding.DecodeString(s)
					require.NoError(t, err)
					x[k] = hex.EncodeToString(raw)
					continue
				}
				hexIDs(e)
			}
		case []any:
			for _, e := range x {
				hexIDs(e)
			}
		}
	}
	hexIDs(doc)
	out, err := json.Marshal(map[string]any{"result": doc})
	require.NoError(t, err)
	return out
}

func recordJSON(t *testing.T, spans []otelrecord.Span) string {
	t.Helper()
	recs, err := otelrecord.Rebuild(spans)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	b, err := json.Marshal(recs[0])
	require.NoError(t, err)
	return string(b)
}

// The SDK, OTLP protobuf and OTLP JSON adapters describe the same spans
// identically, and the records rebuilt from each are the same.
func TestAdaptersRebuildTheSameRecords(t *testing.T) {
	sdkSpans := runSpans(t)
	fromSDK := sdkspan.Spans(sdkSpans)
	rss := toOTLP(sdkSpans)
	fromProto := otlpspan.Spans(rss)
	fromJSON, err := otlpjson.Spans(jaegerJSON(t, rss))
	require.NoError(t, err)
	require.Len(t, fromProto, len(fromSDK))
	require.Len(t, fromJSON, len(fromSDK))

	want := recordJSON(t, fromSDK)
	assert.Contains(t, want, `"fetchUser":[{"input":[1],"output":{"name":"Ada"}`)
	assert.JSONEq(t, want, recordJSON(t, fromProto))
	assert.JSONEq(t, want, recordJSON(t, fromJSON))

	for i := range fromSDK {
		for _, got := range []otelrecord.Span{fromProto[i], fromJSON[i]} {
			assert.Equal(t, fromSDK[i].TraceID, got.TraceID)
			assert.Equal(t, fromSDK[i].SpanID, got.SpanID)
			assert.Equal(t, fromSDK[i].ParentSpanID, got.ParentSpanID)
			assert.True(t, fromSDK[i].StartTime.Equal(got.StartTime))
			assert.True(t, fromSDK[i].EndTime.Equal(got.EndTime))
			assert.Equal(t, fromSDK[i].StatusCode, got.StatusCode)
			assert.Equal(t, fromSDK[i].StatusMessage, got.StatusMessage)
			assert.Equal(t, attribute.NewSet(fromSDK[i].Attributes...), attribute.NewSet(got.Attributes...))
			require.Len(t, got.Events, len(fromSDK[i].Events))
		}
	}
}

func TestSpansEdgeCases(t *testing.T) {
	rss := []*tracepb.ResourceSpans{nil, {ScopeSpans: []*tracepb.ScopeSpans{nil, {Spans: []*tracepb.Span{nil, {
		TraceId:           []byte{1, 2, 3}, // wrong length
		SpanId:            []byte{1, 2, 3, 4, 5, 6, 7, 8},
		StartTimeUnixNano: ^uint64(0),
		Status:            &tracepb.Status{Code: tracepb.Status_STATUS_CODE_OK},
		Attributes: []*commonpb.KeyValue{nil, {Key: "k"}, {Key: "v", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 1}}},
			{Key: "mixed", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{
				{Value: &commonpb.AnyValue_StringValue{StringValue: "a"}}, {}}}}}},
			{Key: "empty", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{}}}},
			{Key: "kv", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{
				{Key: "x", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: true}}}}}}}},
		},
		Events: []*tracepb.Span_Event{nil, {Name: "e"}},
	}}}}}}
	spans := otlpspan.Spans(rss)
	require.Len(t, spans, 1)
	s := spans[0]
	assert.False(t, s.TraceID.IsValid())
	assert.True(t, s.SpanID.IsValid())
	assert.True(t, s.EndTime.IsZero())
	assert.False(t, s.StartTime.IsZero())
	assert.Equal(t, codes.Ok, s.StatusCode)
	assert.Equal(t, []attribute.KeyValue{
		attribute.Int64("v", 1),
		{Key: "mixed", Value: attribute.SliceValue(attribute.StringValue("a"))},
		attribute.StringSlice("empty", nil),
		{Key: "kv", Value: attribute.MapValue(attribute.Bool("x", true))},
	}, s.Attributes)
	assert.Equal(t, []otelrecord.Event{{Name: "e"}}, s.Events)
	assert.Empty(t, otlpspan.Spans(nil))
	assert.Equal(t, otelrecord.Span{}, otlpspan.Span(nil))
}
