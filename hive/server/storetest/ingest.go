package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// entry is an IngestEntry for a record noting note, in a project named
// "name-<projectUUID>" and asking for the task uuid "t-<taskName>".
func entry(projectUUID, taskName, id, note string, createdAt time.Time) server.IngestEntry {
	return server.IngestEntry{
		Log: server.StoredLog{
			ProjectUUID: projectUUID, TaskName: taskName, UUID: id,
			Record: record(taskName, id, note), CreatedAt: createdAt,
		},
		ProjectName: "name-" + projectUUID,
		TaskUUID:    "t-" + taskName,
	}
}

func testIngestRegisters(t *testing.T, s server.Store) {
	ctx := context.Background()
	r := ingestOne(t, s, server.IngestEntry{
		Log:         server.StoredLog{ProjectUUID: "p1", TaskName: "alpha", UUID: "r1", Record: record("alpha", "r1", "x"), CreatedAt: at(1)},
		ProjectName: "one",
		TaskUUID:    "t1",
	})
	assert.True(t, r.Created)
	assert.Equal(t, "one", r.Entry.ProjectName, "the result carries the project's name")
	assert.Equal(t, "t1", r.Entry.TaskUUID, "and the task's uuid")
	assert.Empty(t, r.TaskUUIDTakenBy)
	assert.True(t, r.Entry.CreatedAt.Equal(at(1)))

	p, err := s.GetProject(ctx, "p1")
	require.NoError(t, err, "an unknown project is registered")
	assert.Equal(t, "one", p.Name)
	assert.True(t, p.CreatedAt.Equal(at(1)), "created at the record's time: %v", p.CreatedAt)
	tk, err := s.GetTask(ctx, "p1", "t1")
	require.NoError(t, err, "an unknown task is registered under the uuid asked for")
	assert.Equal(t, "alpha", tk.Name)
	assert.True(t, tk.CreatedAt.Equal(at(1)))

	// A known project keeps its name, a known task its uuid.
	r = ingestOne(t, s, server.IngestEntry{
		Log:         server.StoredLog{ProjectUUID: "p1", TaskName: "alpha", UUID: "r2", Record: record("alpha", "r2", "x"), CreatedAt: at(2)},
		ProjectName: "renamed",
		TaskUUID:    "t-other",
	})
	assert.True(t, r.Created)
	assert.Equal(t, "one", r.Entry.ProjectName)
	assert.Equal(t, "t1", r.Entry.TaskUUID)
	assert.Empty(t, r.TaskUUIDTakenBy, "a known task is not registered again")
	p, err = s.GetProject(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, "one", p.Name)
	_, err = s.GetTask(ctx, "p1", "t-other")
	assert.ErrorIs(t, err, server.ErrNotStored)

	// A task asked for without uuid gets a new one.
	r = ingestOne(t, s, server.IngestEntry{
		Log:         server.StoredLog{ProjectUUID: "p1", TaskName: "beta", UUID: "r3", Record: record("beta", "r3", "x")},
		ProjectName: "one",
	})
	assert.True(t, r.Created)
	assert.NotEmpty(t, r.Entry.TaskUUID)
	assert.NotEqual(t, "t1", r.Entry.TaskUUID)
	assert.False(t, r.Entry.CreatedAt.IsZero(), "a zero CreatedAt is set")
	tk, err = s.GetTask(ctx, "p1", r.Entry.TaskUUID)
	require.NoError(t, err)
	assert.Equal(t, "beta", tk.Name)

	tasks, err := s.ListTasks(ctx, "p1")
	require.NoError(t, err)
	assert.Len(t, tasks, 2)
	got, err := s.GetLog(ctx, server.LogKey{ProjectUUID: "p1", TaskName: "beta", UUID: "r3"})
	require.NoError(t, err)
	assert.Equal(t, r.Entry.TaskUUID, got.TaskUUID, "the stored entry carries its task's uuid")
}

