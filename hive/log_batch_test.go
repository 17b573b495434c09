package hive

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

func TestSendLogsStoresEachRecord(t *testing.T) {
	f := newFakeHive()
	srv := f.start(t)
	c := newTestLogClient(t, srv.URL, func(c *Config) {
		c.ForgePath = writeForge(t, testForge)
		c.Metadata = map[string]string{"env": "test", "requestId": "base"}
	})

	kept := sampleRecord("0193a000-0000-7000-8000-00000000beef")
	kept.Metadata = map[string]string{"requestId": "own"}
	fresh := sampleRecord("")
	fresh.TaskName = "unlisted"
	results, err := c.SendLogs(ctxT(t), []*otelrecord.ExecutionRecord{kept, fresh}, map[string]string{"call": "1"})
	require.NoError(t, err)
	require.Len(t, results, 2)

	assert.Equal(t, kept.UUID, results[0].UUID)
	require.NoError(t, results[0].Err)
	require.NotNil(t, results[0].Response)
	assert.Equal(t, kept.UUID, results[0].Response.UUID)
	assert.Equal(t, "shop", results[0].Response.ProjectName)
	require.NoError(t, results[1].Err)
	id, err := uuid.Parse(results[1].UUID)
	require.NoError(t, err, "a record without uuid is sent under a new one")
	assert.Equal(t, uuid.Version(7), id.Version())
	assert.Equal(t, results[1].UUID, results[1].Response.UUID)
	assert.Empty(t, fresh.UUID, "the caller's record is not modified")
	assert.Nil(t, fresh.Metadata)

	reqs := f.seen()
	require.Len(t, reqs, 1, "one request for the batch")
	assert.Equal(t, "/api/log-ingest/batch", reqs[0].Path)
	assert.Equal(t, "Bearer "+testKey+":"+testSecret, reqs[0].Auth)
	assert.Equal(t, "application/json", reqs[0].ContentType)
	var body []map[string]any
	require.NoError(t, json.Unmarshal(reqs[0].Body, &body))
	require.Len(t, body, 2)
	assert.Equal(t, testProject, body[0]["projectUuid"])
	assert.Equal(t, "shop", body[0]["projectName"])
	assert.Equal(t, "0193a000-0000-7000-8000-0000000000aa", body[0]["taskUuid"], "forge.json's task uuid")
	assert.Empty(t, body[1]["taskUuid"], "a task forge.json does not list")
	assert.IsType(t, map[string]any{}, body[0]["logItem"], "a batch item carries the record as a JSON object")
	assert.Equal(t, "return=minimal", reqs[0].Prefer, "results without the records")

	stored := f.stored()
	require.Len(t, stored, 2)
	assert.Equal(t, map[string]string{"env": "test", "requestId": "own", "call": "1"}, stored[kept.UUID].Metadata,
		"metadata merged as SendLog merges it")
	assert.Equal(t, map[string]string{"env": "test", "requestId": "base", "call": "1"}, stored[results[1].UUID].Metadata)
}

func TestSendLogsReportsEachItem(t *testing.T) {
	f := newFakeHive()
	srv := f.start(t)
	f.setOverride(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		w.Header().Set("Hive-Max-Body-Bytes", "1048576")
		w.Header().Set("Hive-Max-Record-Bytes", "4096")
		w.Header().Set("Retry-After", "3")
		writeJSON(w, http.StatusOK, []any{
			map[string]any{"uuid": "u-1", "taskName": "getUserReport", "projectName": "shop", "logItem": map[string]any{"uuid": "u-1"}, "createdAt": "2026-01-02T03:04:05Z"},
			map[string]any{"error": "logItem has no taskName", "status": 400},
			map[string]any{"error": "record of 9000 bytes exceeds the limit of 4096 bytes", "status": 413},
			map[string]any{"error": "internal store error", "status": 500},
			map[string]any{"error": "slow down", "status": 429},
		})
		return true
	})
	c := newTestLogClient(t, srv.URL)
	recs := []*otelrecord.ExecutionRecord{sampleRecord("u-1"), sampleRecord("u-2"), sampleRecord("u-3"), sampleRecord("u-4"), sampleRecord("u-5")}
	results, err := c.SendLogs(ctxT(t), recs, nil)
	require.NoError(t, err, "a batch answered 200 is no error as a whole")
	require.Len(t, results, 5)

	require.NoError(t, results[0].Err)
	back, err := results[0].Response.Record()
	require.NoError(t, err, "a logItem object is accepted")
	assert.Equal(t, "u-1", back.UUID)

	var apiErr *APIError
	require.ErrorAs(t, results[1].Err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.Equal(t, "logItem has no taskName", apiErr.Message)
	assert.Equal(t, "/api/log-ingest/batch", apiErr.Path)
	assert.ErrorIs(t, results[1].Err, ErrBadRequest)
	assert.False(t, Retryable(results[1].Err))

	require.ErrorAs(t, results[2].Err, &apiErr)
	assert.Equal(t, http.StatusRequestEntityTooLarge, apiErr.StatusCode)
	assert.Equal(t, int64(4096), apiErr.MaxRecordBytes, "the limits come from the answer's headers")
	assert.Equal(t, int64(1<<20), apiErr.MaxBodyBytes)
	assert.Equal(t, int64(4096), apiErr.SizeLimit())
	assert.Nil(t, results[2].Response)

	assert.ErrorIs(t, results[3].Err, ErrServer)
	assert.True(t, Retryable(results[3].Err))
	assert.ErrorIs(t, results[4].Err, ErrRateLimited)
	require.ErrorAs(t, results[4].Err, &apiErr)
	assert.Equal(t, 3*time.Second, apiErr.RetryAfter)
	for i, r := range results {
		assert.Equal(t, recs[i].UUID, r.UUID)
	}
}

