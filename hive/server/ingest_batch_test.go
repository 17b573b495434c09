package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

const batchPath = "/api/log-ingest/batch"

// item is one /api/log-ingest body of a batch.
func item(projectUUID, taskUUID, record string) map[string]any {
	return map[string]any{"projectUuid": projectUUID, "taskUuid": taskUUID, "logItem": record}
}

// batchResults requires a 200 batch answer and returns its items.
func batchResults(t *testing.T, r response) []map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var out []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &out), "body: %s", r.body)
	return out
}

// requireFailed checks a {"error","status"} item and returns its message.
func requireFailed(t *testing.T, res map[string]any, status int) string {
	t.Helper()
	assert.Len(t, res, 2, "an error item is {error,status}: %v", res)
	require.EqualValues(t, status, res["status"], "item %v", res)
	msg, _ := res["error"].(string)
	require.NotEmpty(t, msg)
	return msg
}

func TestIngestBatchPartialFailures(t *testing.T) {
	ts := start(t)
	const other = "0193f0a0-dddd-7000-8000-0000000000e1"
	r := ts.do(http.MethodPost, batchPath, []any{
		item(projectA, taskUUID, recordJSON("getUserReport", recUUID, "first")),
		item(projectA, taskUUID, `{"taskName":`),                       // not JSON
		item(projectA, taskUUID, `{"input":1,"type":"success"}`),       // no task name
		item(projectA, "", recordJSON("getUserReport", "", "no uuid")), // gets a uuid
		42, // not a body
		map[string]any{"projectUuid": 7, "logItem": recordJSON("x", "u", "bad")},                 // wrong type
		item(projectA, "", recordJSON("dailyDigest", other, "another task")),                     // registers a task
		item(projectA, taskUUID, `{"taskName":"t","metrics":[{"type":"","name":"","value":1}]}`), // invalid metric
	})
	res := batchResults(t, r)
	require.Len(t, res, 8, "one result per item, in order")

	assert.Equal(t, recUUID, res[0]["uuid"])
	assert.Contains(t, requireFailed(t, res[1], http.StatusBadRequest), "logItem")
	assert.Contains(t, requireFailed(t, res[2], http.StatusBadRequest), "taskName")
	generated, _ := res[3]["uuid"].(string)
	assert.NotEmpty(t, generated, "a record without uuid gets one")
	requireFailed(t, res[4], http.StatusBadRequest)
	assert.Contains(t, requireFailed(t, res[5], http.StatusBadRequest), "projectUuid")
	assert.Equal(t, other, res[6]["uuid"])
	assert.Contains(t, requireFailed(t, res[7], http.StatusBadRequest), "metrics")

	for _, path := range []string{"/api/tasks/getUserReport/logs/" + recUUID, "/api/tasks/getUserReport/logs/" + generated, "/api/tasks/dailyDigest/logs/" + other} {
		assert.Equal(t, http.StatusOK, ts.do(http.MethodGet, path, nil).status, "%s stored", path)
	}
	var lr struct{ Logs []json.RawMessage }
	require.NoError(t, json.Unmarshal(ts.do(http.MethodGet, "/api/tasks/getUserReport/logs", nil).body, &lr))
	assert.Len(t, lr.Logs, 2, "only the good records of the task are stored")
}

func TestIngestBatchAnswersLikeIngest(t *testing.T) {
	ts := start(t)
	single := ts.ingest(projectA, taskUUID, recordJSON("getUserReport", recUUID, "x"))
	res := batchResults(t, ts.do(http.MethodPost, batchPath, []any{
		item(projectA, taskUUID, recordJSON("getUserReport", recUUID, "x")),
	}))
	require.Len(t, res, 1)
	assert.Equal(t, single, res[0], "a stored item is the object /api/log-ingest answers")
	assert.Contains(t, res[0], "replayFrom")
	assert.Nil(t, res[0]["replayFrom"])
	for _, key := range []string{"uuid", "taskName", "projectName", "logItem", "createdAt"} {
		assert.NotEmpty(t, res[0][key], key)
	}

	replay := ts.do(http.MethodPost, batchPath, []any{map[string]any{
		"projectUuid": projectA, "logItem": recordJSON("getUserReport", "0193f0a0-dddd-7000-8000-0000000000e2", "r"), "replayFrom": recUUID,
	}})
	assert.Equal(t, recUUID, batchResults(t, replay)[0]["replayFrom"])
}

