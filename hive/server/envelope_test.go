package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
	"github.com/hivetrace/hivetrace/internal/httpjson"
)

// The answers that carry records are written piece by piece from the stored
// bytes. These tests check them byte for byte against what encoding/json
// writes for the same values through httpjson.Write, as the handlers did
// when they built the answers in memory.

const envProject = "0193f0a0-aaaa-7000-8000-0000000000e1"

// envRecords are records that escape and compact in every way a record can:
// HTML characters, separators, invalid UTF-8, white space, an object sent
// as is.
var envRecords = []string{
	`{"uuid":"e1","taskName":"env","input":{"html":"<b>&amp;</b>"},"type":"success"}`,
	"{\"uuid\":\"e2\",\"taskName\":\"env\",\"note\":\"sep \u2028 \u2029 é\",\"replayFrom\":\"e1\"}",
	"{\"uuid\":\"e3\",\"taskName\":\"env\",\"bad\":\"\xff\xfe\"}",
	"{ \"uuid\" : \"e4\",\n  \"taskName\":\"env\",\t\"input\" : [ 1 , \"a  b\" ] }",
}

// encoded is what httpjson.Write answers with v.
func encoded(t *testing.T, v any) string {
	t.Helper()
	w := httptest.NewRecorder()
	httpjson.Write(w, http.StatusOK, v)
	return w.Body.String()
}

func envServer(t *testing.T) (*Server, Store) {
	t.Helper()
	store := NewMemoryStore()
	clock := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	return New(store, WithInsecureNoAuth(), WithLogger(slog.New(slog.DiscardHandler)),
		WithClock(func() time.Time { clock = clock.Add(time.Millisecond); return clock })), store
}

func serve(srv *Server, method, path, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	return w
}

// oldIngestAnswer is the answer the ingest routes built for a stored entry.
func oldIngestAnswer(e StoredLog) wire.IngestResponse {
	resp := wire.IngestResponse{
		UUID: e.UUID, TaskName: e.TaskName, ProjectName: e.ProjectName,
		LogItem: string(e.Record), CreatedAt: formatTime(e.CreatedAt),
	}
	if e.ReplayFrom != "" {
		resp.ReplayFrom = &e.ReplayFrom
	}
	return resp
}

func stored(t *testing.T, store Store, id string) StoredLog {
	t.Helper()
	e, err := store.GetLog(context.Background(), LogKey{ProjectUUID: envProject, TaskName: "env", UUID: id})
	require.NoError(t, err)
	return e
}

// envIngestBody is an ingest body carrying rec as a JSON string, or as the
// object itself when it is the record sent with white space.
func envIngestBody(rec string) string {
	item := strconv.Quote(rec)
	if strings.Contains(rec, "\n") {
		item = rec
	}
	if !json.Valid([]byte(item)) { // strconv.Quote escapes invalid UTF-8 as JSON does not
		b, _ := json.Marshal(rec)
		item = string(b)
	}
	return `{"projectUuid":"` + envProject + `","projectName":"<env & co>","logItem":` + item + `}`
}

func TestIngestAnswerIsByteIdentical(t *testing.T) {
	srv, store := envServer(t)
	for i, rec := range envRecords {
		w := serve(srv, http.MethodPost, "/api/log-ingest", envIngestBody(rec))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
		assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
		e := stored(t, store, fmt.Sprintf("e%d", i+1))
		assert.Equal(t, encoded(t, oldIngestAnswer(e)), w.Body.String(), "record %d", i)
	}
}

func TestBatchAnswerIsByteIdentical(t *testing.T) {
	srv, store := envServer(t)
	items := make([]string, 0, len(envRecords)+3)
	for _, rec := range envRecords {
		items = append(items, envIngestBody(rec))
	}
	items = append(items, `{"logItem":"{\"taskName\":\"<bad>\",\"type\":\"weird\"}"}`, `42`, envIngestBody(envRecords[0]))
	body := "[" + strings.Join(items, ",") + "]"
	for _, minimal := range []bool{false, true} {
		var header []string
		if minimal {
			header = []string{"Prefer", wire.PreferMinimal}
		}
		w := serve(srv, http.MethodPost, wire.BatchIngestPath, body, header...)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var got []json.RawMessage
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
		require.Len(t, got, len(items))

		want := make([]wire.BatchResult, len(items))
		for i := range envRecords {
			answer := oldIngestAnswer(stored(t, store, fmt.Sprintf("e%d", i+1)))
			if minimal {
				answer.LogItem = ""
			}
			want[i] = wire.BatchResult{Stored: &answer}
		}
		for _, i := range []int{len(envRecords), len(envRecords) + 1} {
			failed, err := wire.DecodeBatchFailure(got[i])
			require.NoError(t, err)
			require.NotNil(t, failed, "item %d failed", i)
			want[i] = wire.BatchResult{Failed: failed}
		}
		want[len(items)-1] = want[0] // the first record again: the stored entry
		assert.Equal(t, encoded(t, want), w.Body.String(), "minimal=%v", minimal)
	}
}

// oldListEntry and oldListResponse are the shapes the listing encoded.
type oldListEntry struct {
	UUID        string          `json:"uuid"`
	TaskName    string          `json:"taskName"`
	TaskUUID    string          `json:"taskUuid"`
	ProjectName string          `json:"projectName"`
	ProjectUUID string          `json:"projectUuid"`
	LogItem     json.RawMessage `json:"logItem"`
	ReplayFrom  *string         `json:"replayFrom"`
	Quality     json.RawMessage `json:"quality,omitempty"`
	CreatedAt   string          `json:"createdAt"`
}