func testIngestTaskUUIDTaken(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "p1", "one")
	task(t, s, "p1", "t1", "alpha")

	// Two entries of a new task asking for a uuid another task holds: the
	// task is registered once, under a new uuid, and the first entry says why.
	in := entry("p1", "beta", "r1", "x", at(1))
	in.TaskUUID = "t1"
	in2 := entry("p1", "beta", "r2", "x", at(2))
	in2.TaskUUID = "t1"
	results, err := s.Ingest(ctx, []server.IngestEntry{in, in2})
	require.NoError(t, err)
	require.Len(t, results, 2)
	for i, r := range results {
		require.NoError(t, r.Err, "entry %d: a taken task uuid is no error", i)
		assert.True(t, r.Created)
		assert.NotEmpty(t, r.Entry.TaskUUID)
		assert.NotEqual(t, "t1", r.Entry.TaskUUID, "entry %d: the task is not registered under a taken uuid", i)
	}
	assert.Equal(t, "alpha", results[0].TaskUUIDTakenBy, "the result names the task holding the uuid")
	assert.Empty(t, results[1].TaskUUIDTakenBy, "the task is registered once")
	assert.Equal(t, results[0].Entry.TaskUUID, results[1].Entry.TaskUUID)

	alpha, err := s.GetTask(ctx, "p1", "t1")
	require.NoError(t, err)
	assert.Equal(t, "alpha", alpha.Name, "the task holding the uuid is unchanged")
	beta, err := s.GetTask(ctx, "p1", results[0].Entry.TaskUUID)
	require.NoError(t, err)
	assert.Equal(t, "beta", beta.Name)

	again := ingestOne(t, s, in)
	assert.False(t, again.Created)
	assert.Empty(t, again.TaskUUIDTakenBy, "a registered task is not registered again")
	assert.Equal(t, beta.UUID, again.Entry.TaskUUID)

	// The same uuid is free in another project.
	other := entry("p2", "beta", "r1", "x", at(3))
	other.TaskUUID = "t1"
	r := ingestOne(t, s, other)
	assert.Equal(t, "t1", r.Entry.TaskUUID)
	assert.Empty(t, r.TaskUUIDTakenBy)
}

func testIngestIdempotent(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "p1", "one")
	task(t, s, "p1", "t1", "alpha")
	first := putLog(t, s, "p1", "alpha", "r1", at(1))
	assert.Equal(t, "one", first.ProjectName, "Ingest fills ProjectName")
	assert.JSONEq(t, string(record("alpha", "r1", "first")), string(first.Record))
	assert.True(t, first.CreatedAt.Equal(at(1)))

	again := ingestOne(t, s, entry("p1", "alpha", "r1", "second", at(9)))
	assert.False(t, again.Created, "re-ingesting a key must not create")
	assert.JSONEq(t, string(record("alpha", "r1", "first")), string(again.Entry.Record), "the first write wins")
	assert.True(t, again.Entry.CreatedAt.Equal(at(1)), "the stored CreatedAt is returned")
	assert.Equal(t, "one", again.Entry.ProjectName)
	assert.Equal(t, "t1", again.Entry.TaskUUID)

	list, err := s.ListLogs(ctx, server.LogQuery{ProjectUUID: "p1", TaskName: "alpha"})
	require.NoError(t, err)
	assert.Len(t, list, 1, "no duplicate after re-ingest")
}

