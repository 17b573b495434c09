package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// filterChecks are the checks of the listing filters (server.LogQuery's
// Type, Since, Until and MinQuality) and of Store.TaskStats.
var filterChecks = []struct {
	name string
	fn   func(t *testing.T, s server.Store)
}{
	{"ListFilterByType", testFilterType},
	{"ListFilterByRunStart", testFilterRunStart},
	{"ListFilterByQuality", testFilterQuality},
	{"ListFiltersCombined", testFiltersCombined},
	{"ListFilteredPages", testFilteredPages},
	{"ListFilterFollowsSetQuality", testFilterFollowsSetQuality},
	{"ListFilterOfAssembledRuns", testFilterAssembledRuns},
	{"TaskStats", testTaskStats},
	{"TaskStatsInRange", testTaskStatsInRange},
	{"TaskStatsPercentiles", testTaskStatsPercentiles},
	{"TaskStatsOfAssembledRuns", testTaskStatsAssembledRuns},
}

// runStart is the start of run i of the filter fixture: whole milliseconds,
// i minutes after base, as a record's timing.startTime carries it.
func runStart(i int) time.Time {
	return time.UnixMilli(base.UnixMilli() + int64(i)*time.Minute.Milliseconds()).UTC()
}

// timedRecord is a record of type typ whose run started at runStart(i) and
// lasted durMs milliseconds; i < 0 gives a record without timing.
func timedRecord(taskName, id, typ string, i int, durMs float64) json.RawMessage {
	if i < 0 {
		return json.RawMessage(fmt.Sprintf(`{"taskName":%q,"uuid":%q,"type":%q,"input":{}}`, taskName, id, typ))
	}
	start := runStart(i).UnixMilli()
	return json.RawMessage(fmt.Sprintf(`{"taskName":%q,"uuid":%q,"type":%q,"input":{"type":"not this"},"output":null,`+
		`"timing":{"startTime":%d,"endTime":%d,"duration":%g}}`, taskName, id, typ, start, start+int64(durMs), durMs))
}

// fixtureRun is one record of the filter fixture.
type fixtureRun struct {
	project, id, typ string
	start            int // runStart(start); -1: no timing (the run starts when stored)
	durMs            float64
	quality          string // ingested with the record; empty: none
	setQuality       string // set with SetQuality after ingest; empty: none
}

// filterFixture is the filter checks' data: task "alpha" in projects p1 and
// p2, and task "beta" of p1 without records. Record k is created at at(k).
var filterFixture = []fixtureRun{
	{project: "p1", id: "r0", typ: "success", start: 0, durMs: 10, quality: `{"score":1,"reason":"ingested"}`},
	{project: "p1", id: "r1", typ: "error", start: 1, durMs: 20, setQuality: `{"score":0.2}`},
	{project: "p1", id: "r2", typ: "success", start: 2, durMs: 30, setQuality: `{"score":0.9,"reason":"good"}`},
	{project: "p1", id: "r3", typ: "success", start: -1}, // starts at at(3), before runStart(1)
	{project: "p1", id: "r4", typ: "error", start: 4, durMs: 40, setQuality: `{"score":0.5}`},
	{project: "p1", id: "r5", typ: "pending", start: 5, durMs: 50},
	{project: "p2", id: "q0", typ: "error", start: 2, durMs: 100.5},
}

// loadFilterFixture stores filterFixture.
func loadFilterFixture(t *testing.T, s server.Store) {
	t.Helper()
	ctx := context.Background()
	project(t, s, "p1", "one")
	project(t, s, "p2", "two")
	task(t, s, "p1", "ta1", "alpha")
	task(t, s, "p1", "tb1", "beta")
	task(t, s, "p2", "ta2", "alpha")
	for k, r := range filterFixture {
		e := server.IngestEntry{Log: server.StoredLog{ProjectUUID: r.project, TaskName: "alpha", UUID: r.id,
			Record: timedRecord("alpha", r.id, r.typ, r.start, r.durMs), CreatedAt: at(k)}}
		if r.quality != "" {
			e.Log.Quality = json.RawMessage(r.quality)
		}
		require.True(t, ingestOne(t, s, e).Created, "record %s", r.id)
		if r.setQuality != "" {
			require.NoError(t, s.SetQuality(ctx, server.LogKey{ProjectUUID: r.project, TaskName: "alpha", UUID: r.id}, json.RawMessage(r.setQuality)))
		}
	}
}

