package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// NewStore returns an empty store for one subtest. Run closes it when the
// subtest ends.
type NewStore func(t *testing.T) server.Store

// Run checks a Store implementation. Each check runs as a subtest on a fresh
// store from newStore, so one failure does not hide the others.
func Run(t *testing.T, newStore NewStore) {
	t.Helper()
	checks := []struct {
		name string
		fn   func(t *testing.T, s server.Store)
	}{
		{"Projects", testProjects},
		{"Tasks", testTasks},
		{"PutTask", testPutTask},
		{"IngestRegistersProjectAndTask", testIngestRegisters},
		{"IngestTaskUUIDTaken", testIngestTaskUUIDTaken},
		{"IngestIsIdempotent", testIngestIdempotent},
		{"IngestAllGood", testIngestAllGood},
		{"IngestInvalidEntries", testIngestInvalidEntries},
		{"IngestDuplicates", testIngestDuplicates},
		{"IngestEmpty", testIngestEmpty},
		{"IngestCanceledStoresNothing", testIngestCanceled},
		{"ConcurrentIngestOfOneKey", testConcurrentIngestOfOneKey},
		{"ConcurrentIngestRegistersOnce", testConcurrentIngestRegistersOnce},
		{"GetLogScoping", testGetLogScoping},
		{"ListLogsOrderAndPages", testListLogs},
		{"EachLogStopsOnError", testEachLogStops},
		{"SetQuality", testSetQuality},
		{"ReturnsCopies", testReturnsCopies},
	}
	checks = append(checks, stagingChecks...) // staging.go
	checks = append(checks, catalogChecks...) // catalog.go
	checks = append(checks, filterChecks...)  // filters.go
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t)
			require.NotNil(t, s, "newStore returned nil")
			t.Cleanup(func() { assert.NoError(t, s.Close(), "Close") })
			c.fn(t, s)
		})
	}
}

// base is a fixed time the checks count from (UTC, sub-second precision).
var base = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

func at(i int) time.Time { return base.Add(time.Duration(i) * time.Millisecond) }

func project(t *testing.T, s server.Store, id, name string) server.Project {
	t.Helper()
	p, created, err := s.EnsureProject(context.Background(), server.Project{UUID: id, Name: name, CreatedAt: base})
	require.NoError(t, err)
	require.True(t, created, "EnsureProject(%s) must create a new project", id)
	return p
}

func task(t *testing.T, s server.Store, projectUUID, id, name string) server.RegisteredTask {
	t.Helper()
	tk, created, err := s.EnsureTask(context.Background(), server.RegisteredTask{ProjectUUID: projectUUID, UUID: id, Name: name, CreatedAt: base})
	require.NoError(t, err)
	require.True(t, created, "EnsureTask(%s) must create a new task", name)
	return tk
}

