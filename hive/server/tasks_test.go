package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// timedRecordJSON is a record of type typ whose run started at start and
// lasted durMs milliseconds.
func timedRecordJSON(task, uuid, typ string, start time.Time, durMs float64) string {
	return fmt.Sprintf(`{"uuid":%q,"taskName":%q,"input":{},"type":%q,"timing":{"startTime":%d,"endTime":%d,"duration":%g}}`,
		uuid, task, typ, start.UnixMilli(), start.UnixMilli()+int64(durMs), durMs)
}

// filterStart is the start of run i of the filter records: i minutes after
// a fixed time.
func filterStart(i int) time.Time {
	return time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
}

// ingestFilterRecords stores five runs of task "filtered" in projectA (r0 to
// r4, started at filterStart(i), r1 and r3 failed, lasting 10*(i+1) ms) and
// scores r2 0.9 and r3 0.4.
func ingestFilterRecords(t *testing.T, ts *testServer) {
	t.Helper()
	for i := range 5 {
		typ := "success"
		if i%2 == 1 {
			typ = "error"
		}
		ts.ingest(projectA, "", timedRecordJSON("filtered", fmt.Sprintf("r%d", i), typ, filterStart(i), float64(10*(i+1))))
	}
	for id, score := range map[string]float64{"r2": 0.9, "r3": 0.4} {
		r := ts.do(http.MethodPost, "/api/tasks/filtered/logs/"+id+"/set-quality", map[string]any{"quality": map[string]any{"score": score}})
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	}
}

func uuidsOf(p listPage) []string {
	out := []string{}
	for _, l := range p.Logs {
		out = append(out, l.UUID)
	}
	return out
}

func TestListFilters(t *testing.T) {
	ts := start(t)
	ingestFilterRecords(t, ts)
	list := func(query string) []string { return uuidsOf(ts.list(t, "/api/tasks/filtered/logs?"+query)) }
	rfc := func(i int) string { return url.QueryEscape(filterStart(i).Format(time.RFC3339)) }

	assert.Equal(t, []string{"r4", "r3", "r2", "r1", "r0"}, list(""))
	assert.Equal(t, []string{"r3", "r1"}, list("type=error"))
	assert.Equal(t, []string{"r4", "r2", "r0"}, list("type=success"))
	assert.Equal(t, []string{"r4", "r3", "r2"}, list("since="+rfc(2)), "since is inclusive")
	assert.Equal(t, []string{"r1", "r0"}, list("until="+rfc(2)), "until is exclusive")
	assert.Equal(t, []string{"r2", "r1"}, list("since="+rfc(1)+"&until="+rfc(3)))
	assert.Equal(t, []string{"r2"}, list("minQuality=0.5"))
	assert.Equal(t, []string{"r3", "r2"}, list("minQuality=0.4"), "the bound is inclusive; unscored records are left out")
	assert.Equal(t, []string{"r3"}, list("type=error&minQuality=0&since="+rfc(2)+"&projectUuid="+projectA))
	assert.Equal(t, []string{"r2"}, list("since="+url.QueryEscape(filterStart(2).Add(-time.Nanosecond).Format(time.RFC3339Nano))+"&until="+url.QueryEscape(filterStart(2).Add(time.Millisecond).Format(time.RFC3339Nano))),
		"fractional seconds")
	assert.Empty(t, list("type=error&projectUuid=0190e0a0-0000-7000-8000-00000000ffff"))
}

func TestListFilteredPages(t *testing.T) {
	ts := start(t)
	ingestFilterRecords(t, ts)
	var seen []string
	next := ""
	for range 10 {
		path := "/api/tasks/filtered/logs?limit=1&type=success"
		if next != "" {
			path += "&before=" + url.QueryEscape(next)
		}
		p := ts.list(t, path)
		seen = append(seen, uuidsOf(p)...)
		if next = p.Next; next == "" {
			break
		}
	}
	assert.Equal(t, []string{"r4", "r2", "r0"}, seen, "pages under a filter hold the filtered records only")
}

func TestListFilterErrorsNameTheParameter(t *testing.T) {
	ts := start(t)
	for query, want := range map[string]string{
		"type=pending":     `type must be "success" or "error", got "pending"`,
		"type=ERROR":       `type must be "success" or "error", got "ERROR"`,
		"since=yesterday":  `since must be an RFC 3339 time`,
		"until=2026-03-14": `until must be an RFC 3339 time`,
		"minQuality=high":  `minQuality must be a number, got "high"`,
		"minQuality=NaN":   `minQuality must be a number, got "NaN"`,
		"minQuality=Inf":   `minQuality must be a number, got "Inf"`,
		"since=2026-03-14T15:00:00Z&until=2026-03-14T15:00:00Z": "until (2026-03-14T15:00:00Z) must be after since (2026-03-14T15:00:00Z)",
	} {
		msg := ts.do(http.MethodGet, "/api/tasks/filtered/logs?"+query, nil).requireError(t, http.StatusBadRequest)
		assert.Contains(t, msg, want, query)
	}
}

// taskList is the answer of GET /api/tasks.
type taskList struct {
	Tasks []struct {
		ProjectUUID string     `json:"projectUuid"`
		ProjectName string     `json:"projectName"`
		TaskName    string     `json:"taskName"`
		TaskUUID    string     `json:"taskUuid"`
		Runs        int64      `json:"runs"`
		Errors      int64      `json:"errors"`
		P50Ms       float64    `json:"p50Ms"`
		P95Ms       float64    `json:"p95Ms"`
		LastRunAt   *time.Time `json:"lastRunAt"`
	} `json:"tasks"`
}