// listed returns the uuids q lists, checking that ListLogs and EachLog agree.
func listed(t *testing.T, s server.Store, q server.LogQuery) []string {
	t.Helper()
	es, err := s.ListLogs(context.Background(), q)
	require.NoError(t, err)
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.UUID
	}
	var each []string
	require.NoError(t, s.EachLog(context.Background(), q, func(e server.StoredLog) error {
		each = append(each, e.UUID)
		return nil
	}))
	assert.Equal(t, out, append([]string{}, each...), "EachLog visits what ListLogs lists")
	return out
}

func ptr[T any](v T) *T { return &v }

func testFilterType(t *testing.T, s server.Store) {
	loadFilterFixture(t, s)
	assert.Equal(t, []string{"r3", "r2", "r0"}, listed(t, s, server.LogQuery{TaskName: "alpha", Type: server.TypeSuccess}))
	assert.Equal(t, []string{"q0", "r4", "r1"}, listed(t, s, server.LogQuery{TaskName: "alpha", Type: server.TypeError}), "across projects")
	assert.Equal(t, []string{"r4", "r1"}, listed(t, s, server.LogQuery{ProjectUUID: "p1", TaskName: "alpha", Type: server.TypeError}))
	assert.Equal(t, []string{"r5"}, listed(t, s, server.LogQuery{TaskName: "alpha", Type: "pending"}), "another type selects its records")
	assert.Equal(t, []string{"q0", "r5", "r4", "r3", "r2", "r1", "r0"}, listed(t, s, server.LogQuery{TaskName: "alpha"}), "no filter keeps every record")
	assert.Empty(t, listed(t, s, server.LogQuery{TaskName: "beta", Type: server.TypeError}))
}

func testFilterRunStart(t *testing.T, s server.Store) {
	loadFilterFixture(t, s)
	assert.Equal(t, []string{"q0", "r5", "r4", "r2"}, listed(t, s, server.LogQuery{TaskName: "alpha", Since: runStart(2)}),
		"Since is inclusive; r3 without timing started when stored, before runStart(1)")
	assert.Equal(t, []string{"q0", "r3", "r2", "r1", "r0"}, listed(t, s, server.LogQuery{TaskName: "alpha", Until: runStart(4)}),
		"Until is exclusive")
	assert.Equal(t, []string{"q0", "r2"}, listed(t, s, server.LogQuery{TaskName: "alpha", Since: runStart(2), Until: runStart(3)}))
	assert.Equal(t, []string{"r3"}, listed(t, s, server.LogQuery{TaskName: "alpha", Since: at(3), Until: at(3).Add(time.Nanosecond)}),
		"a record without timing is placed at its CreatedAt, to the nanosecond")
	assert.Equal(t, []string{"r0"}, listed(t, s, server.LogQuery{TaskName: "alpha", Until: runStart(0).Add(time.Millisecond)}))
	assert.Empty(t, listed(t, s, server.LogQuery{TaskName: "alpha", Since: runStart(6)}))
	assert.Empty(t, listed(t, s, server.LogQuery{TaskName: "alpha", Since: runStart(3), Until: runStart(2)}), "an empty range")

	// Bounds beyond the years Unix nanoseconds reach (1678 to 2262).
	long, future := time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.Len(t, listed(t, s, server.LogQuery{TaskName: "alpha", Since: long, Until: future}), len(filterFixture))
	assert.Empty(t, listed(t, s, server.LogQuery{TaskName: "alpha", Since: future}))
	assert.Empty(t, listed(t, s, server.LogQuery{TaskName: "alpha", Until: long}))
	st := statsOf(t, s, server.TaskStatsQuery{ProjectUUID: "p1", Since: long, Until: future})
	require.NotEmpty(t, st)
	assert.Equal(t, int64(6), st[0].Runs)
}

