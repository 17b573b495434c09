package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
)

// FuzzIngest sends arbitrary bodies to POST /api/log-ingest: the server never
// panics or answers 500, answers errors as JSON, and whatever it accepts can
// be read back as the logItem it answered.
func FuzzIngest(f *testing.F) {
	str := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	for _, seed := range []string{
		`{"projectUuid":"p","taskUuid":"t","logItem":` + str(recordJSON("task", "r1", "x")) + `}`,
		`{"logItem":` + str(recordJSON("task", "", "x")) + `}`,
		`{"logItem":` + recordJSON("obj", "r2", "x") + `}`,
		`{"projectUuid":"p","projectName":"n","logItem":"{\"taskName\":\"a\",\"type\":\"pending\"}"}`,
		`{"logItem":"{\"taskName\":\"a\",\"metrics\":[{\"type\":\"\",\"name\":\"\",\"value\":1}]}"}`,
		`{"logItem":"{\"taskName\":\"a\",\"boundaries\":{\"b\":null}}"}`,
		`{"logItem":"{\"taskName\":\"a\",\"timing\":{\"startTime\":1e400}}"}`,
		`{"logItem":"null"}`, `{"logItem":""}`, `{"logItem":[]}`, `{}`, `[]`, `null`, `"x"`, ``, `{`,
		`{"logItem":"{\"taskName\":\"\\u0000\"}"}`,
		`{"logItem":"{\"taskName\":\"a\",\"uuid\":\"\\ud800\"}"}`,
	} {
		f.Add([]byte(seed))
	}
	store, err := sqlitestore.Open(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"))
	require.NoError(f, err)
	f.Cleanup(func() { _ = store.Close() })
	srv := server.New(store, server.WithInsecureNoAuth(), server.WithMaxBodyBytes(1<<20),
		server.WithLogger(slog.New(slog.DiscardHandler)))

	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/log-ingest", strings.NewReader(string(body))))
		if w.Code >= 500 {
			t.Fatalf("status %d for body %q: %s", w.Code, body, w.Body)
		}
		if w.Code != http.StatusOK {
			var e struct {
				Error  string `json:"error"`
				Status int    `json:"status"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Status != w.Code || e.Error == "" {
				t.Fatalf("error answer is not {error,status}: %d %s", w.Code, w.Body)
			}
			return
		}
		var resp struct{ UUID, TaskName, LogItem string }
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
			t.Fatalf("decode answer: %v", err)
		}
		g := httptest.NewRecorder()
		srv.ServeHTTP(g, httptest.NewRequest(http.MethodGet,
			"/api/tasks/"+url.PathEscape(resp.TaskName)+"/logs/"+url.PathEscape(resp.UUID), nil))
		if g.Code != http.StatusOK && g.Code != http.StatusConflict { // 409: the uuid exists in several projects
			t.Fatalf("accepted record %s/%s not readable: %d %s", resp.TaskName, resp.UUID, g.Code, g.Body)
		}
		if g.Code == http.StatusOK && !json.Valid(logItemOf(t, g.Body.Bytes())) {
			t.Fatalf("stored record is not JSON: %s", g.Body)
		}
	})
}

// FuzzIngestBatch sends arbitrary bodies to POST /api/log-ingest/batch: the
// server never panics or answers 500, answers errors as JSON, and a 200
// answer holds one result per item, each a stored record or {error,status}.
func FuzzIngestBatch(f *testing.F) {
	str := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	for _, seed := range []string{
		`[{"projectUuid":"p","taskUuid":"t","logItem":` + str(recordJSON("task", "r1", "x")) + `}]`,
		`[{"logItem":` + str(recordJSON("task", "", "x")) + `},{"logItem":"{"},1,null,[]]`,
		`[{"logItem":` + recordJSON("obj", "r2", "x") + `},{"logItem":` + recordJSON("obj", "r2", "y") + `}]`,
		`[{"projectUuid":5}]`, `[]`, `{}`, `null`, `[`, ``, `[{}]`,
	} {
		f.Add([]byte(seed))
	}
	store, err := sqlitestore.Open(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"))
	require.NoError(f, err)
	f.Cleanup(func() { _ = store.Close() })
	srv := server.New(store, server.WithInsecureNoAuth(), server.WithMaxBodyBytes(1<<20), server.WithMaxRecordBytes(1<<12),
		server.WithLogger(slog.New(slog.DiscardHandler)))

	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/log-ingest/batch", strings.NewReader(string(body))))
		if w.Code >= 500 {
			t.Fatalf("status %d for body %q: %s", w.Code, body, w.Body)
		}
		if w.Code != http.StatusOK {
			var e struct {
				Error  string `json:"error"`
				Status int    `json:"status"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Status != w.Code || e.Error == "" {
				t.Fatalf("error answer is not {error,status}: %d %s", w.Code, w.Body)
			}
			return
		}
		var items []json.RawMessage
		if err := json.Unmarshal(body, &items); err != nil {
			t.Fatalf("200 for a body that is not a JSON array: %q", body)
		}
		var results []map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &results); err != nil || len(results) != len(items) {
			t.Fatalf("%d items answered with %s", len(items), w.Body)
		}
		for i, r := range results {
			if _, failed := r["error"]; failed {
				if s, _ := r["status"].(float64); s < 400 || s >= 500 {
					t.Fatalf("item %d: status %v", i, r["status"])
				}
				continue
			}
			if id, _ := r["uuid"].(string); id == "" {
				t.Fatalf("item %d: stored without uuid: %v", i, r)
			}
		}
	})
}
