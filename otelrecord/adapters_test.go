package otelrecord

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// adapterSpans are the spans every adapter test goes through: the main
// scenario with metric events, and the three-level nested run.
func adapterSpans() ([]Span, []*ExecutionRecord) {
	ts := scenarioTask()
	ts.events = []Event{{Name: MetricEventName, Time: at(1), Attributes: []attribute.KeyValue{
		MetricTypeKey.String("business"), MetricNameKey.String("score"), MetricValueKey.Float64(10.5)}}}
	spans := []Span{ts.span()}
	for _, c := range scenarioCalls() {
		spans = append(spans, c.span())
	}
	nested, want := nestedSpans()
	return append(spans, nested...), append([]*ExecutionRecord{scenarioRecord()}, want...)
}

// emitSDK replays neutral spans through a real SDK tracer, parents first,
// and returns what an in-memory exporter received.
func emitSDK(t *testing.T, spans []Span) []sdktrace.ReadOnlySpan {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	tracer := tp.Tracer("otelrecord-test")
	ctxs := map[trace.SpanID]context.Context{}
	for _, s := range spans {
		parent, ok := ctxs[s.ParentSpanID]
		if !ok {
			parent = context.Background()
		}
		ctx, span := tracer.Start(parent, s.Name, trace.WithTimestamp(s.StartTime), trace.WithAttributes(s.Attributes...))
		for _, e := range s.Events {
			span.AddEvent(e.Name, trace.WithTimestamp(e.Time), trace.WithAttributes(e.Attributes...))
		}
		if s.StatusCode == codes.Error {
			span.SetStatus(codes.Error, s.StatusMessage)
		}
		ctxs[s.SpanID] = ctx
		span.End(trace.WithTimestamp(s.EndTime))
	}
	got := exp.GetSpans().Snapshots() // before Shutdown, which resets the exporter
	require.NoError(t, tp.Shutdown(context.Background()))
	return got
}

// exportOTLP sends SDK spans through the real OTLP/HTTP exporter to a
// loopback server and returns the protobuf it received.
func exportOTLP(t *testing.T, spans []sdktrace.ReadOnlySpan) []*tracepb.ResourceSpans {
	t.Helper()
	var (
		mu  sync.Mutex
		got []*tracepb.ResourceSpans
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, req.GetResourceSpans()...)
		mu.Unlock()
		resp, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(resp)
	}))
	defer srv.Close()
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(srv.URL+"/v1/traces"))
	require.NoError(t, err)
	require.NoError(t, exp.ExportSpans(ctx, spans))
	require.NoError(t, exp.Shutdown(ctx))
	srv.CloseClientConnections()
	mu.Lock()
	defer mu.Unlock()
	return got
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

func TestAdaptersRebuildTheSameRecords(t *testing.T) {
	spans, want := adapterSpans()
	direct, err := Rebuild(spans)
	require.NoError(t, err)
	requireSameRecords(t, want, direct)

	sdkSpans := emitSDK(t, spans)
	require.Len(t, sdkSpans, len(spans))
	fromSDK, err := Rebuild(SpansFromSDK(sdkSpans))
	require.NoError(t, err)
	requireSameRecords(t, want, fromSDK)

	rss := exportOTLP(t, sdkSpans)
	fromProto := SpansFromOTLP(rss)
	require.Len(t, fromProto, len(spans))
	recs, err := Rebuild(fromProto)
	require.NoError(t, err)
	requireSameRecords(t, want, recs)

	doc := jaegerJSON(t, rss)
	assert.Contains(t, string(doc), `"traceId":"`+hex.EncodeToString(fromProto[0].TraceID[:])+`"`)
	fromJSON, err := SpansFromOTLPJSON(doc)
	require.NoError(t, err)
	recs, err = Rebuild(fromJSON)
	require.NoError(t, err)
	requireSameRecords(t, want, recs)

	// The three adapters describe the spans identically, attribute for
	// attribute (the SDK keeps attributes sorted by key, OTLP keeps them too).
	neutral := SpansFromSDK(sdkSpans)
	for i := range neutral {
		assert.Equal(t, neutral[i].SpanID, fromProto[i].SpanID)
		assert.Equal(t, neutral[i].ParentSpanID, fromJSON[i].ParentSpanID)
		assert.True(t, neutral[i].StartTime.Equal(fromJSON[i].StartTime))
		assert.Equal(t, neutral[i].StatusCode, fromJSON[i].StatusCode)
		assert.Equal(t, neutral[i].StatusMessage, fromJSON[i].StatusMessage)
		assert.Equal(t, attribute.NewSet(neutral[i].Attributes...), attribute.NewSet(fromProto[i].Attributes...))
		assert.Equal(t, attribute.NewSet(neutral[i].Attributes...), attribute.NewSet(fromJSON[i].Attributes...))
		require.Len(t, fromJSON[i].Events, len(neutral[i].Events))
	}
}