func testFilterQuality(t *testing.T, s server.Store) {
	loadFilterFixture(t, s)
	assert.Equal(t, []string{"r4", "r2", "r0"}, listed(t, s, server.LogQuery{TaskName: "alpha", MinQuality: ptr(0.5)}),
		"the bound is inclusive; records without a score are left out")
	assert.Equal(t, []string{"r4", "r2", "r1", "r0"}, listed(t, s, server.LogQuery{TaskName: "alpha", MinQuality: ptr(-10.0)}),
		"any score passes a low bound; records without one still do not")
	assert.Equal(t, []string{"r0"}, listed(t, s, server.LogQuery{TaskName: "alpha", MinQuality: ptr(1.0)}), "a score ingested with the record counts")
	assert.Empty(t, listed(t, s, server.LogQuery{TaskName: "alpha", MinQuality: ptr(1.5)}))
}

func testFiltersCombined(t *testing.T, s server.Store) {
	loadFilterFixture(t, s)
	assert.Equal(t, []string{"r4"}, listed(t, s, server.LogQuery{TaskName: "alpha", Type: server.TypeError, MinQuality: ptr(0.3)}))
	assert.Equal(t, []string{"q0", "r1"}, listed(t, s, server.LogQuery{TaskName: "alpha", Type: server.TypeError, Until: runStart(3)}))
	assert.Equal(t, []string{"r1"}, listed(t, s, server.LogQuery{ProjectUUID: "p1", TaskName: "alpha", Type: server.TypeError, Until: runStart(3)}))
	assert.Equal(t, []string{"r2"}, listed(t, s, server.LogQuery{TaskName: "alpha", Type: server.TypeSuccess, Since: runStart(1), MinQuality: ptr(0.5)}))
	assert.Equal(t, []string{"r4"}, listed(t, s, server.LogQuery{TaskName: "alpha", Type: server.TypeError, Since: runStart(1), Until: runStart(5), MinQuality: ptr(0.5), Limit: 5}))
}

func testFilteredPages(t *testing.T, s server.Store) {
	loadFilterFixture(t, s)
	ctx := context.Background()
	for _, q := range []server.LogQuery{
		{TaskName: "alpha", Type: server.TypeSuccess},
		{TaskName: "alpha", Type: server.TypeError},
		{TaskName: "alpha", Since: runStart(1)},
		{TaskName: "alpha", MinQuality: ptr(0.0)},
		{ProjectUUID: "p1", TaskName: "alpha", Until: runStart(5)},
	} {
		want := listed(t, s, q)
		var got []string
		page := q
		page.Limit = 1
		for range len(filterFixture) + 1 {
			es, err := s.ListLogs(ctx, page)
			require.NoError(t, err)
			if len(es) == 0 {
				break
			}
			require.Len(t, es, 1)
			got = append(got, es[0].UUID)
			page.Before = &server.Cursor{CreatedAt: es[0].CreatedAt, ProjectUUID: es[0].ProjectUUID, UUID: es[0].UUID}
		}
		assert.Equal(t, want, got, "pages of one record under %+v", q)
	}
}

func testFilterFollowsSetQuality(t *testing.T, s server.Store) {
	loadFilterFixture(t, s)
	ctx := context.Background()
	key := func(id string) server.LogKey { return server.LogKey{ProjectUUID: "p1", TaskName: "alpha", UUID: id} }
	require.NoError(t, s.SetQuality(ctx, key("r2"), json.RawMessage(`{"score":0.1}`)), "lower a score")
	require.NoError(t, s.SetQuality(ctx, key("r5"), json.RawMessage(`{"score":0.7}`)), "score a record without one")
	require.NoError(t, s.SetQuality(ctx, key("r4"), json.RawMessage(`{"reason":"no score"}`)), "replace a score with none")
	assert.Equal(t, []string{"r5", "r0"}, listed(t, s, server.LogQuery{TaskName: "alpha", MinQuality: ptr(0.5)}))
}