func testIngestAllGood(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "p1", "one")
	task(t, s, "p1", "t1", "alpha")
	entries := []server.IngestEntry{
		entry("p1", "alpha", "r1", "a", at(1)),
		entry("p1", "beta", "r2", "b", at(2)), // a new task
		entry("p1", "alpha", "r3", "c", at(3)),
		entry("p2", "alpha", "r4", "d", at(4)), // a new project
	}
	results, err := s.Ingest(ctx, entries)
	require.NoError(t, err)
	require.Len(t, results, len(entries), "one result per entry")
	for i, r := range results {
		require.NoError(t, r.Err, "entry %d", i)
		assert.True(t, r.Created, "entry %d is new", i)
		assert.Equal(t, entries[i].Log.UUID, r.Entry.UUID, "results are in the order of the entries")
		assert.Equal(t, entries[i].Log.TaskName, r.Entry.TaskName)
		assert.Equal(t, entries[i].Log.ProjectUUID, r.Entry.ProjectUUID)
		assert.True(t, r.Entry.CreatedAt.Equal(at(i+1)), "CreatedAt kept")
		assert.JSONEq(t, string(entries[i].Log.Record), string(r.Entry.Record))

		got, err := s.GetLog(ctx, entries[i].Log.Key())
		require.NoError(t, err)
		assert.JSONEq(t, string(entries[i].Log.Record), string(got.Record), "entry %d is readable", i)
		assert.Equal(t, r.Entry.TaskUUID, got.TaskUUID)
		assert.Equal(t, r.Entry.ProjectName, got.ProjectName)
	}
	assert.Equal(t, "one", results[0].Entry.ProjectName)
	assert.Equal(t, "t1", results[0].Entry.TaskUUID)
	assert.Equal(t, "t-beta", results[1].Entry.TaskUUID)
	assert.Equal(t, "name-p2", results[3].Entry.ProjectName)
	assert.Equal(t, "t-alpha", results[3].Entry.TaskUUID, "task uuids are per project")
}

func testIngestInvalidEntries(t *testing.T, s server.Store) {
	ctx := context.Background()
	noProject := entry("", "alpha", "r2", "b", at(2))
	noTask := entry("p2", "", "r3", "c", at(3))
	noUUID := entry("p3", "gamma", "", "d", at(4))
	results, err := s.Ingest(ctx, []server.IngestEntry{
		entry("p1", "alpha", "r1", "a", at(1)),
		noProject, noTask, noUUID,
		entry("p1", "alpha", "r5", "e", at(5)),
	})
	require.NoError(t, err, "entries that cannot be stored do not fail the call")
	require.Len(t, results, 5)
	assert.NoError(t, results[0].Err)
	assert.True(t, results[0].Created)
	for i := 1; i <= 3; i++ {
		assert.ErrorIs(t, results[i].Err, server.ErrInvalid, "entry %d", i)
		assert.False(t, results[i].Created)
		assert.Zero(t, results[i].Entry, "entry %d: no entry for an error", i)
	}
	assert.NoError(t, results[4].Err, "an entry after a failed one is stored")
	assert.True(t, results[4].Created)

	list, err := s.ListLogs(ctx, server.LogQuery{ProjectUUID: "p1", TaskName: "alpha"})
	require.NoError(t, err)
	assert.Len(t, list, 2, "the valid entries are stored")
	_, err = s.GetProject(ctx, "p2")
	assert.ErrorIs(t, err, server.ErrNotStored, "an invalid entry registers no project")
	tasks, err := s.ListTasks(ctx, "p3")
	require.NoError(t, err)
	assert.Empty(t, tasks, "an invalid entry registers no task")
}

func testIngestDuplicates(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "p1", "one")
	task(t, s, "p1", "t1", "alpha")
	task(t, s, "p1", "t2", "beta")
	putLog(t, s, "p1", "alpha", "stored", at(1)) // noted "first"

	results, err := s.Ingest(ctx, []server.IngestEntry{
		entry("p1", "alpha", "stored", "again", at(5)), // already stored
		entry("p1", "alpha", "twice", "first", at(6)),
		entry("p1", "alpha", "twice", "second", at(7)), // same key earlier in the call
		entry("p1", "beta", "twice", "other task", at(8)),
	})
	require.NoError(t, err)
	require.Len(t, results, 4)
	for i, r := range results {
		require.NoError(t, r.Err, "entry %d", i)
	}

	assert.False(t, results[0].Created, "a stored key is not created again")
	assert.JSONEq(t, string(record("alpha", "stored", "first")), string(results[0].Entry.Record), "the stored record is returned")
	assert.True(t, results[0].Entry.CreatedAt.Equal(at(1)), "with its CreatedAt")

	assert.True(t, results[1].Created)
	assert.False(t, results[2].Created, "the second entry of a key in one call is not created")
	assert.JSONEq(t, string(record("alpha", "twice", "first")), string(results[2].Entry.Record), "the first entry of the call wins")
	assert.True(t, results[2].Entry.CreatedAt.Equal(at(6)))
	assert.True(t, results[3].Created, "the task name is part of the key")

	again, err := s.Ingest(ctx, []server.IngestEntry{entry("p1", "alpha", "twice", "third", at(9))})
	require.NoError(t, err)
	require.Len(t, again, 1)
	assert.False(t, again[0].Created, "re-sending a batch stores nothing new")

	list, err := s.ListLogs(ctx, server.LogQuery{ProjectUUID: "p1", TaskName: "alpha"})
	require.NoError(t, err)
	assert.Len(t, list, 2, "no duplicate")
}