func TestIngestBatchIsIdempotent(t *testing.T) {
	ts := start(t)
	stored := ts.ingest(projectA, taskUUID, recordJSON("getUserReport", recUUID, "first"))
	const dup = "0193f0a0-dddd-7000-8000-0000000000f1"
	batch := []any{
		item(projectA, taskUUID, recordJSON("getUserReport", recUUID, "changed")), // stored before
		item(projectA, taskUUID, recordJSON("getUserReport", dup, "one")),
		item(projectA, taskUUID, recordJSON("getUserReport", dup, "two")), // same uuid in the batch
	}
	res := batchResults(t, ts.do(http.MethodPost, batchPath, batch))
	require.Len(t, res, 3)
	assert.Equal(t, stored, res[0], "the stored entry is answered, unchanged")
	assert.Equal(t, dup, res[1]["uuid"])
	assert.Equal(t, res[1], res[2], "the first item of a uuid wins")
	assert.JSONEq(t, recordJSON("getUserReport", dup, "one"), res[2]["logItem"].(string))

	again := batchResults(t, ts.do(http.MethodPost, batchPath, batch))
	assert.Equal(t, res, again, "re-sending a batch changes nothing")

	var lr struct{ Logs []json.RawMessage }
	require.NoError(t, json.Unmarshal(ts.do(http.MethodGet, "/api/tasks/getUserReport/logs", nil).body, &lr))
	assert.Len(t, lr.Logs, 2, "no duplicate")
}

func TestIngestBatchEmpty(t *testing.T) {
	ts := start(t)
	r := ts.do(http.MethodPost, batchPath, "[]")
	assert.Empty(t, batchResults(t, r))
	assert.JSONEq(t, "[]", string(r.body))
}

func TestIngestBatchBadBodies(t *testing.T) {
	ts := start(t)
	for name, body := range map[string]string{
		"empty":          "",
		"object":         `{"logItem":"{}"}`,
		"string":         `"x"`,
		"null":           `null`,
		"unterminated":   `[{"logItem":"{}"}`,
		"missing comma":  `[{} {}]`,
		"trailing data":  `[] []`,
		"trailing junk":  `[]x`,
		"malformed item": `[{"logItem":]`,
	} {
		t.Run(name, func(t *testing.T) {
			msg := ts.do(http.MethodPost, batchPath, body).requireError(t, http.StatusBadRequest)
			assert.NotEmpty(t, msg)
		})
	}
	var lr struct{ Logs []json.RawMessage }
	require.NoError(t, json.Unmarshal(ts.do(http.MethodGet, "/api/tasks/t/logs", nil).body, &lr))
	assert.Empty(t, lr.Logs)

	r := ts.do(http.MethodGet, batchPath, nil)
	r.requireError(t, http.StatusMethodNotAllowed)
}

func TestIngestBatchNeedsCredentials(t *testing.T) {
	ts := start(t)
	body := []any{item(projectA, taskUUID, recordJSON("t", recUUID, "x"))}
	ts.doAuth(http.MethodPost, batchPath, body, "").requireError(t, http.StatusUnauthorized)
	ts.doAuth(http.MethodPost, batchPath, body, "Bearer "+apiKey+":wrong").requireError(t, http.StatusUnauthorized)
	ts.do(http.MethodGet, "/api/tasks/t/logs/"+recUUID, nil).requireError(t, http.StatusNotFound)
	assert.Len(t, batchResults(t, ts.do(http.MethodPost, batchPath, body)), 1)
}