func TestSpansFromOTLPJSONJaegerFixture(t *testing.T) {
	data, err := os.ReadFile("testdata/jaeger_trace.json")
	require.NoError(t, err)
	spans, err := SpansFromOTLPJSON(data)
	require.NoError(t, err)
	require.Len(t, spans, 5)

	task := spans[0]
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", task.TraceID.String())
	assert.Equal(t, "00f067aa0ba902b7", task.SpanID.String())
	assert.False(t, task.ParentSpanID.IsValid())
	assert.Equal(t, codes.Error, spans[1].StatusCode, "OTLP status code 2 is Error")
	assert.Equal(t, "user 99 not found", spans[1].StatusMessage)
	assert.Equal(t, codes.Ok, spans[4].StatusCode, "OTLP status code 1 is Ok")

	recs, err := Rebuild(spans)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	want := &ExecutionRecord{
		UUID:     "0196d5a0-7c1e-7b3a-9e1f-2f7c9d1a0b11",
		TaskName: "getUserReport",
		Input:    json.RawMessage(`{"userId":1}`),
		Output:   json.RawMessage(`null`),
		Type:     TypeSuccess,
		Boundaries: map[string][]BoundaryRecord{
			"fetchUser": {
				{Input: json.RawMessage(`[1]`), Output: json.RawMessage(`{"id":1,"name":"Ada"}`),
					Timing: &TimingInfo{StartTime: 1779013800124, EndTime: 1779013800125, Duration: 1.5}},
				{Input: json.RawMessage(`[99]`), Error: "user 99 not found",
					Timing: &TimingInfo{StartTime: 1779013800127, EndTime: 1779013800129, Duration: 2.25}},
			},
			"clock": {},
		},
		Metadata: map[string]string{"requestId": "req-1", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"},
		Metrics:  []Metric{{Type: "business", Name: "score", Value: 10}, {Type: "perf", Name: "items", Value: 3}},
		Timing:   &TimingInfo{StartTime: 1779013800123, EndTime: 1779013800130, Duration: 7.000001},
	}
	requireSameJSON(t, want, recs[0])
}

func TestSpansFromOTLPJSONShapes(t *testing.T) {
	const span = `{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"x",
		"startTimeUnixNano":1779013800123000000,"endTimeUnixNano":"1779013800124000000",
		"attributes":[
			{"key":"s","value":{"stringValue":"v"}},
			{"key":"i","value":{"intValue":"-42"}},
			{"key":"i2","value":{"intValue":7}},
			{"key":"d","value":{"doubleValue":"Infinity"}},
			{"key":"b","value":{"boolValue":true}},
			{"key":"bytes","value":{"bytesValue":"aGk="}},
			{"key":"ss","value":{"arrayValue":{"values":[{"stringValue":"a"},{"stringValue":"b"}]}}},
			{"key":"mixed","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"1"}]}}},
			{"key":"empty","value":{"arrayValue":{}}},
			{"key":"kv","value":{"kvlistValue":{"values":[{"key":"k","value":{"stringValue":"v"}}]}}},
			{"key":"none","value":{}},
			{"key":"null"}
		],
		"status":{"code":"STATUS_CODE_ERROR","message":"m"}}`
	tests := []struct {
		name string
		doc  string
		n    int
	}{
		{"plain TracesData", `{"resourceSpans":[{"scopeSpans":[{"spans":[` + span + `]}]}]}`, 1},
		{"Jaeger answer", `{"result":{"resourceSpans":[{"resource":{},"scopeSpans":[{"scope":{},"spans":[` + span + `]}]}]}}`, 1},
		{"chunked Jaeger answers", `{"result":{"resourceSpans":[{"scopeSpans":[{"spans":[` + span + `]}]}]}}` + "\n" +
			`{"result":{"resourceSpans":[{"scopeSpans":[{"spans":[` + span + `,` + span + `]}]}]}}`, 3},
		{"old instrumentationLibrarySpans", `{"resourceSpans":[{"instrumentationLibrarySpans":[{"spans":[` + span + `]}]}]}`, 1},
		{"empty object", `{}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spans, err := SpansFromOTLPJSON([]byte(tt.doc))
			require.NoError(t, err)
			require.Len(t, spans, tt.n)
			if tt.n == 0 {
				return
			}
			s := spans[0]
			assert.Equal(t, "00f067aa0ba902b7", s.SpanID.String())
			assert.Equal(t, int64(1779013800123000000), s.StartTime.UnixNano())
			assert.Equal(t, int64(1779013800124000000), s.EndTime.UnixNano())
			assert.Equal(t, codes.Error, s.StatusCode)
			set := attribute.NewSet(s.Attributes...)
			get := func(k string) attribute.Value { v, _ := set.Value(attribute.Key(k)); return v }
			assert.Equal(t, "v", get("s").AsString())
			assert.Equal(t, int64(-42), get("i").AsInt64())
			assert.Equal(t, int64(7), get("i2").AsInt64())
			assert.Equal(t, attribute.FLOAT64, get("d").Type())
			assert.True(t, get("b").AsBool())
			assert.Equal(t, []byte("hi"), get("bytes").AsByteSlice())
			assert.Equal(t, []string{"a", "b"}, get("ss").AsStringSlice())
			assert.Equal(t, attribute.SLICE, get("mixed").Type())
			assert.Equal(t, attribute.MAP, get("kv").Type())
			assert.False(t, set.HasValue("none"))
			assert.False(t, set.HasValue("null"))
		})
	}
}

func TestSpansFromOTLPJSONErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":             ``,
		"not JSON":          `{"resourceSpans":`,
		"bad id":            `{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"xyz!"}]}]}]}`,
		"bad time":          `{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-1"}]}]}]}`,
		"bad int":           `{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":{"intValue":"1.5"}}]}]}]}]}`,
		"trailing garbage":  `{} x`,
		"Jaeger error body": `{"error":{"httpCode":404,"message":"trace not found"}}`,
		"array":             `[1,2]`,
	} {
		t.Run(name, func(t *testing.T) {
			spans, err := SpansFromOTLPJSON([]byte(doc))
			require.ErrorIs(t, err, ErrInvalidOTLPJSON)
			assert.Nil(t, spans)
		})
	}
	_, err := SpansFromOTLPJSON([]byte(`{"error":{"httpCode":404,"message":"trace not found"}}`))
	assert.ErrorContains(t, err, "trace not found")
}

