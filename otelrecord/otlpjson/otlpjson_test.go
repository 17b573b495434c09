package otlpjson

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"

	"github.com/hivetrace/hivetrace/otelrecord"
)

func TestSpansJaegerFixture(t *testing.T) {
	data, err := os.ReadFile("../testdata/jaeger_trace.json")
	require.NoError(t, err)
	spans, err := Spans(data)
	require.NoError(t, err)
	require.Len(t, spans, 5)

	task := spans[0]
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", task.TraceID.String())
	assert.Equal(t, "00f067aa0ba902b7", task.SpanID.String())
	assert.False(t, task.ParentSpanID.IsValid())
	assert.Equal(t, codes.Error, spans[1].StatusCode, "OTLP status code 2 is Error")
	assert.Equal(t, "user 99 not found", spans[1].StatusMessage)
	assert.Equal(t, codes.Ok, spans[4].StatusCode, "OTLP status code 1 is Ok")

	recs, err := otelrecord.Rebuild(spans)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	want := &otelrecord.ExecutionRecord{
		UUID:     "0196d5a0-7c1e-7b3a-9e1f-2f7c9d1a0b11",
		TaskName: "getUserReport",
		Input:    json.RawMessage(`{"userId":1}`),
		Output:   json.RawMessage(`null`),
		Type:     otelrecord.TypeSuccess,
		Boundaries: map[string][]otelrecord.BoundaryRecord{
			"fetchUser": {
				{Input: json.RawMessage(`[1]`), Output: json.RawMessage(`{"id":1,"name":"Ada"}`),
					Timing: &otelrecord.TimingInfo{StartTime: 1779013800124, EndTime: 1779013800125, Duration: 1.5}},
				{Input: json.RawMessage(`[99]`), Error: "user 99 not found",
					Timing: &otelrecord.TimingInfo{StartTime: 1779013800127, EndTime: 1779013800129, Duration: 2.25}},
			},
			"clock": {},
		},
		Metadata: map[string]string{"requestId": "req-1", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"},
		Metrics:  []otelrecord.Metric{{Type: "business", Name: "score", Value: 10}, {Type: "perf", Name: "items", Value: 3}},
		Timing:   &otelrecord.TimingInfo{StartTime: 1779013800123, EndTime: 1779013800130, Duration: 7.000001},
	}
	wantJSON, err := json.Marshal(want)
	require.NoError(t, err)
	gotJSON, err := json.Marshal(recs[0])
	require.NoError(t, err)
	assert.JSONEq(t, string(wantJSON), string(gotJSON))
}

func TestSpansShapes(t *testing.T) {
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
			spans, err := Spans([]byte(tt.doc))
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

func TestSpansErrors(t *testing.T) {
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
			spans, err := Spans([]byte(doc))
			require.ErrorIs(t, err, ErrInvalid)
			assert.Nil(t, spans)
		})
	}
	_, err := Spans([]byte(`{"error":{"httpCode":404,"message":"trace not found"}}`))
	assert.ErrorContains(t, err, "trace not found")
}
