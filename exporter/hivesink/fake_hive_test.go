package hivesink_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// fakeHive is a Hive server for the tests: it keeps every record it accepts
// (duplicates included, so a record stored twice shows), counts the attempts
// per record uuid and lets a test answer a request itself. It is safe for
// concurrent use.
type fakeHive struct {
	mu       sync.Mutex
	stored   []*otelrecord.ExecutionRecord
	attempts map[string]int // by record uuid
	inFlight int
	maxIn    int
	// answer, when set, answers a request instead of storing the record when
	// it returns true.
	answer func(w http.ResponseWriter, r *http.Request, rec *otelrecord.ExecutionRecord, attempt int) bool
}

func newFakeHive(t *testing.T) (*fakeHive, *httptest.Server) {
	t.Helper()
	f := &fakeHive{attempts: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeHive) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/log-ingest" {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	var body struct {
		LogItem string `json:"logItem"`
	}
	data, _ := io.ReadAll(r.Body)
	var rec otelrecord.ExecutionRecord
	if json.Unmarshal(data, &body) != nil || json.Unmarshal([]byte(body.LogItem), &rec) != nil {
		writeError(w, http.StatusBadRequest, "bad body")
		return
	}
	f.mu.Lock()
	f.attempts[rec.UUID]++
	attempt := f.attempts[rec.UUID]
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	answer := f.answer
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if answer != nil && answer(w, r, &rec, attempt) {
		return
	}
	f.mu.Lock()
	f.stored = append(f.stored, &rec)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]string{"uuid": rec.UUID, "taskName": rec.TaskName})
}

func (f *fakeHive) setAnswer(a func(w http.ResponseWriter, r *http.Request, rec *otelrecord.ExecutionRecord, attempt int) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer = a
}

func (f *fakeHive) records() []*otelrecord.ExecutionRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*otelrecord.ExecutionRecord(nil), f.stored...)
}

func (f *fakeHive) attemptsFor(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[id]
}

// uuids returns every uuid the server saw, in no order.
func (f *fakeHive) uuids() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id := range f.attempts {
		out = append(out, id)
	}
	return out
}

func (f *fakeHive) maxInFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxIn
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": msg, "status": status})
}

// newClient returns a LogClient with credentials for host, ignoring the
// HIVE_* environment.
func newClient(t *testing.T, host string) *hive.LogClient {
	t.Helper()
	clearEnv(t)
	c, err := hive.NewLogClient(hive.Config{
		ProjectUUID: "0193a000-0000-7000-8000-000000000001", APIKey: "k", APISecret: "s", Host: host,
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
		Logger:     slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	return c
}

func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{hive.EnvAPIKey, hive.EnvAPISecret, hive.EnvHost, hive.EnvProjectName, hive.EnvProjectUUID, hive.EnvForgePath} {
		t.Setenv(k, "")
	}
}

func record(id, task string) *otelrecord.ExecutionRecord {
	return &otelrecord.ExecutionRecord{
		UUID: id, TaskName: task, Type: otelrecord.TypeSuccess,
		Input: json.RawMessage(`{"n":1}`), Output: json.RawMessage(`2`),
		Timing: &otelrecord.TimingInfo{StartTime: 1795633372498, EndTime: 1795633372505, Duration: 7},
	}
}