func TestSpansFromOTLPEdgeCases(t *testing.T) {
	rss := []*tracepb.ResourceSpans{nil, {ScopeSpans: []*tracepb.ScopeSpans{nil, {Spans: []*tracepb.Span{nil, {
		TraceId:           []byte{1, 2, 3}, // wrong length
		SpanId:            []byte{1, 2, 3, 4, 5, 6, 7, 8},
		StartTimeUnixNano: ^uint64(0),
		Status:            &tracepb.Status{Code: tracepb.Status_STATUS_CODE_OK},
		Attributes:        []*commonpb.KeyValue{nil, {Key: "k"}, {Key: "v", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 1}}}},
		Events:            []*tracepb.Span_Event{nil, {Name: "e"}},
	}}}}}}
	spans := SpansFromOTLP(rss)
	require.Len(t, spans, 1)
	s := spans[0]
	assert.False(t, s.TraceID.IsValid())
	assert.True(t, s.SpanID.IsValid())
	assert.True(t, s.EndTime.IsZero())
	assert.False(t, s.StartTime.IsZero())
	assert.Equal(t, codes.Ok, s.StatusCode)
	assert.Equal(t, []attribute.KeyValue{attribute.Int64("v", 1)}, s.Attributes)
	assert.Equal(t, []Event{{Name: "e"}}, s.Events)
	assert.Empty(t, SpansFromOTLP(nil))
}

func TestSpansFromSDKSkipsNil(t *testing.T) {
	assert.Empty(t, SpansFromSDK([]sdktrace.ReadOnlySpan{nil}))
	assert.Equal(t, Span{}, SpanFromSDK(nil))
}