type oldListResponse struct {
	Logs []oldListEntry `json:"logs"`
	Next string         `json:"next"`
}

func oldList(entries []StoredLog, next string) oldListResponse {
	resp := oldListResponse{Logs: make([]oldListEntry, 0, len(entries)), Next: next}
	for _, e := range entries {
		le := oldListEntry{
			UUID: e.UUID, TaskName: e.TaskName, TaskUUID: e.TaskUUID, ProjectName: e.ProjectName, ProjectUUID: e.ProjectUUID,
			LogItem: json.RawMessage(e.Record), Quality: json.RawMessage(e.Quality), CreatedAt: formatTime(e.CreatedAt),
		}
		if e.ReplayFrom != "" {
			le.ReplayFrom = &e.ReplayFrom
		}
		resp.Logs = append(resp.Logs, le)
	}
	return resp
}

func TestListAndGetAreByteIdentical(t *testing.T) {
	srv, store := envServer(t)
	for _, rec := range envRecords {
		require.Equal(t, http.StatusOK, serve(srv, http.MethodPost, "/api/log-ingest", envIngestBody(rec)).Code)
	}
	q := serve(srv, http.MethodPost, "/api/tasks/env/logs/e2/set-quality", `{"quality":{ "score" : 0.5, "reason":"<ok>" }}`)
	require.Equal(t, http.StatusOK, q.Code, q.Body.String())

	all, err := store.ListLogs(context.Background(), LogQuery{TaskName: "env"})
	require.NoError(t, err)
	require.Len(t, all, len(envRecords))

	w := serve(srv, http.MethodGet, "/api/tasks/env/logs", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, encoded(t, oldList(all, "")), w.Body.String(), "a whole listing")

	w = serve(srv, http.MethodGet, "/api/tasks/env/logs?limit=3", "")
	assert.Equal(t, encoded(t, oldList(all[:3], cursorOf(all[2]).String())), w.Body.String(), "a page with a next cursor")

	w = serve(srv, http.MethodGet, "/api/tasks/nothing/logs", "")
	assert.Equal(t, encoded(t, oldList(nil, "")), w.Body.String(), "an empty listing")

	for _, e := range all {
		w := serve(srv, http.MethodGet, "/api/tasks/env/logs/"+e.UUID, "")
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
		assert.Equal(t, encoded(t, sdkAnswer(e)), w.Body.String(), "GET %s", e.UUID)
	}
}

// logAPIResponse is the answer of GET /api/tasks/{taskName}/logs/{uuid}:
// the TypeScript Hive SDK's LogApiResponse, "replayFrom" optional.
type logAPIResponse struct {
	UUID        string          `json:"uuid"`
	TaskName    string          `json:"taskName"`
	ProjectName string          `json:"projectName"`
	LogItem     json.RawMessage `json:"logItem"`
	ReplayFrom  string          `json:"replayFrom,omitempty"`
	CreatedAt   string          `json:"createdAt"`
}

func sdkAnswer(e StoredLog) logAPIResponse {
	return logAPIResponse{
		UUID: e.UUID, TaskName: e.TaskName, ProjectName: e.ProjectName,
		LogItem: json.RawMessage(e.Record), ReplayFrom: e.ReplayFrom, CreatedAt: formatTime(e.CreatedAt),
	}
}

func TestGetAnswersTheSDKEnvelope(t *testing.T) {
	srv, store := envServer(t)
	for _, rec := range envRecords {
		require.Equal(t, http.StatusOK, serve(srv, http.MethodPost, "/api/log-ingest", envIngestBody(rec)).Code)
	}
	for i := range envRecords {
		e := stored(t, store, fmt.Sprintf("e%d", i+1))
		w := serve(srv, http.MethodGet, "/api/tasks/env/logs/"+e.UUID+"?projectUuid="+envProject, "")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())

		var fields map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &fields))
		keys := []string{"uuid", "taskName", "projectName", "logItem", "createdAt"}
		if e.ReplayFrom != "" {
			keys = append(keys, "replayFrom")
		}
		assert.ElementsMatch(t, keys, slices.Collect(maps.Keys(fields)), "record %d: replayFrom only when the record replays another", i)
		assert.JSONEq(t, `"`+e.UUID+`"`, string(fields["uuid"]))
		assert.JSONEq(t, `"env"`, string(fields["taskName"]))
		assert.JSONEq(t, `"<env & co>"`, string(fields["projectName"]))
		assert.JSONEq(t, `"`+formatTime(e.CreatedAt)+`"`, string(fields["createdAt"]))

		// The record object is the stored bytes, byte for byte; the one
		// sent with white space between its tokens (e4) comes compacted, as
		// in a listing.
		if strings.Contains(envRecords[i], "\n") {
			var want bytes.Buffer
			require.NoError(t, json.Compact(&want, e.Record))
			assert.NotEqual(t, string(e.Record), want.String())
			assert.Equal(t, want.String(), string(fields["logItem"]), "record %d compacted", i)
		} else {
			assert.Equal(t, string(e.Record), string(fields["logItem"]), "record %d byte for byte", i)
		}
	}
	e2 := stored(t, store, "e2")
	w := serve(srv, http.MethodGet, "/api/tasks/env/logs/e2", "")
	assert.Contains(t, w.Body.String(), `,"replayFrom":"e1","createdAt":`)
	assert.Equal(t, "e1", e2.ReplayFrom)
}