func TestSendLogsInvalidRecordsAreNotSent(t *testing.T) {
	f := newFakeHive()
	srv := f.start(t)
	c := newTestLogClient(t, srv.URL)
	noTask := sampleRecord("u-2")
	noTask.TaskName = ""

	results, err := c.SendLogs(ctxT(t), []*otelrecord.ExecutionRecord{nil, sampleRecord("u-1"), noTask}, nil)
	require.NoError(t, err)
	require.Len(t, results, 3)
	assert.ErrorIs(t, results[0].Err, ErrInvalidArgument)
	assert.Empty(t, results[0].UUID)
	assert.NoError(t, results[1].Err)
	assert.ErrorIs(t, results[2].Err, ErrInvalidArgument)
	assert.Len(t, f.stored(), 1)

	results, err = c.SendLogs(ctxT(t), []*otelrecord.ExecutionRecord{nil, noTask}, nil)
	require.NoError(t, err)
	assert.Len(t, results, 2)
	empty, err := c.SendLogs(ctxT(t), nil, nil)
	require.NoError(t, err)
	assert.Empty(t, empty)
	assert.Len(t, f.seen(), 1, "no request without a record to send")
}

func TestSendLogsWithoutBatchRoute(t *testing.T) {
	f := newFakeHive()
	srv := f.start(t)
	f.setOverride(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.URL.Path != "/api/log-ingest/batch" {
			return false
		}
		writeError(w, http.StatusNotFound, "Cannot POST /api/log-ingest/batch")
		return true
	})
	c := newTestLogClient(t, srv.URL)
	results, err := c.SendLogs(ctxT(t), []*otelrecord.ExecutionRecord{sampleRecord("u-1")}, nil)
	require.ErrorIs(t, err, ErrNoBatchRoute)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Nil(t, results)
	assert.False(t, Retryable(err))
}

func TestSendLogsWholeRequestFailures(t *testing.T) {
	f := newFakeHive()
	srv := f.start(t)
	c := newTestLogClient(t, srv.URL)
	recs := []*otelrecord.ExecutionRecord{sampleRecord("u-1"), sampleRecord("u-2")}

	answer := func(status int, header map[string]string, body string) {
		f.setOverride(func(w http.ResponseWriter, _ *http.Request, _ []byte) bool {
			for k, v := range header {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
			return true
		})
	}

	answer(http.StatusRequestEntityTooLarge, map[string]string{"Hive-Max-Body-Bytes": "2048"}, `{"error":"request body exceeds the limit of 2048 bytes","status":413}`)
	_, err := c.SendLogs(ctxT(t), recs, nil)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusRequestEntityTooLarge, apiErr.StatusCode)
	assert.Equal(t, int64(2048), apiErr.MaxBodyBytes)
	assert.Zero(t, apiErr.MaxRecordBytes)
	assert.Equal(t, int64(2048), apiErr.SizeLimit())

	answer(http.StatusBadGateway, nil, `bad gateway`)
	_, err = c.SendLogs(ctxT(t), recs, nil)
	assert.ErrorIs(t, err, ErrServer)
	assert.True(t, Retryable(err))

	answer(http.StatusOK, nil, `[{"uuid":"u-1"}]`)
	_, err = c.SendLogs(ctxT(t), recs, nil)
	assert.ErrorIs(t, err, ErrInvalidResponse, "one result for two records")

	answer(http.StatusOK, nil, `[{"uuid":"u-1"}, 7]`)
	results, err := c.SendLogs(ctxT(t), recs, nil)
	require.NoError(t, err)
	assert.NoError(t, results[0].Err)
	assert.ErrorIs(t, results[1].Err, ErrInvalidResponse, "a result that is not an object")

	answer(http.StatusOK, nil, `{"not":"an array"}`)
	_, err = c.SendLogs(ctxT(t), recs, nil)
	assert.ErrorIs(t, err, ErrInvalidResponse)

	_, err = newTestLogClient(t, closedURL(t)).SendLogs(ctxT(t), recs, nil)
	assert.ErrorIs(t, err, ErrNetwork)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.SendLogs(ctx, recs, nil)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestSendLogsRefusesWithoutARequest(t *testing.T) {
	f := newFakeHive()
	srv := f.start(t)

	silent := newTestLogClient(t, srv.URL, func(c *Config) { c.APIKey, c.APISecret = "", "" })
	_, err := silent.SendLogs(ctxT(t), []*otelrecord.ExecutionRecord{sampleRecord("u-1")}, nil)
	assert.ErrorIs(t, err, ErrSilent)

	noProject := newTestLogClient(t, srv.URL, func(c *Config) { c.ProjectUUID, c.ProjectName = "", "" })
	_, err = noProject.SendLogs(ctxT(t), []*otelrecord.ExecutionRecord{sampleRecord("u-1")}, nil)
	assert.ErrorIs(t, err, ErrNoProject)

	c := newTestLogClient(t, srv.URL)
	tooMany := make([]*otelrecord.ExecutionRecord, MaxBatchRecords+1)
	for i := range tooMany {
		tooMany[i] = sampleRecord("")
	}
	_, err = c.SendLogs(ctxT(t), tooMany, nil)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.Empty(t, f.seen())
	assert.False(t, errors.Is(err, ErrNoBatchRoute))
}
