package jaegertest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleTrace has the shape Jaeger v1.76's /api/v3/traces/{id} returns.
const sampleTrace = `{"result":{"resourceSpans":[
 {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}},{"key":"n","value":{"intValue":"3"}}]},
  "scopeSpans":[{"scope":{"name":"s"},"spans":[
   {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000001","name":"root","kind":1},
   {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000002","parentSpanId":"0000000000000001","name":"child","status":{"code":2}}]}]},
 {"resource":{},"scopeSpans":[{"scope":{},"spans":[
   {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000003","parentSpanId":"0000000000000001","name":"other"}]}]}]}}`

func TestParseTrace(t *testing.T) {
	spans, err := ParseTrace([]byte(sampleTrace))
	require.NoError(t, err)
	assert.Equal(t, []Span{
		{TraceID: "0102030405060708090a0b0c0d0e0f10", SpanID: "0000000000000001", Name: "root", Service: "svc"},
		{TraceID: "0102030405060708090a0b0c0d0e0f10", SpanID: "0000000000000002", ParentSpanID: "0000000000000001", Name: "child", Service: "svc"},
		{TraceID: "0102030405060708090a0b0c0d0e0f10", SpanID: "0000000000000003", ParentSpanID: "0000000000000001", Name: "other"},
	}, spans)
}

func TestParseTraceEmptyResult(t *testing.T) {
	spans, err := ParseTrace([]byte(`{"result":{}}`))
	require.NoError(t, err)
	assert.Empty(t, spans)
}

func TestParseTraceMalformed(t *testing.T) {
	for _, body := range []string{
		``,
		`[]`,
		`{}`,
		`{"error":{"httpCode":404,"message":"trace not found"}}`,
		`{"result":{"resourceSpans":{}}}`,
		`{"result":`,
	} {
		_, err := ParseTrace([]byte(body))
		require.ErrorIs(t, err, ErrMalformed, "body %q", body)
	}
}

func FuzzParseTrace(f *testing.F) {
	f.Add([]byte(sampleTrace))
	f.Add([]byte(`{"result":{}}`))
	f.Add([]byte(`{"result":null}`))
	f.Add([]byte(`{"error":{"httpCode":404}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		spans, err := ParseTrace(body)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformed)
			require.Nil(t, spans)
		}
	})
}

func FuzzModulePath(f *testing.F) {
	f.Add([]byte("module github.com/hivetrace/hivetrace\n"))
	f.Add([]byte("module \"a/b\" // c\n"))
	f.Add([]byte("go 1.26\nmodule x\n"))
	f.Fuzz(func(t *testing.T, gomod []byte) {
		got := modulePath(gomod)
		assert.NotContains(t, got, "\n")
		if got != "" {
			assert.Contains(t, string(gomod), "module")
		}
	})
}