func record(taskName, id, note string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"input":{"note":%q},"taskName":%q,"type":"success","uuid":%q}`, note, taskName, id))
}

// ingestOne ingests one entry and returns its result, requiring no error.
func ingestOne(t *testing.T, s server.Store, in server.IngestEntry) server.PutLogResult {
	t.Helper()
	results, err := s.Ingest(context.Background(), []server.IngestEntry{in})
	require.NoError(t, err)
	require.Len(t, results, 1, "one result per entry")
	require.NoError(t, results[0].Err)
	return results[0]
}

// putLog ingests a new record noted "first" into an existing project and
// task.
func putLog(t *testing.T, s server.Store, projectUUID, taskName, id string, createdAt time.Time) server.StoredLog {
	t.Helper()
	r := ingestOne(t, s, entry(projectUUID, taskName, id, "first", createdAt))
	require.True(t, r.Created, "Ingest(%s) must create a new entry", id)
	return r.Entry
}

func testProjects(t *testing.T, s server.Store) {
	ctx := context.Background()
	_, err := s.GetProject(ctx, "p1")
	require.ErrorIs(t, err, server.ErrNotStored)

	p, created, err := s.EnsureProject(ctx, server.Project{UUID: "p1", Name: "one", Description: "first", CreatedAt: base})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "one", p.Name)
	assert.True(t, p.CreatedAt.Equal(base), "CreatedAt kept: got %v", p.CreatedAt)

	again, created, err := s.EnsureProject(ctx, server.Project{UUID: "p1", Name: "renamed", CreatedAt: at(5)})
	require.NoError(t, err)
	assert.False(t, created, "EnsureProject of an existing uuid must not create")
	assert.Equal(t, "one", again.Name, "EnsureProject must leave an existing project unchanged")
	assert.Equal(t, "first", again.Description)

	zero, created, err := s.EnsureProject(ctx, server.Project{UUID: "p2", Name: "two"})
	require.NoError(t, err)
	assert.True(t, created)
	assert.False(t, zero.CreatedAt.IsZero(), "a zero CreatedAt must be set")

	require.NoError(t, s.UpdateProject(ctx, server.Project{UUID: "p1", Name: "uno", Description: "updated"}))
	got, err := s.GetProject(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, "uno", got.Name)
	assert.Equal(t, "updated", got.Description)
	assert.True(t, got.CreatedAt.Equal(base), "UpdateProject must keep CreatedAt")

	err = s.UpdateProject(ctx, server.Project{UUID: "missing", Name: "x"})
	assert.ErrorIs(t, err, server.ErrNotStored)
}

func testTasks(t *testing.T, s server.Store) {
	ctx := context.Background()
	_, _, err := s.EnsureTask(ctx, server.RegisteredTask{ProjectUUID: "nope", UUID: "t1", Name: "a"})
	require.ErrorIs(t, err, server.ErrNotStored, "EnsureTask in an unknown project")

	project(t, s, "p1", "one")
	project(t, s, "p2", "two")
	a := task(t, s, "p1", "t1", "alpha")
	assert.Equal(t, "t1", a.UUID)

	again, created, err := s.EnsureTask(ctx, server.RegisteredTask{ProjectUUID: "p1", UUID: "other", Name: "alpha"})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, "t1", again.UUID, "EnsureTask must leave an existing task unchanged")

	_, _, err = s.EnsureTask(ctx, server.RegisteredTask{ProjectUUID: "p1", UUID: "t1", Name: "beta"})
	require.ErrorIs(t, err, server.ErrConflict, "a task uuid is unique within its project")

	// The same uuid and name in another project are independent.
	task(t, s, "p2", "t1", "alpha")
	task(t, s, "p1", "t2", "beta")

	got, err := s.GetTask(ctx, "p1", "t2")
	require.NoError(t, err)
	assert.Equal(t, "beta", got.Name)
	_, err = s.GetTask(ctx, "p2", "t2")
	assert.ErrorIs(t, err, server.ErrNotStored, "GetTask must not see other projects' tasks")

	list, err := s.ListTasks(ctx, "p1")
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "alpha", list[0].Name, "ListTasks is ordered by name")
	assert.Equal(t, "beta", list[1].Name)

	none, err := s.ListTasks(ctx, "missing")
	require.NoError(t, err)
	assert.Empty(t, none)
}

func testPutTask(t *testing.T, s server.Store) {
	ctx := context.Background()
	_, err := s.PutTask(ctx, server.RegisteredTask{ProjectUUID: "nope", UUID: "t1", Name: "a"})
	require.ErrorIs(t, err, server.ErrNotStored)

	project(t, s, "p1", "one")
	created, err := s.PutTask(ctx, server.RegisteredTask{ProjectUUID: "p1", UUID: "t1", Name: "alpha", InvokeURL: "http://127.0.0.1:1/run"})
	require.NoError(t, err)
	assert.True(t, created)

	created, err = s.PutTask(ctx, server.RegisteredTask{ProjectUUID: "p1", UUID: "t1b", Name: "alpha", InvokeURL: "http://127.0.0.1:2/run"})
	require.NoError(t, err)
	assert.False(t, created, "PutTask of an existing name updates")
	got, err := s.GetTask(ctx, "p1", "t1b")
	require.NoError(t, err)
	assert.Equal(t, "alpha", got.Name)
	assert.Equal(t, "http://127.0.0.1:2/run", got.InvokeURL)
	_, err = s.GetTask(ctx, "p1", "t1")
	assert.ErrorIs(t, err, server.ErrNotStored, "the old uuid is gone")

	task(t, s, "p1", "t2", "beta")
	_, err = s.PutTask(ctx, server.RegisteredTask{ProjectUUID: "p1", UUID: "t2", Name: "alpha"})
	require.ErrorIs(t, err, server.ErrConflict)
	got, err = s.GetTask(ctx, "p1", "t1b")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:2/run", got.InvokeURL, "a failed PutTask changes nothing")
}

func testGetLogScoping(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "pa", "A")
	project(t, s, "pb", "B")
	task(t, s, "pa", "ta", "alpha")
	task(t, s, "pb", "tb", "alpha")
	putLog(t, s, "pa", "alpha", "only-a", at(1))
	putLog(t, s, "pb", "alpha", "only-b", at(2))
	putLog(t, s, "pa", "alpha", "both", at(3))
	putLog(t, s, "pb", "alpha", "both", at(4))

	e, err := s.GetLog(ctx, server.LogKey{ProjectUUID: "pa", TaskName: "alpha", UUID: "only-a"})
	require.NoError(t, err)
	assert.Equal(t, "pa", e.ProjectUUID)
	assert.Equal(t, "A", e.ProjectName)
	assert.Equal(t, "ta", e.TaskUUID, "the entry carries its task's uuid")

	_, err = s.GetLog(ctx, server.LogKey{ProjectUUID: "pa", TaskName: "alpha", UUID: "only-b"})
	assert.ErrorIs(t, err, server.ErrNotStored, "project A must not read project B's record")
	_, err = s.GetLog(ctx, server.LogKey{ProjectUUID: "pa", TaskName: "beta", UUID: "only-a"})
	assert.ErrorIs(t, err, server.ErrNotStored, "the task name is part of the key")

	e, err = s.GetLog(ctx, server.LogKey{TaskName: "alpha", UUID: "only-b"})
	require.NoError(t, err, "an unscoped lookup searches every project")
	assert.Equal(t, "pb", e.ProjectUUID)

	_, err = s.GetLog(ctx, server.LogKey{TaskName: "alpha", UUID: "both"})
	assert.ErrorIs(t, err, server.ErrAmbiguous)
	e, err = s.GetLog(ctx, server.LogKey{ProjectUUID: "pb", TaskName: "alpha", UUID: "both"})
	require.NoError(t, err)
	assert.True(t, e.CreatedAt.Equal(at(4)))
}

func testListLogs(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "pa", "A")
	project(t, s, "pb", "B")
	task(t, s, "pa", "ta", "alpha")
	task(t, s, "pb", "tb", "alpha")
	task(t, s, "pa", "tc", "beta")
	// Two records share a createdAt: the uuid breaks the tie.
	putLog(t, s, "pa", "alpha", "r1", at(1))
	putLog(t, s, "pa", "alpha", "r3", at(3))
	putLog(t, s, "pa", "alpha", "r2", at(3))
	putLog(t, s, "pb", "alpha", "rb", at(2))
	putLog(t, s, "pa", "beta", "x", at(9))

	uuids := func(es []server.StoredLog) []string {
		out := make([]string, len(es))
		for i, e := range es {
			out[i] = e.UUID
		}
		return out
	}
	all, err := s.ListLogs(ctx, server.LogQuery{TaskName: "alpha"})
	require.NoError(t, err)
	assert.Equal(t, []string{"r3", "r2", "rb", "r1"}, uuids(all), "newest first, across projects")

	scoped, err := s.ListLogs(ctx, server.LogQuery{ProjectUUID: "pa", TaskName: "alpha"})
	require.NoError(t, err)
	assert.Equal(t, []string{"r3", "r2", "r1"}, uuids(scoped))
	for _, e := range scoped {
		assert.Equal(t, "A", e.ProjectName)
	}

	page1, err := s.ListLogs(ctx, server.LogQuery{TaskName: "alpha", Limit: 2})
	require.NoError(t, err)
	require.Equal(t, []string{"r3", "r2"}, uuids(page1))
	last := page1[len(page1)-1]
	cur := server.Cursor{CreatedAt: last.CreatedAt, ProjectUUID: last.ProjectUUID, UUID: last.UUID}
	page2, err := s.ListLogs(ctx, server.LogQuery{TaskName: "alpha", Limit: 2, Before: &cur})
	require.NoError(t, err)
	assert.Equal(t, []string{"rb", "r1"}, uuids(page2))

	none, err := s.ListLogs(ctx, server.LogQuery{TaskName: "gamma"})
	require.NoError(t, err)
	assert.Empty(t, none)
	assert.NotNil(t, none, "an empty listing is empty, not nil")

	var visited []string
	require.NoError(t, s.EachLog(ctx, server.LogQuery{TaskName: "alpha", Limit: 3}, func(e server.StoredLog) error {
		visited = append(visited, e.UUID)
		assert.Equal(t, "alpha", e.TaskName)
		assert.NotEmpty(t, e.ProjectName, "EachLog fills ProjectName")
		assert.JSONEq(t, string(record("alpha", e.UUID, "first")), string(e.Record))
		return nil
	}))
	assert.Equal(t, []string{"r3", "r2", "rb"}, visited, "EachLog visits in listing order, up to the limit")
}

func testEachLogStops(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "p1", "one")
	task(t, s, "p1", "t1", "alpha")
	for i := range 5 {
		putLog(t, s, "p1", "alpha", fmt.Sprintf("r%d", i), at(i))
	}
	stop := errors.New("page full")
	calls := 0
	err := s.EachLog(ctx, server.LogQuery{TaskName: "alpha"}, func(server.StoredLog) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	assert.Same(t, stop, err, "fn's error is returned as is")
	assert.Equal(t, 2, calls, "no call after fn fails")

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	err = s.EachLog(canceled, server.LogQuery{TaskName: "alpha"}, func(server.StoredLog) error { return nil })
	assert.ErrorIs(t, err, context.Canceled)
}

func testSetQuality(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "pa", "A")
	project(t, s, "pb", "B")
	task(t, s, "pa", "ta", "alpha")
	task(t, s, "pb", "tb", "alpha")
	putLog(t, s, "pa", "alpha", "r1", at(1))
	putLog(t, s, "pa", "alpha", "dup", at(2))
	putLog(t, s, "pb", "alpha", "dup", at(3))

	q := json.RawMessage(`{"score":0.8,"reason":"good"}`)
	require.NoError(t, s.SetQuality(ctx, server.LogKey{TaskName: "alpha", UUID: "r1"}, q))
	e, err := s.GetLog(ctx, server.LogKey{ProjectUUID: "pa", TaskName: "alpha", UUID: "r1"})
	require.NoError(t, err)
	assert.JSONEq(t, string(q), string(e.Quality))

	q2 := json.RawMessage(`{"score":0.1}`)
	require.NoError(t, s.SetQuality(ctx, server.LogKey{ProjectUUID: "pa", TaskName: "alpha", UUID: "r1"}, q2))
	e, err = s.GetLog(ctx, server.LogKey{ProjectUUID: "pa", TaskName: "alpha", UUID: "r1"})
	require.NoError(t, err)
	assert.JSONEq(t, string(q2), string(e.Quality), "SetQuality replaces")
	assert.JSONEq(t, string(record("alpha", "r1", "first")), string(e.Record), "SetQuality keeps the record")

	err = s.SetQuality(ctx, server.LogKey{ProjectUUID: "pb", TaskName: "alpha", UUID: "r1"}, q)
	assert.ErrorIs(t, err, server.ErrNotStored, "project B cannot rate project A's record")
	err = s.SetQuality(ctx, server.LogKey{TaskName: "alpha", UUID: "dup"}, q)
	assert.ErrorIs(t, err, server.ErrAmbiguous)
	e, err = s.GetLog(ctx, server.LogKey{ProjectUUID: "pb", TaskName: "alpha", UUID: "dup"})
	require.NoError(t, err)
	assert.Nil(t, e.Quality, "a failed SetQuality changes nothing")
}

func testReturnsCopies(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "p1", "one")
	task(t, s, "p1", "t1", "alpha")
	e := putLog(t, s, "p1", "alpha", "r1", at(1))
	for i := range e.Record {
		e.Record[i] = ' '
	}
	got, err := s.GetLog(ctx, server.LogKey{ProjectUUID: "p1", TaskName: "alpha", UUID: "r1"})
	require.NoError(t, err)
	assert.JSONEq(t, string(record("alpha", "r1", "first")), string(got.Record), "changing a returned entry must not change the store")
}
