package hive

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

const (
	testKey     = "key-0123456789"
	testSecret  = "secret-abcdefgh"
	testProject = "0193a000-0000-7000-8000-000000000001"
)

// seenRequest is one request the fake server received.
type seenRequest struct {
	Method, Path, RawPath, Query, Auth, ContentType, Prefer string
	Body                                                    []byte
}

// fakeHive is a small Hive server: it authenticates, stores ingested records
// deduplicated by uuid, counts ingest attempts per uuid, and lets a test
// override the answer of any request. It is safe for concurrent use.
type fakeHive struct {
	mu       sync.Mutex
	requests []seenRequest
	records  map[string]*otelrecord.ExecutionRecord // by uuid
	order    []string
	attempts map[string]int // ingest attempts by uuid
	bodies   []ingestBody
	override func(w http.ResponseWriter, r *http.Request, body []byte) bool
}

func newFakeHive() *fakeHive {
	return &fakeHive{records: map[string]*otelrecord.ExecutionRecord{}, attempts: map[string]int{}}
}

// start serves the fake on a free loopback port until the test ends.
func (f *fakeHive) start(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

func (f *fakeHive) setOverride(o func(w http.ResponseWriter, r *http.Request, body []byte) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.override = o
}

func (f *fakeHive) seen() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.requests...)
}

func (f *fakeHive) stored() map[string]*otelrecord.ExecutionRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]*otelrecord.ExecutionRecord, len(f.records))
	for k, v := range f.records {
		out[k] = v
	}
	return out
}

func (f *fakeHive) attemptsFor(uuid string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[uuid]
}

func (f *fakeHive) ingestBodies() []ingestBody {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ingestBody(nil), f.bodies...)
}

// ingestBody is the body of POST /api/log-ingest as the fake reads it: the
// record must come as a JSON string.
type ingestBody struct {
	ProjectUUID string `json:"projectUuid"`
	ProjectName string `json:"projectName"`
	TaskUUID    string `json:"taskUuid"`
	LogItem     string `json:"logItem"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": msg, "status": status})
}

func (f *fakeHive) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, seenRequest{
		Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Prefer: r.Header.Get("Prefer"), Body: body,
	})
	override := f.override
	f.mu.Unlock()
	if override != nil && override(w, r, body) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+testKey+":"+testSecret {
		writeError(w, http.StatusUnauthorized, "invalid credentials")
		return
	}
	switch {
	case r.Method == "POST" && r.URL.Path == "/api/log-ingest":
		f.ingest(w, body)
	case r.Method == "POST" && r.URL.Path == "/api/log-ingest/batch":
		f.ingestBatch(w, body)
	case r.Method == "GET" && r.URL.Path == "/api/me":
		writeJSON(w, 200, map[string]any{"team": map[string]string{"name": "local", "uuid": "team-1"}, "user": map[string]string{"name": "dev"}})
	default:
		writeError(w, http.StatusNotFound, "not found: "+r.URL.Path)
	}
}

func (f *fakeHive) ingest(w http.ResponseWriter, body []byte) {
	var req ingestBody
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, 400, "malformed JSON: "+err.Error())
		return
	}
	status, answer := f.store(req)
	writeJSON(w, status, answer)
}

// ingestBatch stores each item of a batch as ingest does and answers their
// results.
// Unlike the single ingest, a batch item carries the record as a JSON
// object, as this project's server accepts it.
func (f *fakeHive) ingestBatch(w http.ResponseWriter, body []byte) {
	var reqs []struct {
		ingestBody
		LogItem json.RawMessage `json:"logItem"`
	}
	if err := json.Unmarshal(body, &reqs); err != nil {
		writeError(w, 400, "malformed JSON: "+err.Error())
		return
	}
	results := make([]any, len(reqs))
	for i, req := range reqs {
		if len(req.LogItem) == 0 || req.LogItem[0] != '{' {
			results[i] = map[string]any{"error": "batch logItem: want the record as a JSON object", "status": 400}
			continue
		}
		req.ingestBody.LogItem = string(req.LogItem)
		_, results[i] = f.store(req.ingestBody)
	}
	writeJSON(w, 200, results)
}

// store keeps the record of an ingest body (idempotent by uuid) and returns
// the ingest answer.
func (f *fakeHive) store(req ingestBody) (int, any) {
	var rec otelrecord.ExecutionRecord
	if err := json.Unmarshal([]byte(req.LogItem), &rec); err != nil {
		return 400, map[string]any{"error": "logItem: " + err.Error(), "status": 400}
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, req)
	f.attempts[rec.UUID]++
	if _, ok := f.records[rec.UUID]; !ok { // idempotent by uuid
		f.records[rec.UUID] = &rec
		f.order = append(f.order, rec.UUID)
	}
	f.mu.Unlock()
	return 201, map[string]any{
		"uuid": rec.UUID, "taskName": rec.TaskName, "projectName": "shop",
		"logItem": req.LogItem, "createdAt": "2026-01-02T03:04:05Z", "replayFrom": nil,
	}
}

// testConfig returns a Config with credentials for host and no environment
// fallbacks.
func testConfig(t testing.TB, host string) Config {
	t.Helper()
	clearEnv(t)
	return Config{
		ProjectName: "shop",
		ProjectUUID: testProject,
		APIKey:      testKey,
		APISecret:   testSecret,
		Host:        host,
		HTTPClient:  &http.Client{Timeout: 10 * time.Second},
		Logger:      discardLogger(),
	}
}

func clearEnv(t testing.TB) {
	t.Helper()
	if tt, ok := t.(*testing.T); ok {
		tt.Setenv(EnvAPIKey, "")
		tt.Setenv(EnvAPISecret, "")
		tt.Setenv(EnvHost, "")
		tt.Setenv(EnvProjectName, "")
		tt.Setenv(EnvProjectUUID, "")
		tt.Setenv(EnvForgePath, "")
	}
}

func newTestLogClient(t testing.TB, host string, mods ...func(*Config)) *LogClient {
	t.Helper()
	cfg := testConfig(t, host)
	for _, m := range mods {
		m(&cfg)
	}
	c, err := NewLogClient(cfg)
	require.NoError(t, err)
	return c
}

func sampleRecord(uuid string) *otelrecord.ExecutionRecord {
	return &otelrecord.ExecutionRecord{
		UUID:     uuid,
		TaskName: "getUserReport",
		Input:    json.RawMessage(`{"userId":1}`),
		Output:   json.RawMessage(`{"total":20}`),
		Type:     otelrecord.TypeSuccess,
		Boundaries: map[string][]otelrecord.BoundaryRecord{
			"fetchUser": {{Input: json.RawMessage(`[1]`), Output: json.RawMessage(`{"name":"ada"}`),
				Timing: &otelrecord.TimingInfo{StartTime: 1795633372498, EndTime: 1795633372502, Duration: 4}}},
		},
		Timing: &otelrecord.TimingInfo{StartTime: 1795633372498, EndTime: 1795633372505, Duration: 7},
	}
}

// closedURL returns the URL of a loopback port nothing listens on.
func closedURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// ingestRequestsFor counts every ingest request carrying the record uuid,
// whatever the answer was.
func (f *fakeHive) ingestRequestsFor(id string) int {
	n := 0
	for _, r := range f.seen() {
		if r.Path != "/api/log-ingest" {
			continue
		}
		var req ingestBody
		var rec otelrecord.ExecutionRecord
		if json.Unmarshal(r.Body, &req) == nil && json.Unmarshal([]byte(req.LogItem), &rec) == nil && rec.UUID == id {
			n++
		}
	}
	return n
}