// assembledRecord is the record of run i of the staging checks, as
// FinishRuns stores it.
func assembledRecord(i int, typ string, start int, durMs float64, incomplete bool) server.AssembledRun {
	run := assembled(i, "", incomplete)
	run.Entry.Log.Record = timedRecord("staged-task", run.Key.RunUUID, typ, start, durMs)
	run.Entry.Log.CreatedAt = at(i)
	return run
}

func testFilterAssembledRuns(t *testing.T, s server.Store) {
	stage(t, s, at(0), staged(1, taskSpan(1, 1)))
	stage(t, s, at(0), staged(2, taskSpan(2, 0)))
	finish(t, s, assembledRecord(1, "success", -1, 0, true), assembledRecord(2, "error", 3, 7, false))
	q := server.LogQuery{ProjectUUID: stageProject, TaskName: "staged-task", Type: server.TypeError}
	assert.Equal(t, []string{runKey(2).RunUUID}, listed(t, s, q), "a record assembled from spans is filtered like an ingested one")

	// The incomplete record of run 1 is replaced by the complete one.
	stage(t, s, at(1), staged(1, boundarySpan(1, 1)))
	res := finish(t, s, assembledRecord(1, "error", 4, 9, false))
	require.True(t, res[0].Replaced, "the complete record replaces the incomplete one")
	assert.Equal(t, []string{runKey(2).RunUUID, runKey(1).RunUUID}, listed(t, s, q), "the replacement's type counts")
	q.Since = runStart(4)
	assert.Equal(t, []string{runKey(1).RunUUID}, listed(t, s, q), "the replacement's start counts")
}

// statsOf returns the stats of q.
func statsOf(t *testing.T, s server.Store, q server.TaskStatsQuery) []server.TaskStats {
	t.Helper()
	out, err := s.TaskStats(context.Background(), q)
	require.NoError(t, err)
	require.NotNil(t, out, "no tasks is an empty slice, not nil")
	return out
}

func ms(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }

func testTaskStats(t *testing.T, s server.Store) {
	loadFilterFixture(t, s)
	alpha1 := server.TaskStats{ProjectUUID: "p1", ProjectName: "one", TaskName: "alpha", TaskUUID: "ta1",
		Runs: 6, Errors: 2, P50: ms(30), P95: ms(50), LastRun: runStart(5)}
	alpha2 := server.TaskStats{ProjectUUID: "p2", ProjectName: "two", TaskName: "alpha", TaskUUID: "ta2",
		Runs: 1, Errors: 1, P50: ms(100.5), P95: ms(100.5), LastRun: runStart(2)}
	beta := server.TaskStats{ProjectUUID: "p1", ProjectName: "one", TaskName: "beta", TaskUUID: "tb1"}
	assert.Equal(t, []server.TaskStats{alpha1, alpha2, beta}, statsOf(t, s, server.TaskStatsQuery{}),
		"every task of every project, by task name then project; beta without runs has zeros")
	assert.Equal(t, []server.TaskStats{alpha1, beta}, statsOf(t, s, server.TaskStatsQuery{ProjectUUID: "p1"}))
	assert.Empty(t, statsOf(t, s, server.TaskStatsQuery{ProjectUUID: "nope"}))
}

