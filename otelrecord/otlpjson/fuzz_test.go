package otlpjson

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

func FuzzSpans(f *testing.F) {
	fixture, err := os.ReadFile("../testdata/jaeger_trace.json")
	require.NoError(f, err)
	f.Add(fixture)
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","startTimeUnixNano":1,"status":{"code":"STATUS_CODE_ERROR"},"attributes":[{"key":"hive.kind","value":{"stringValue":"task"}},{"key":"a","value":{"arrayValue":{"values":[{"intValue":"1"},{"kvlistValue":{"values":[]}}]}}}]}]}]}]}`))
	f.Add([]byte(`{"result":{}}{"result":{"resourceSpans":[]}}`))
	f.Add([]byte(`{"error":{"httpCode":404,"message":"not found"}}`))
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"AAAAAAAAAAE=","endTimeUnixNano":"1e3","attributes":[{"key":"d","value":{"doubleValue":"NaN"}}]}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		spans, err := Spans(data)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalid)
			require.Nil(t, spans)
			return
		}
		recs, _ := otelrecord.Rebuild(spans)
		for _, r := range recs {
			_, err := json.Marshal(r)
			require.NoError(t, err)
		}
	})
}
