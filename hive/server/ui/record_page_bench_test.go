package ui

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// bigRecord returns a record of 10,000 calls over 5 boundaries, each with
// an input and an output of some 100 bytes, one call in 100 failing.
func bigRecord() *otelrecord.ExecutionRecord {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	rec := &otelrecord.ExecutionRecord{
		UUID: recordUUID(10000), TaskName: "report", Type: otelrecord.TypeSuccess,
		Input: json.RawMessage(`{"batch":10000}`), Output: json.RawMessage(`{"done":true}`),
		Boundaries: map[string][]otelrecord.BoundaryRecord{},
		Metadata:   map[string]string{otelrecord.MetadataTraceID: "4bf92f3577b34da6a3ce929d0e0e4736"},
		Timing:     otelrecord.NewTiming(start, start.Add(20*time.Second)),
	}
	names := []string{"fetchUser", "fetchOrders", "priceQuote", "cacheGet", "publish"}
	for i := range 10000 {
		at := start.Add(time.Duration(i) * 2 * time.Millisecond)
		c := otelrecord.BoundaryRecord{
			Input:  json.RawMessage(fmt.Sprintf(`[{"id":%d,"region":"eu-west-1","fields":["name","email","orders"]}]`, i)),
			Output: json.RawMessage(fmt.Sprintf(`{"id":%d,"name":"user %d","email":"u%d@example.com","orders":[1,2,3],"total":%d.5}`, i, i, i, i)),
			Timing: otelrecord.NewTiming(at, at.Add(1500*time.Microsecond)),
		}
		if i%100 == 99 {
			c.Output, c.Error = nil, "upstream timeout"
		}
		name := names[i%len(names)]
		rec.Boundaries[name] = append(rec.Boundaries[name], c)
	}
	return rec
}

// bigRecordServer is a server holding bigRecord, with the UI.
func bigRecordServer(tb testing.TB) (http.Handler, string) {
	tb.Helper()
	store := server.NewMemoryStore()
	tb.Cleanup(func() { _ = store.Close() })
	rec := bigRecord()
	raw, err := json.Marshal(rec)
	require.NoError(tb, err)
	res, err := store.Ingest(tb.Context(), []server.IngestEntry{{Log: server.StoredLog{
		ProjectUUID: testProject, TaskName: rec.TaskName, UUID: rec.UUID, Record: raw}}})
	require.NoError(tb, err)
	require.NoError(tb, res[0].Err)
	srv := server.New(store, server.WithCredentials(testKey, testSecret), server.WithoutAuthThrottle(),
		server.WithLogger(slog.New(slog.DiscardHandler)), server.WithUI(Mount()))
	return srv, "/ui/tasks/report/logs/" + rec.UUID + "?project=" + testProject
}

func TestRecordPage10000CallsIsGrouped(t *testing.T) {
	srv, path := bigRecordServer(t)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", bearer())
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	bars := strings.Count(body, "data-bar ")
	assert.LessOrEqual(t, bars, DefaultTimelineBars)
	assert.GreaterOrEqual(t, bars, DefaultTimelineBars/2)
	assert.Contains(t, body, "10000 calls over 20.00 s, grouped into")
	assert.Contains(t, body, "(100 failed)")
	assert.Equal(t, 5, strings.Count(body, "data-lane "), "a row a boundary")
	assert.Less(t, len(body), 1<<20, "the page stays small")
}

// BenchmarkRecordPage10000Calls renders the page of a record with 10,000
// boundary calls, from the store to the written answer; the budget is
// 300 ms an operation.
func BenchmarkRecordPage10000Calls(b *testing.B) {
	srv, path := bigRecordServer(b)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", bearer())
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