func testTaskStatsInRange(t *testing.T, s server.Store) {
	loadFilterFixture(t, s)
	got := statsOf(t, s, server.TaskStatsQuery{ProjectUUID: "p1", Since: runStart(1), Until: runStart(5)})
	require.Len(t, got, 2)
	assert.Equal(t, server.TaskStats{ProjectUUID: "p1", ProjectName: "one", TaskName: "alpha", TaskUUID: "ta1",
		Runs: 3, Errors: 2, P50: ms(30), P95: ms(40), LastRun: runStart(4)}, got[0], "r1, r2 and r4")
	got = statsOf(t, s, server.TaskStatsQuery{Since: runStart(0), Until: runStart(1)})
	require.Len(t, got, 3)
	assert.Equal(t, server.TaskStats{ProjectUUID: "p1", ProjectName: "one", TaskName: "alpha", TaskUUID: "ta1",
		Runs: 2, P50: ms(10), P95: ms(10), LastRun: at(3)}, got[0], "r0 and r3 without timing: counted, no duration; its start is when stored")
	got = statsOf(t, s, server.TaskStatsQuery{Since: runStart(7)})
	require.Len(t, got, 3)
	for _, st := range got {
		assert.Zero(t, st.Runs, st.TaskName)
		assert.Zero(t, st.P95, st.TaskName)
		assert.True(t, st.LastRun.IsZero(), "no run in range: zero LastRun")
	}
}

func testTaskStatsPercentiles(t *testing.T, s server.Store) {
	project(t, s, "p1", "one")
	task(t, s, "p1", "t1", "many")
	// 20 runs lasting 1..20 ms, ingested out of order, every fourth failing,
	// and 3 without timing (not in the percentiles).
	var entries []server.IngestEntry
	for k := range 20 {
		d := (k*7)%20 + 1
		typ := "success"
		if k%4 == 0 {
			typ = "error"
		}
		id := fmt.Sprintf("r%02d", k)
		entries = append(entries, server.IngestEntry{Log: server.StoredLog{ProjectUUID: "p1", TaskName: "many", UUID: id,
			Record: timedRecord("many", id, typ, k, float64(d)), CreatedAt: at(k)}})
	}
	for k := range 3 {
		id := fmt.Sprintf("n%d", k)
		entries = append(entries, server.IngestEntry{Log: server.StoredLog{ProjectUUID: "p1", TaskName: "many", UUID: id,
			Record: timedRecord("many", id, "error", -1, 0), CreatedAt: at(30 + k)}})
	}
	res, err := s.Ingest(context.Background(), entries)
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err)
	}
	got := statsOf(t, s, server.TaskStatsQuery{ProjectUUID: "p1"})
	require.Len(t, got, 1)
	assert.Equal(t, int64(23), got[0].Runs)
	assert.Equal(t, int64(5+3), got[0].Errors)
	assert.Equal(t, ms(10), got[0].P50, "ceil(0.5*20)-th smallest")
	assert.Equal(t, ms(19), got[0].P95, "ceil(0.95*20)-th smallest")
	assert.Equal(t, runStart(19), got[0].LastRun, "the newest start, not the newest stored")

	// The 7 runs started from runStart(13): durations 12, 19, 6, 13, 20, 7, 14.
	got = statsOf(t, s, server.TaskStatsQuery{ProjectUUID: "p1", Since: runStart(13), Until: runStart(20)})
	require.Len(t, got, 1)
	assert.Equal(t, int64(7), got[0].Runs)
	assert.Equal(t, ms(13), got[0].P50, "4th of 7")
	assert.Equal(t, ms(20), got[0].P95, "7th of 7")
	assert.Equal(t, runStart(19), got[0].LastRun)
}

func testTaskStatsAssembledRuns(t *testing.T, s server.Store) {
	stage(t, s, at(0), staged(1, taskSpan(1, 1)))
	finish(t, s, assembledRecord(1, "success", -1, 0, true))
	stage(t, s, at(1), staged(1, boundarySpan(1, 1)))
	finish(t, s, assembledRecord(1, "error", 4, 9, false))
	got := statsOf(t, s, server.TaskStatsQuery{ProjectUUID: stageProject})
	require.Len(t, got, 1)
	assert.Equal(t, server.TaskStats{ProjectUUID: stageProject, ProjectName: "staging", TaskName: "staged-task", TaskUUID: got[0].TaskUUID,
		Runs: 1, Errors: 1, P50: ms(9), P95: ms(9), LastRun: runStart(4)}, got[0], "the completed record's timing and type")
}
