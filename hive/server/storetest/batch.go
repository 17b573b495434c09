package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// entry is a StoredLog for PutLogs with a record noting note.
func entry(projectUUID, taskName, id, note string, createdAt int) server.StoredLog {
	return server.StoredLog{
		ProjectUUID: projectUUID, TaskName: taskName, TaskUUID: "t-" + taskName, UUID: id,
		Record: record(taskName, id, note), CreatedAt: at(createdAt),
	}
}

func testPutLogsAllGood(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "p1", "one")
	task(t, s, "p1", "t1", "alpha")
	task(t, s, "p1", "t2", "beta")
	entries := []server.StoredLog{
		entry("p1", "alpha", "r1", "a", 1),
		entry("p1", "beta", "r2", "b", 2),
		entry("p1", "alpha", "r3", "c", 3),
	}
	results, err := s.PutLogs(ctx, entries)
	require.NoError(t, err)
	require.Len(t, results, len(entries), "one result per entry")
	for i, r := range results {
		require.NoError(t, r.Err, "entry %d", i)
		assert.True(t, r.Created, "entry %d is new", i)
		assert.Equal(t, entries[i].UUID, r.Entry.UUID, "results are in the order of the entries")
		assert.Equal(t, entries[i].TaskName, r.Entry.TaskName)
		assert.Equal(t, "one", r.Entry.ProjectName, "PutLogs fills ProjectName")
		assert.True(t, r.Entry.CreatedAt.Equal(at(i+1)), "CreatedAt kept")
		assert.JSONEq(t, string(entries[i].Record), string(r.Entry.Record))

		got, err := s.GetLog(ctx, entries[i].Key())
		require.NoError(t, err)
		assert.JSONEq(t, string(entries[i].Record), string(got.Record), "entry %d is readable", i)
	}
}

func testPutLogsSomeInvalid(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "p1", "one")
	task(t, s, "p1", "t1", "alpha")
	results, err := s.PutLogs(ctx, []server.StoredLog{
		entry("p1", "alpha", "r1", "a", 1),
		entry("missing", "alpha", "r2", "b", 2), // unknown project
		entry("p1", "gamma", "r3", "c", 3),      // unknown task
		entry("p1", "alpha", "r4", "d", 4),
	})
	require.NoError(t, err, "entries that cannot be stored do not fail the batch")
	require.Len(t, results, 4)
	assert.NoError(t, results[0].Err)
	assert.True(t, results[0].Created)
	assert.ErrorIs(t, results[1].Err, server.ErrNotStored, "unknown project")
	assert.False(t, results[1].Created)
	assert.ErrorIs(t, results[2].Err, server.ErrNotStored, "unknown task")
	assert.False(t, results[2].Created)
	assert.NoError(t, results[3].Err, "an entry after a failed one is stored")
	assert.True(t, results[3].Created)

	list, err := s.ListLogs(ctx, server.LogQuery{ProjectUUID: "p1", TaskName: "alpha"})
	require.NoError(t, err)
	assert.Len(t, list, 2, "the valid entries are stored")
	_, err = s.GetLog(ctx, server.LogKey{TaskName: "gamma", UUID: "r3"})
	assert.ErrorIs(t, err, server.ErrNotStored)
}

func testPutLogsDuplicates(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "p1", "one")
	task(t, s, "p1", "t1", "alpha")
	task(t, s, "p1", "t2", "beta")
	putLog(t, s, "p1", "alpha", "stored", at(1)) // noted "first"

	results, err := s.PutLogs(ctx, []server.StoredLog{
		entry("p1", "alpha", "stored", "again", 5), // already stored
		entry("p1", "alpha", "twice", "first", 6),
		entry("p1", "alpha", "twice", "second", 7), // same key earlier in the batch
		entry("p1", "beta", "twice", "other task", 8),
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
	assert.False(t, results[2].Created, "the second entry of a key in one batch is not created")
	assert.JSONEq(t, string(record("alpha", "twice", "first")), string(results[2].Entry.Record), "the first entry of the batch wins")
	assert.True(t, results[2].Entry.CreatedAt.Equal(at(6)))
	assert.True(t, results[3].Created, "the task name is part of the key")

	again, err := s.PutLogs(ctx, []server.StoredLog{entry("p1", "alpha", "twice", "third", 9)})
	require.NoError(t, err)
	require.Len(t, again, 1)
	assert.False(t, again[0].Created, "re-sending a batch stores nothing new")

	list, err := s.ListLogs(ctx, server.LogQuery{ProjectUUID: "p1", TaskName: "alpha"})
	require.NoError(t, err)
	assert.Len(t, list, 2, "no duplicate")
}

func testPutLogsEmpty(t *testing.T, s server.Store) {
	results, err := s.PutLogs(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, results)
}

func testConcurrentPutLogs(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "p1", "one")
	task(t, s, "p1", "t1", "alpha")
	const callers, size = 6, 10
	var wg sync.WaitGroup
	results := make([][]server.PutLogResult, callers)
	errs := make([]error, callers)
	for c := range callers {
		wg.Go(func() {
			batch := make([]server.StoredLog, size)
			for i := range batch {
				batch[i] = entry("p1", "alpha", fmt.Sprintf("r%d", i), fmt.Sprint(c), i)
			}
			results[c], errs[c] = s.PutLogs(ctx, batch)
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
		assert.Equal(t, 1, n, "%s created exactly once by concurrent batches", id)
	}
}
