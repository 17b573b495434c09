package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/examples/internal/shop"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// testService is the service's handlers on an httptest server, with its own
// TracerProvider (no globals) and the records of its task runs.
type testService struct {
	srv   *httptest.Server
	spans *tracetest.InMemoryExporter

	mu      sync.Mutex
	records []*otelrecord.ExecutionRecord
}

func newTestService(t *testing.T) *testService {
	t.Helper()
	ts := &testService{spans: tracetest.NewInMemoryExporter()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(ts.spans))
	db, err := shop.OpenDB(t.Context())
	require.NoError(t, err)

	var a *app
	ts.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.handler.ServeHTTP(w, r)
	}))
	ts.srv.Start()
	a, err = newApp(appConfig{db: db, upstream: ts.srv.URL + "/upstream", tracerProvider: tp, propagators: propagation.TraceContext{}})
	require.NoError(t, err)
	a.shop.Report.AddListener(func(_ context.Context, rec *otelrecord.ExecutionRecord) {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		ts.records = append(ts.records, rec)
	})
	t.Cleanup(func() {
		ts.srv.Close()
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		assert.NoError(t, tp.Shutdown(context.Background()))
		assert.NoError(t, db.Close())
	})
	return ts
}

func (ts *testService) do(t *testing.T, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, ts.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := ts.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func (ts *testService) record(t *testing.T, uuid string) *otelrecord.ExecutionRecord {
	t.Helper()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for _, r := range ts.records {
		if r.UUID == uuid {
			return r
		}
	}
	require.Failf(t, "no record", "uuid %q among %d records", uuid, len(ts.records))
	return nil
}

func TestReportRunsTaskWithHTTPAndSQLBoundaries(t *testing.T) {
	ts := newTestService(t)
	resp, body := ts.do(t, http.MethodGet, "/reports/1", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)

	var rep shop.Report
	require.NoError(t, json.Unmarshal([]byte(body), &rep))
	assert.Equal(t, shop.Report{UserID: 1, Name: "Ada Lovelace", Email: "ada@example.com", Orders: 2, Total: 20}, rep)

	rec := ts.record(t, resp.Header.Get(recordHeader))
	assert.Equal(t, otelrecord.TypeSuccess, rec.Type)
	require.Len(t, rec.Boundaries[shop.FetchProfileName], 1)
	require.Len(t, rec.Boundaries[shop.QueryOrdersName], 1)
	assert.JSONEq(t, `[1]`, string(rec.Boundaries[shop.FetchProfileName][0].Input))
	assert.JSONEq(t, `{"id":1,"name":"Ada Lovelace","email":"ada@example.com"}`, string(rec.Boundaries[shop.FetchProfileName][0].Output))
	assert.JSONEq(t, `{"count":2,"total":20}`, string(rec.Boundaries[shop.QueryOrdersName][0].Output))
	assert.Equal(t, "Ada Lovelace", rec.Metadata["userName"])
	require.Len(t, rec.Metrics, 1)
	assert.Equal(t, "orderTotal", rec.Metrics[0].Name)

	// One trace: the request's server span, the task run, the boundaries,
	// the outbound HTTP client span and the profile API's server span.
	spans := ts.spans.GetSpans()
	traceID := rec.Metadata[otelrecord.MetadataTraceID]
	names := map[string]bool{}
	for _, s := range spans {
		if s.SpanContext.TraceID().String() == traceID {
			names[s.Name] = true
		}
	}
	for _, want := range []string{"GET /reports/{userId}", shop.ReportTask, shop.FetchProfileName, shop.QueryOrdersName, "GET /upstream/"} {
		assert.True(t, names[want], "span %q missing from the trace; have %v", want, names)
	}
}

func TestTaskHandlerRoute(t *testing.T) {
	ts := newTestService(t)
	resp, body := ts.do(t, http.MethodPost, "/tasks/getUserReport", `{"args":{"userId":3}}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.JSONEq(t, `{"userId":3,"name":"Grace Hopper","email":"grace@example.com","orders":3,"total":12}`, body)

	resp, body = ts.do(t, http.MethodPost, "/tasks/getUserReport", `{"args":{"userId":0}}`)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
	assert.Contains(t, body, "Invalid input on: userId")
}

func TestReportOfUnknownUserFailsInItsBoundary(t *testing.T) {
	ts := newTestService(t)
	resp, body := ts.do(t, http.MethodGet, "/reports/99", "")
	require.Equal(t, http.StatusBadGateway, resp.StatusCode, body)
	assert.Contains(t, body, "profile 99: 404 Not Found")

	rec := ts.record(t, resp.Header.Get(recordHeader))
	assert.Equal(t, otelrecord.TypeError, rec.Type)
	assert.Equal(t, "profile 99: 404 Not Found", rec.Error)
	require.Len(t, rec.Boundaries[shop.FetchProfileName], 1)
	assert.Equal(t, "profile 99: 404 Not Found", rec.Boundaries[shop.FetchProfileName][0].Error)
	assert.Empty(t, rec.Boundaries[shop.QueryOrdersName], "the orders query is never reached")
}

func TestBadRequests(t *testing.T) {
	ts := newTestService(t)
	resp, _ := ts.do(t, http.MethodGet, "/reports/abc", "")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, _ = ts.do(t, http.MethodGet, "/reports/0", "")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	resp, body := ts.do(t, http.MethodGet, "/healthz", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"status":"ok"}`, body)
}