func testIngestEmpty(t *testing.T, s server.Store) {
	results, err := s.Ingest(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, results)
}

func testIngestCanceled(t *testing.T, s server.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Ingest(ctx, []server.IngestEntry{entry("p1", "alpha", "r1", "a", at(1))})
	require.ErrorIs(t, err, context.Canceled)

	bg := context.Background()
	_, err = s.GetProject(bg, "p1")
	assert.ErrorIs(t, err, server.ErrNotStored, "a failed call registers no project")
	_, err = s.GetLog(bg, server.LogKey{TaskName: "alpha", UUID: "r1"})
	assert.ErrorIs(t, err, server.ErrNotStored, "and stores no record")
}

func testConcurrentIngestOfOneKey(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "p1", "one")
	task(t, s, "p1", "t1", "alpha")
	const callers, size = 6, 10
	var wg sync.WaitGroup
	results := make([][]server.PutLogResult, callers)
	errs := make([]error, callers)
	for c := range callers {
		wg.Go(func() {
			batch := make([]server.IngestEntry, size)
			for i := range batch {
				batch[i] = entry("p1", "alpha", fmt.Sprintf("r%d", i), fmt.Sprint(c), at(i))
			}
			results[c], errs[c] = s.Ingest(ctx, batch)
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	created := map[string]int{}
	for _, rs := range results {
		require.Len(t, rs, size)
		for _, r := range rs {
			require.NoError(t, r.Err)
			if r.Created {
				created[r.Entry.UUID]++
			}
		}
	}
	assert.Len(t, created, size, "every key created")
	for id, n := range created {
		assert.Equal(t, 1, n, "%s created exactly once by concurrent calls", id)
	}
	list, err := s.ListLogs(ctx, server.LogQuery{TaskName: "alpha"})
	require.NoError(t, err)
	assert.Len(t, list, size)
}

func testConcurrentIngestRegistersOnce(t *testing.T, s server.Store) {
	ctx := context.Background()
	const callers = 8
	var wg sync.WaitGroup
	results := make([]server.PutLogResult, callers)
	errs := make([]error, callers)
	for c := range callers {
		wg.Go(func() {
			// Every caller registers the same new project and task, each
			// asking for another task uuid.
			in := entry("p1", "alpha", fmt.Sprintf("r%d", c), "x", at(c))
			in.TaskUUID = fmt.Sprintf("t%d", c)
			var rs []server.PutLogResult
			rs, errs[c] = s.Ingest(ctx, []server.IngestEntry{in})
			if errs[c] == nil && len(rs) == 1 {
				results[c] = rs[0]
			}
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	uuids := map[string]bool{}
	for c, r := range results {
		require.NoError(t, r.Err, "caller %d", c)
		assert.True(t, r.Created, "caller %d", c)
		uuids[r.Entry.TaskUUID] = true
	}
	assert.Len(t, uuids, 1, "one task registered, its uuid in every result")
	tasks, err := s.ListTasks(ctx, "p1")
	require.NoError(t, err)
	assert.Len(t, tasks, 1)
	list, err := s.ListLogs(ctx, server.LogQuery{ProjectUUID: "p1", TaskName: "alpha"})
	require.NoError(t, err)
	assert.Len(t, list, callers)
}
