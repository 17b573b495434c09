package hivesink_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/otelrecord"
)

const batchPath = "/api/log-ingest/batch"

// fakeHive is a Hive server for the tests: it keeps every record it accepts
// (duplicates included, so a record stored twice shows), counts the attempts
// per record uuid and the requests per route, and lets a test answer a
// record itself. It serves POST /api/log-ingest and, unless
// withoutBatchRoute was called, POST /api/log-ingest/batch, where each item
// is answered as a single ingest would be. It is safe for concurrent use.
type fakeHive struct {
	mu         sync.Mutex
	stored     []*otelrecord.ExecutionRecord
	attempts   map[string]int // by record uuid
	requests   map[string]int // by path
	batchSizes []int          // records per batch request
	tooLarge   int            // requests refused for their body size
	inFlight   int
	maxIn      int
	noBatch    bool
	// maxRecord and maxBody, when positive, are the largest logItem and
	// request body accepted; larger ones get 413, with the limit in the
	// Hive-Max-*-Bytes headers when statesLimits.
	maxRecord, maxBody int
	statesLimits       bool
	// answer, when set, answers a record instead of storing it when it
	// returns true (for a batch item, what it writes becomes the item's
	// result and its headers the batch answer's).
	answer func(w http.ResponseWriter, r *http.Request, rec *otelrecord.ExecutionRecord, attempt int) bool
	// answerBatch, when set, answers a batch request as a whole instead of
	// its items when it returns true; n counts the batch requests.
	answerBatch func(w http.ResponseWriter, n int) bool
}

func newFakeHive(t *testing.T) (*fakeHive, *httptest.Server) {
	t.Helper()
	f := &fakeHive{attempts: map[string]int{}, requests: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// withoutBatchRoute makes the fake answer the batch route 404, as the hosted
// Hive does.
func (f *fakeHive) withoutBatchRoute() *fakeHive {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noBatch = true
	return f
}

// limits sets the largest record and body accepted (0: no limit) and
// whether 413 answers state them.
func (f *fakeHive) limits(maxRecord, maxBody int, stated bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.maxRecord, f.maxBody, f.statesLimits = maxRecord, maxBody, stated
}

func (f *fakeHive) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests[r.URL.Path]++
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	noBatch, maxBody := f.noBatch, f.maxBody
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	data, _ := io.ReadAll(r.Body)
	switch {
	case r.Method != http.MethodPost || (r.URL.Path != "/api/log-ingest" && r.URL.Path != batchPath) || (r.URL.Path == batchPath && noBatch):
		writeError(w, http.StatusNotFound, "not found")
	case maxBody > 0 && len(data) > maxBody:
		f.mu.Lock()
		f.tooLarge++
		f.mu.Unlock()
		f.stateLimits(w.Header())
		writeError(w, http.StatusRequestEntityTooLarge, "request body of "+strconv.Itoa(len(data))+" bytes is too large")
	case r.URL.Path == batchPath:
		f.serveBatch(w, r, data)
	default:
		rw := httptest.NewRecorder()
		if !f.ingest(rw, r, data) {
			writeError(w, http.StatusBadRequest, "bad body")
			return
		}
		for k, v := range rw.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rw.Code)
		_, _ = w.Write(rw.Body.Bytes())
	}
}

// serveBatch answers a batch: each item as ingest answers it.
func (f *fakeHive) serveBatch(w http.ResponseWriter, r *http.Request, data []byte) {
	var items []json.RawMessage
	if json.Unmarshal(data, &items) != nil {
		writeError(w, http.StatusBadRequest, "bad body")
		return
	}
	f.mu.Lock()
	f.batchSizes = append(f.batchSizes, len(items))
	answerBatch, n := f.answerBatch, len(f.batchSizes)
	f.mu.Unlock()
	if answerBatch != nil && answerBatch(w, n) {
		return
	}
	results := make([]json.RawMessage, len(items))
	for i, item := range items {
		rw := httptest.NewRecorder()
		if !f.ingest(rw, r, item) {
			writeError(rw, http.StatusBadRequest, "bad item")
		}
		for k, v := range rw.Header() {
			if k != "Content-Type" {
				w.Header()[k] = v
			}
		}
		results[i] = bytes.TrimSpace(rw.Body.Bytes())
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(results)
}

// ingest handles one /api/log-ingest body, whose logItem is the record as
// a JSON string (single ingests) or object (batch items); false when it is
// not one.
func (f *fakeHive) ingest(w http.ResponseWriter, r *http.Request, data []byte) bool {
	var raw struct {
		LogItem json.RawMessage `json:"logItem"`
	}
	if json.Unmarshal(data, &raw) != nil || len(raw.LogItem) == 0 {
		return false
	}
	var body struct{ LogItem string }
	if raw.LogItem[0] == '"' {
		if json.Unmarshal(raw.LogItem, &body.LogItem) != nil {
			return false
		}
	} else {
		body.LogItem = string(raw.LogItem)
	}
	var rec otelrecord.ExecutionRecord
	if json.Unmarshal([]byte(body.LogItem), &rec) != nil {
		return false
	}
	f.mu.Lock()
	f.attempts[rec.UUID]++
	attempt := f.attempts[rec.UUID]
	answer, maxRecord := f.answer, f.maxRecord
	f.mu.Unlock()
	if answer != nil && answer(w, r, &rec, attempt) {
		return true
	}
	if maxRecord > 0 && len(body.LogItem) > maxRecord {
		f.stateLimits(w.Header())
		writeError(w, http.StatusRequestEntityTooLarge, "record of "+strconv.Itoa(len(body.LogItem))+" bytes is too large")
		return true
	}
	f.mu.Lock()
	f.stored = append(f.stored, &rec)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"uuid": rec.UUID, "taskName": rec.TaskName, "projectName": "p", "logItem": body.LogItem, "replayFrom": nil, "createdAt": "2026-01-02T03:04:05.000Z"})
	return true
}

func (f *fakeHive) stateLimits(h http.Header) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.statesLimits {
		return
	}
	if f.maxBody > 0 {
		h.Set("Hive-Max-Body-Bytes", strconv.Itoa(f.maxBody))
	}
	if f.maxRecord > 0 {
		h.Set("Hive-Max-Record-Bytes", strconv.Itoa(f.maxRecord))
	}
}

func (f *fakeHive) setAnswer(a func(w http.ResponseWriter, r *http.Request, rec *otelrecord.ExecutionRecord, attempt int) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer = a
}

func (f *fakeHive) setAnswerBatch(a func(w http.ResponseWriter, n int) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answerBatch = a
}

func (f *fakeHive) records() []*otelrecord.ExecutionRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*otelrecord.ExecutionRecord(nil), f.stored...)
}

// storedByUUID returns the stored records by uuid.
func (f *fakeHive) storedByUUID() map[string]*otelrecord.ExecutionRecord {
	out := map[string]*otelrecord.ExecutionRecord{}
	for _, r := range f.records() {
		out[r.UUID] = r
	}
	return out
}

func (f *fakeHive) attemptsFor(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[id]
}

// requestsTo returns how many requests the path received.
func (f *fakeHive) requestsTo(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[path]
}

// refusedBodies returns how many requests were refused for their body size.
func (f *fakeHive) refusedBodies() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tooLarge
}

// batches returns the number of records of each batch request, in arrival
// order.
func (f *fakeHive) batches() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.batchSizes...)
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
