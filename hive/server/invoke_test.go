package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// target is a task endpoint: it answers like the task package's handler.
type target struct {
	mu     sync.Mutex
	bodies []string
}

func (tg *target) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	tg.mu.Lock()
	tg.bodies = append(tg.bodies, string(body))
	tg.mu.Unlock()
	var req struct {
		Args struct{ A, B int }
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/sum":
		if err := json.Unmarshal(body, &req); err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"error":"bad args"}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]int{"total": req.Args.A + req.Args.B})
	case "/fail":
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"error":"boom: database down"}`)
	case "/text":
		_, _ = io.WriteString(w, "not json")
	}
}

func TestInvoke(t *testing.T) {
	tg := &target{}
	ts0 := httptest.NewServer(tg)
	defer ts0.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	ts := start(t, server.WithInvokeClient(&http.Client{Transport: tr}))
	r := ts.do(http.MethodPost, "/api/projects/"+projectA+"/sync", map[string]any{"tasks": []map[string]any{
		{"uuid": "t-sum", "name": "sum", "invokeUrl": ts0.URL + "/sum"},
		{"uuid": "t-fail", "name": "fail", "invokeUrl": ts0.URL + "/fail"},
		{"uuid": "t-text", "name": "text", "invokeUrl": ts0.URL + "/text"},
		{"uuid": "t-down", "name": "down", "invokeUrl": downURL + "/x"},
		{"uuid": "t-none", "name": "none"},
	}})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	invoke := func(task string, body any) response {
		return ts.do(http.MethodPost, "/api/projects/"+projectA+"/tasks/"+task+"/invoke", body)
	}

	r = invoke("t-sum", map[string]any{"payload": map[string]int{"a": 2, "b": 3}})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.JSONEq(t, `{"responsePayload":{"total":5}}`, string(r.body))
	tg.mu.Lock()
	require.Len(t, tg.bodies, 1)
	assert.JSONEq(t, `{"args":{"a":2,"b":3}}`, tg.bodies[0], "the target gets {\"args\": payload}")
	tg.mu.Unlock()

	msg := invoke("t-fail", map[string]any{"payload": 1}).requireError(t, http.StatusBadGateway)
	assert.Contains(t, msg, "500")
	assert.Contains(t, msg, "boom: database down")
	msg = invoke("t-text", map[string]any{"payload": 1}).requireError(t, http.StatusBadGateway)
	assert.Contains(t, msg, "not JSON")
	msg = invoke("t-down", map[string]any{"payload": 1}).requireError(t, http.StatusBadGateway)
	assert.Contains(t, msg, "unreachable")

	msg = invoke("t-none", map[string]any{"payload": 1}).requireError(t, http.StatusNotImplemented)
	assert.Equal(t, "task has no invoke URL", msg)
	invoke("t-unknown", map[string]any{"payload": 1}).requireError(t, http.StatusNotFound)
	ts.do(http.MethodPost, "/api/projects/"+projectB+"/tasks/t-sum/invoke", map[string]any{"payload": 1}).requireError(t, http.StatusNotFound)
	invoke("t-sum", `{"payload":`).requireError(t, http.StatusBadRequest)
}
