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
		if g.Code == http.StatusOK && !json.Valid(g.Body.Bytes()) {
			t.Fatalf("stored record is not JSON: %s", g.Body)
		}
	})
}