func TestIngestBatchLimits(t *testing.T) {
	t.Run("body", func(t *testing.T) {
		ts := start(t, server.WithMaxBodyBytes(4096))
		big := []any{item(projectA, "", recordJSON("t", recUUID, strings.Repeat("x", 4096)))}
		r := ts.do(http.MethodPost, batchPath, big)
		msg := r.requireError(t, http.StatusRequestEntityTooLarge)
		assert.Contains(t, msg, "4096")
		assert.Equal(t, "4096", r.header.Get("Hive-Max-Body-Bytes"), "the limit is stated")
		assert.Equal(t, strconv.Itoa(server.MaxBatchItems), r.header.Get("Hive-Max-Batch-Items"))
		ts.do(http.MethodGet, "/api/tasks/t/logs/"+recUUID, nil).requireError(t, http.StatusNotFound)
	})
	t.Run("items", func(t *testing.T) {
		ts := start(t)
		many := make([]any, server.MaxBatchItems+1)
		for i := range many {
			many[i] = item(projectA, "", recordJSON("t", fmt.Sprintf("r-%d", i), "x"))
		}
		r := ts.do(http.MethodPost, batchPath, many)
		msg := r.requireError(t, http.StatusRequestEntityTooLarge)
		assert.Contains(t, msg, strconv.Itoa(server.MaxBatchItems))
		assert.Equal(t, strconv.Itoa(server.MaxBatchItems), r.header.Get("Hive-Max-Batch-Items"))
		ts.do(http.MethodGet, "/api/tasks/t/logs/r-0", nil).requireError(t, http.StatusNotFound)

		res := batchResults(t, ts.do(http.MethodPost, batchPath, many[:server.MaxBatchItems]))
		assert.Len(t, res, server.MaxBatchItems, "a batch of the limit is stored")
		assert.Equal(t, "r-999", res[999]["uuid"])
	})
	t.Run("record", func(t *testing.T) {
		ts := start(t, server.WithMaxRecordBytes(2048))
		big := recordJSON("t", "big", strings.Repeat("x", 2048))
		r := ts.do(http.MethodPost, batchPath, []any{
			item(projectA, "", recordJSON("t", "small-1", "x")),
			item(projectA, "", big),
			item(projectA, "", recordJSON("t", "small-2", "x")),
		})
		res := batchResults(t, r)
		require.Len(t, res, 3)
		assert.Equal(t, "small-1", res[0]["uuid"])
		msg := requireFailed(t, res[1], http.StatusRequestEntityTooLarge)
		assert.Contains(t, msg, "2048")
		assert.Equal(t, "small-2", res[2]["uuid"], "the others are stored")
		assert.Equal(t, "2048", r.header.Get("Hive-Max-Record-Bytes"), "a batch answer states the limits")
		assert.Equal(t, strconv.Itoa(server.DefaultMaxBodyBytes), r.header.Get("Hive-Max-Body-Bytes"))

		single := ts.do(http.MethodPost, "/api/log-ingest", item(projectA, "", big))
		assert.Contains(t, single.requireError(t, http.StatusRequestEntityTooLarge), "2048")
		assert.Equal(t, "2048", single.header.Get("Hive-Max-Record-Bytes"), "a 413 states the limits")
		ts.do(http.MethodGet, "/api/tasks/t/logs/big", nil).requireError(t, http.StatusNotFound)
	})
}

// batchStore counts the writes of a store and can fail its Ingest.
type batchStore struct {
	server.Store
	ensureProject, ensureTask, ingest atomic.Int32
	fail                              error
}

func (s *batchStore) EnsureProject(ctx context.Context, p server.Project) (server.Project, bool, error) {
	s.ensureProject.Add(1)
	return s.Store.EnsureProject(ctx, p)
}

func (s *batchStore) EnsureTask(ctx context.Context, t server.RegisteredTask) (server.RegisteredTask, bool, error) {
	s.ensureTask.Add(1)
	return s.Store.EnsureTask(ctx, t)
}

func (s *batchStore) Ingest(ctx context.Context, entries []server.IngestEntry) ([]server.PutLogResult, error) {
	s.ingest.Add(1)
	if s.fail != nil {
		return nil, s.fail
	}
	return s.Store.Ingest(ctx, entries)
}

func serveBatch(t *testing.T, srv http.Handler, body string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodPost, batchPath, strings.NewReader(body)))
	return w
}

