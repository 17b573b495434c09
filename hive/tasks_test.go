package hive

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListTasks(t *testing.T) {
	f := newFakeHive()
	answer(f, 200, `{"tasks":[
		{"projectUuid":"p1","projectName":"shop","taskName":"a","taskUuid":"t1","runs":5,"errors":2,"p50Ms":30,"p95Ms":50.25,"lastRunAt":"2026-03-14T15:04:00.5Z"},
		{"projectUuid":"p1","projectName":"shop","taskName":"b","taskUuid":"t2","runs":0,"errors":0,"p50Ms":0,"p95Ms":0,"lastRunAt":null}]}`)
	c := newTestLogClient(t, f.start(t).URL)

	since := time.Date(2026, 3, 14, 15, 0, 0, 0, time.FixedZone("x", 3600))
	tasks, err := c.ListTasks(ctxT(t), TaskListOptions{Since: since, Until: since.Add(time.Hour + time.Nanosecond)})
	require.NoError(t, err)
	require.Len(t, tasks, 2)
	assert.Equal(t, TaskSummary{ProjectUUID: "p1", ProjectName: "shop", TaskName: "a", TaskUUID: "t1", Runs: 5, Errors: 2,
		P50: 30 * time.Millisecond, P95: 50250 * time.Microsecond, LastRun: time.Date(2026, 3, 14, 15, 4, 0, 5e8, time.UTC)}, tasks[0])
	assert.True(t, tasks[1].LastRun.IsZero(), "null lastRunAt")

	req := f.seen()[0]
	assert.Equal(t, "/api/tasks", req.Path)
	q, err := url.ParseQuery(req.Query)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"projectUuid": {testProject}, "since": {"2026-03-14T14:00:00Z"}, "until": {"2026-03-14T15:00:00.000000001Z"}}, q,
		"the client's project, times in UTC RFC 3339")

	_, err = c.ListTasks(ctxT(t), TaskListOptions{ProjectUUID: "other"})
	require.NoError(t, err)
	assert.Equal(t, "projectUuid=other", f.seen()[1].Query, "the option's project wins")

	_, err = c.ListTasks(ctxT(t), TaskListOptions{Since: since, Until: since})
	require.ErrorIs(t, err, ErrInvalidArgument)
	assert.Len(t, f.seen(), 2, "no request for an empty range")
}

func TestTaskSummaryJSONRoundTrip(t *testing.T) {
	in := TaskSummary{ProjectUUID: "p", ProjectName: "n", TaskName: "t", TaskUUID: "u", Runs: 3, Errors: 1,
		P50: 1500 * time.Microsecond, P95: 2 * time.Millisecond, LastRun: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
	data, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"projectUuid":"p","projectName":"n","taskName":"t","taskUuid":"u","runs":3,"errors":1,"p50Ms":1.5,"p95Ms":2,"lastRunAt":"2026-01-02T03:04:05.000000006Z"}`, string(data))
	var out TaskSummary
	require.NoError(t, json.Unmarshal(data, &out))
	assert.Equal(t, in, out)

	var tenth TaskSummary
	require.NoError(t, json.Unmarshal([]byte(`{"p50Ms":0.1,"p95Ms":0.3}`), &tenth))
	assert.Equal(t, 100*time.Microsecond, tenth.P50, "rounded to the nanosecond")
	assert.Equal(t, 300*time.Microsecond, tenth.P95)

	data, err = json.Marshal(TaskSummary{TaskName: "idle"})
	require.NoError(t, err)
	assert.Contains(t, string(data), `"lastRunAt":null`)
}

func TestListTasksFailures(t *testing.T) {
	for _, tc := range statusCases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			f := newFakeHive()
			failWith(f, tc.status)
			_, err := newTestLogClient(t, f.start(t).URL).ListTasks(ctxT(t), TaskListOptions{})
			require.ErrorIs(t, err, tc.sentinel)
		})
	}
}

func TestListLogsFilters(t *testing.T) {
	f := newFakeHive()
	answer(f, 200, `{"logs":[{"uuid":"u","taskName":"t","projectName":"shop","projectUuid":"p1","createdAt":"2026-01-02T03:04:05Z",
		"replayFrom":"u0","quality":{"score":0.5,"reason":"ok","suggestions":""},"logItem":{"uuid":"u","taskName":"t","type":"error"}}],"next":""}`)
	c := newTestLogClient(t, f.start(t).URL)
	since := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	page, err := c.ListLogs(ctxT(t), "t", ListOptions{Limit: 5, Type: "error", Since: since, Until: since.Add(time.Minute), MinQuality: new(0.25)})
	require.NoError(t, err)
	require.Len(t, page.Logs, 1)
	e := page.Logs[0]
	assert.Equal(t, "p1", e.ProjectUUID)
	assert.Equal(t, "u0", e.ReplayFrom)
	require.NotNil(t, e.Quality)
	assert.Equal(t, Quality{Score: 0.5, Reason: "ok"}, *e.Quality)
	q, err := url.ParseQuery(f.seen()[0].Query)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"projectUuid": {testProject}, "limit": {"5"}, "type": {"error"}, "since": {"2026-03-14T15:00:00Z"},
		"until": {"2026-03-14T15:01:00Z"}, "minQuality": {"0.25"}}, q)

	for _, bad := range []ListOptions{{Type: "pending"}, {MinQuality: new(math.NaN())}, {Since: since, Until: since.Add(-time.Second)}} {
		_, err := c.ListLogs(ctxT(t), "t", bad)
		require.ErrorIs(t, err, ErrInvalidArgument, "%+v", bad)
	}
	assert.Len(t, f.seen(), 1, "refused options send nothing")
}