func TestListTasks(t *testing.T) {
	ts := start(t)
	ingestFilterRecords(t, ts)
	ts.ingest(projectB, "", timedRecordJSON("another", "a1", "success", filterStart(9), 0.5))

	r := ts.do(http.MethodGet, "/api/tasks", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var all taskList
	require.NoError(t, json.Unmarshal(r.body, &all))
	require.Len(t, all.Tasks, 2)
	another, filtered := all.Tasks[0], all.Tasks[1]
	assert.Equal(t, "another", another.TaskName, "ordered by task name")
	assert.Equal(t, projectB, another.ProjectUUID)
	assert.Equal(t, 0.5, another.P50Ms, "a fraction of a millisecond")
	assert.Equal(t, "filtered", filtered.TaskName)
	assert.Equal(t, projectA, filtered.ProjectUUID)
	assert.Equal(t, "local", filtered.ProjectName)
	assert.NotEmpty(t, filtered.TaskUUID)
	assert.Equal(t, int64(5), filtered.Runs)
	assert.Equal(t, int64(2), filtered.Errors)
	assert.Equal(t, 30.0, filtered.P50Ms, "the 3rd of 10, 20, 30, 40, 50 ms")
	assert.Equal(t, 50.0, filtered.P95Ms)
	require.NotNil(t, filtered.LastRunAt)
	assert.True(t, filterStart(4).Equal(*filtered.LastRunAt), "the newest run's start: %v", filtered.LastRunAt)

	var scoped taskList
	r = ts.do(http.MethodGet, "/api/tasks?projectUuid="+projectA+"&since="+url.QueryEscape(filterStart(3).Format(time.RFC3339)), nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	require.NoError(t, json.Unmarshal(r.body, &scoped))
	require.Len(t, scoped.Tasks, 1)
	assert.Equal(t, int64(2), scoped.Tasks[0].Runs, "r3 and r4")
	assert.Equal(t, int64(1), scoped.Tasks[0].Errors)
	assert.Equal(t, 40.0, scoped.Tasks[0].P50Ms)

	r = ts.do(http.MethodGet, "/api/tasks?projectUuid="+projectB+"&until="+url.QueryEscape(filterStart(0).Format(time.RFC3339)), nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.JSONEq(t, `{"tasks":[{"projectUuid":"`+projectB+`","projectName":"local","taskName":"another","taskUuid":"`+another.TaskUUID+
		`","runs":0,"errors":0,"p50Ms":0,"p95Ms":0,"lastRunAt":null}]}`, string(r.body), "a task without runs in the range")

	r = ts.do(http.MethodGet, "/api/tasks?projectUuid=0190e0a0-0000-7000-8000-00000000ffff", nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"tasks":[]}`, string(r.body))

	msg := ts.do(http.MethodGet, "/api/tasks?since=now", nil).requireError(t, http.StatusBadRequest)
	assert.Contains(t, msg, "since must be an RFC 3339 time")
	assert.Equal(t, http.StatusUnauthorized, ts.doAuth(http.MethodGet, "/api/tasks", nil, "").status)
	assert.Equal(t, http.StatusMethodNotAllowed, ts.do(http.MethodPost, "/api/tasks", "{}").status)
}

// TestTasksOfRunsAssembledFromOTLP exports runs as OTLP spans to a server on
// SQLite: their records carry the summary the filters and statistics read,
// as records ingested as JSON do.
func TestTasksOfRunsAssembledFromOTLP(t *testing.T) {
	store, err := sqlitestore.Open(t.Context(), filepath.Join(t.TempDir(), "hive.db"))
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, store.Close()) })
	n := startNode(t, store)
	runs := makeRuns(t, "billing", 4, 2) // run 1 fails
	require.NoError(t, exportHTTP(t, n.url, runs.spans))
	requireRecords(t, store, runs)

	get := func(path string) []byte {
		req, err := http.NewRequest(http.MethodGet, n.url+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+apiKey+":"+apiSecret)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return body
	}
	var tasks taskList
	require.NoError(t, json.Unmarshal(get("/api/tasks"), &tasks))
	require.Len(t, tasks.Tasks, 1)
	st := tasks.Tasks[0]
	assert.Equal(t, otlpTaskName, st.TaskName)
	assert.Equal(t, int64(4), st.Runs)
	assert.Equal(t, int64(1), st.Errors)
	assert.Positive(t, st.P95Ms, "the runs' timing")
	require.NotNil(t, st.LastRunAt)
	var newest time.Time
	for _, r := range runs.records {
		if s := time.UnixMilli(r.Timing.StartTime); s.After(newest) {
			newest = s
		}
	}
	assert.True(t, newest.Equal(*st.LastRunAt), "the newest run's start: %v, want %v", st.LastRunAt, newest)

	var page listPage
	require.NoError(t, json.Unmarshal(get("/api/tasks/"+otlpTaskName+"/logs?type=error"), &page))
	require.Len(t, page.Logs, 1)
	assert.Equal(t, runs.records[1].UUID, page.Logs[0].UUID, "the failed run")
}