func TestIngestBatchIsOneStoreWrite(t *testing.T) {
	store := &batchStore{Store: server.NewMemoryStore()}
	srv := server.New(store, server.WithInsecureNoAuth(), server.WithLogger(slog.New(slog.DiscardHandler)))
	var items []string
	for i := range 5 {
		// Two projects and two tasks, all new: registered in the same write.
		b, err := json.Marshal(item([]string{projectA, projectB}[i%2], "", recordJSON([]string{"t", "u"}[i%2], fmt.Sprintf("r-%d", i), "x")))
		require.NoError(t, err)
		items = append(items, string(b))
	}
	w := serveBatch(t, srv, "["+strings.Join(items, ",")+"]")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, int32(1), store.ingest.Load(), "one Ingest for the batch")
	assert.Zero(t, store.ensureProject.Load(), "projects are registered by Ingest")
	assert.Zero(t, store.ensureTask.Load(), "tasks are registered by Ingest")

	store.fail = errors.New("disk on fire")
	w = serveBatch(t, srv, `[{"projectUuid":"`+projectA+`","logItem":`+strconv.Quote(recordJSON("new", "r-new", "x"))+`}]`)
	assert.Equal(t, http.StatusInternalServerError, w.Code, "a store failure fails the batch as a whole")
	assert.NotContains(t, w.Body.String(), "disk on fire")
	store.fail = nil
	list := httptest.NewRecorder()
	srv.ServeHTTP(list, httptest.NewRequest(http.MethodGet, "/api/tasks/new/logs", nil))
	assert.JSONEq(t, `{"logs":[],"next":""}`, list.Body.String(), "nothing of a failed batch is stored")

	store.fail = context.Canceled
	assert.Equal(t, http.StatusServiceUnavailable, serveBatch(t, srv, "["+items[0]+"]").Code)
}

// entryFailingStore fails the entries of one record uuid, as a store may
// refuse one entry of a call.
type entryFailingStore struct {
	server.Store
	uuid string
	err  error
}

func (s entryFailingStore) Ingest(ctx context.Context, entries []server.IngestEntry) ([]server.PutLogResult, error) {
	var keep []server.IngestEntry
	for _, e := range entries {
		if e.Log.UUID != s.uuid {
			keep = append(keep, e)
		}
	}
	stored, err := s.Store.Ingest(ctx, keep)
	if err != nil {
		return nil, err
	}
	out := make([]server.PutLogResult, 0, len(entries))
	for _, e := range entries {
		if e.Log.UUID == s.uuid {
			out = append(out, server.PutLogResult{Err: s.err})
			continue
		}
		out, stored = append(out, stored[0]), stored[1:]
	}
	return out, nil
}

func TestIngestBatchStoreRefusesOneEntry(t *testing.T) {
	body := `[{"logItem":` + strconv.Quote(recordJSON("t", "bad", "x")) + `},{"logItem":1},{"logItem":` + strconv.Quote(recordJSON("t", "good", "x")) + `}]`
	for _, c := range []struct {
		err    error
		status int
	}{
		{errDisk, http.StatusInternalServerError},
		{fmt.Errorf("record %q: no uuid: %w", "bad", server.ErrInvalid), http.StatusBadRequest},
	} {
		srv := server.New(entryFailingStore{Store: server.NewMemoryStore(), uuid: "bad", err: c.err},
			server.WithInsecureNoAuth(), server.WithLogger(slog.New(slog.DiscardHandler)))
		w := serveBatch(t, srv, body)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var res []map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &res))
		require.Len(t, res, 3)
		assert.NotContains(t, requireFailed(t, res[0], c.status), "disk on fire", "store details are logged, not answered")
		requireFailed(t, res[1], http.StatusBadRequest)
		assert.Equal(t, "good", res[2]["uuid"], "the other items are stored")
	}
}

// TestIngestBatchMinimalResults: with Prefer: return=minimal, stored items
// are answered without the record, and the server says it honoured it.
func TestIngestBatchMinimalResults(t *testing.T) {
	srv := server.New(server.NewMemoryStore(), server.WithInsecureNoAuth(), server.WithLogger(slog.New(slog.DiscardHandler)))
	body := `[{"projectUuid":"` + projectA + `","logItem":` + strconv.Quote(recordJSON("getUserReport", recUUID, "x")) + `}]`
	req := httptest.NewRequest(http.MethodPost, batchPath, strings.NewReader(body))
	req.Header.Set("Prefer", "respond-async, return=minimal")
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "return=minimal", w.Header().Get("Preference-Applied"))
	var res []map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &res))
	require.Len(t, res, 1)
	assert.Equal(t, recUUID, res[0]["uuid"])
	assert.NotContains(t, res[0], "logItem")

	w = serveBatch(t, srv, body) // without the preference: the whole answer
	require.Equal(t, http.StatusOK, w.Code)
	assert.Empty(t, w.Header().Get("Preference-Applied"))
	assert.Contains(t, w.Body.String(), `"logItem"`)
}
