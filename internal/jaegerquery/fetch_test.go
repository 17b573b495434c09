package jaegerquery

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpjson"
)

// fixtureID is the trace in otelrecord's testdata/jaeger_trace.json, an
// answer of Jaeger's query API v3.
const fixtureID = "4bf92f3577b34da6a3ce929d0e0e4736"

// fakeJaeger answers GET /api/v3/traces/{id} with what answers holds for
// id, and 404 with Jaeger's error body for any other id.
func fakeJaeger(t *testing.T, answers map[string]func(http.ResponseWriter)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		id, ok := strings.CutPrefix(r.URL.Path, "/api/v3/traces/")
		if answer := answers[id]; ok && answer != nil {
			answer(w)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"httpCode":404,"message":"trace not found"}}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func answer(status int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func traceID(t *testing.T, s string) trace.TraceID {
	t.Helper()
	id, err := trace.TraceIDFromHex(s)
	require.NoError(t, err)
	return id
}

func TestFetch(t *testing.T) {
	fixture, err := os.ReadFile("../../otelrecord/testdata/jaeger_trace.json")
	require.NoError(t, err)
	want, err := otlpjson.Spans(fixture)
	require.NoError(t, err)
	require.NotEmpty(t, want)

	base := fakeJaeger(t, map[string]func(http.ResponseWriter){
		fixtureID:                          answer(http.StatusOK, string(fixture)),
		"00000000000000000000000000000e00": answer(http.StatusOK, `{"result":{}}`),
	})

	t.Run("spans in answer order", func(t *testing.T) {
		got, err := Fetch(t.Context(), http.DefaultClient, base, traceID(t, fixtureID))
		require.NoError(t, err)
		assert.Equal(t, want, got)
		recs, err := otelrecord.Rebuild(got)
		require.NoError(t, err)
		assert.Len(t, recs, 1)
	})

	t.Run("a trace with no span", func(t *testing.T) {
		got, err := Fetch(t.Context(), http.DefaultClient, base, traceID(t, "00000000000000000000000000000e00"))
		require.NoError(t, err)
		assert.Empty(t, got)
	})
}

func TestFetchErrors(t *testing.T) {
	base := fakeJaeger(t, map[string]func(http.ResponseWriter){
		"50000000000000000000000000000000": answer(http.StatusInternalServerError, `{"error":{"httpCode":500,"message":"storage down"}}`+"\n"),
		"b0000000000000000000000000000000": answer(http.StatusOK, `<html>not json</html>`),
		"c0000000000000000000000000000000": answer(http.StatusOK, `{"error":{"httpCode":503,"message":"busy"}}`),
		"f0000000000000000000000000000000": answer(http.StatusOK, strings.Repeat(" ", 2048)+"{}"),
	})
	maxTraceBytes = 1024
	t.Cleanup(func() { maxTraceBytes = MaxTraceBytes })

	for _, c := range []struct {
		name, id string
		is       []error
		contains string
	}{
		{"not found", "0af7651916cd43dd8448eb211c80319c", []error{ErrNotFound}, "GET " + base + "/api/v3/traces/0af7651916cd43dd8448eb211c80319c"},
		{"bad status", "50000000000000000000000000000000", []error{ErrStatus}, `500 Internal Server Error: {"error":{"httpCode":500,"message":"storage down"}}`},
		{"not JSON", "b0000000000000000000000000000000", []error{ErrUndecodable, otlpjson.ErrInvalid}, "invalid character"},
		{"error answer with 200", "c0000000000000000000000000000000", []error{ErrUndecodable, otlpjson.ErrInvalid}, "busy"},
		{"too large", "f0000000000000000000000000000000", []error{ErrUndecodable}, "larger than 1024 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spans, err := Fetch(t.Context(), http.DefaultClient, base, traceID(t, c.id))
			assert.Nil(t, spans)
			for _, target := range c.is {
				require.ErrorIs(t, err, target)
			}
			assert.Contains(t, err.Error(), c.contains)
		})
	}
}

func TestFetchWithoutAnswer(t *testing.T) {
	id := traceID(t, fixtureID)

	t.Run("zero trace id, no request", func(t *testing.T) {
		_, err := Fetch(t.Context(), http.DefaultClient, "http://127.0.0.1:1", trace.TraceID{})
		require.ErrorIs(t, err, ErrInvalidTraceID)
	})

	t.Run("nothing listening", func(t *testing.T) {
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		_, err := Fetch(t.Context(), http.DefaultClient, closed.URL, id)
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrNotFound)
		assert.Contains(t, err.Error(), "connect")
	})

	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := Fetch(ctx, http.DefaultClient, fakeJaeger(t, nil), id)
		require.ErrorIs(t, err, context.Canceled)
	})

	t.Run("base URL that is not a URL", func(t *testing.T) {
		_, err := Fetch(t.Context(), http.DefaultClient, "http://[::1", id)
		require.Error(t, err)
	})
}
