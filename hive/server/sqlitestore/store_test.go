package sqlitestore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
	"github.com/hivetrace/hivetrace/hive/server/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func open(t testing.TB, path string, opts ...sqlitestore.Option) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(context.Background(), path, opts...)
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) server.Store {
		return open(t, filepath.Join(t.TempDir(), "hive.db"))
	})
}

func TestRecordsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hive.db")
	created := time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.UTC)

	s := open(t, path)
	_, _, err := s.EnsureProject(ctx, server.Project{UUID: "p1", Name: "one", Description: "d"})
	require.NoError(t, err)
	_, err = s.PutTask(ctx, server.RegisteredTask{ProjectUUID: "p1", UUID: "t1", Name: "alpha", InvokeURL: "http://127.0.0.1:9/x"})
	require.NoError(t, err)
	rec := json.RawMessage(`{"taskName":"alpha","uuid":"r1","type":"success"}`)
	res, err := s.Ingest(ctx, []server.IngestEntry{{
		Log: server.StoredLog{ProjectUUID: "p1", TaskName: "alpha", UUID: "r1", Record: rec, ReplayFrom: "r0", CreatedAt: created},
	}})
	require.NoError(t, err)
	require.Len(t, res, 1)
	require.NoError(t, res[0].Err)
	require.NoError(t, s.SetQuality(ctx, server.LogKey{ProjectUUID: "p1", TaskName: "alpha", UUID: "r1"}, json.RawMessage(`{"score":1}`)))
	require.NoError(t, s.Close())

	s = open(t, path)
	defer s.Close()
	e, err := s.GetLog(ctx, server.LogKey{ProjectUUID: "p1", TaskName: "alpha", UUID: "r1"})
	require.NoError(t, err)
	assert.JSONEq(t, string(rec), string(e.Record))
	assert.Equal(t, "one", e.ProjectName)
	assert.Equal(t, "t1", e.TaskUUID)
	assert.Equal(t, "r0", e.ReplayFrom)
	assert.JSONEq(t, `{"score":1}`, string(e.Quality))
	assert.True(t, e.CreatedAt.Equal(created), "createdAt keeps nanoseconds: %v", e.CreatedAt)
	task, err := s.GetTask(ctx, "p1", "t1")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:9/x", task.InvokeURL)
}

func TestOpenSetsUpTheDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hive.db")
	s := open(t, path)
	require.NoError(t, s.Close())

	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	var mode string
	require.NoError(t, db.QueryRow("PRAGMA journal_mode").Scan(&mode))
	assert.Equal(t, "wal", mode, "WAL mode persists in the file")
	var version int
	require.NoError(t, db.QueryRow("PRAGMA user_version").Scan(&version))
	assert.GreaterOrEqual(t, version, 2, "the schema is versioned")

	// A file from a newer program is refused rather than misread.
	_, err = db.Exec("PRAGMA user_version = 99")
	require.NoError(t, err)
	_, err = sqlitestore.Open(context.Background(), path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "newer than this program supports")
}

func TestForeignKeysAreEnforced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hive.db")
	s := open(t, path)
	defer s.Close()
	// The schema declares the relations; a second connection with foreign keys on enforces them.
	db, err := sql.Open("sqlite", path+"?_foreign_keys=1")
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`INSERT INTO tasks (project_uuid, name, uuid, created_at) VALUES ('missing', 'a', 't', 0)`)
	require.Error(t, err, "a task of an unknown project violates the foreign key")
}

func TestOpenRejectsBadPaths(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro", filepath.Join(t.TempDir(), "missing-dir", "hive.db")} {
		_, err := sqlitestore.Open(context.Background(), p)
		assert.Error(t, err, "path %q", p)
	}
}

func TestTwoStoresOnOneFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hive.db")
	a := open(t, path)
	defer a.Close()
	b := open(t, path)
	defer b.Close()
	_, _, err := a.EnsureProject(ctx, server.Project{UUID: "p1", Name: "one"})
	require.NoError(t, err)
	p, created, err := b.EnsureProject(ctx, server.Project{UUID: "p1", Name: "other"})
	require.NoError(t, err)
	assert.False(t, created, "the second store sees the first one's writes")
	assert.Equal(t, "one", p.Name)
}

func TestClockStampsZeroTimes(t *testing.T) {
	ctx := context.Background()
	fixed := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	s := open(t, filepath.Join(t.TempDir(), "hive.db"), sqlitestore.WithClock(func() time.Time { return fixed }), nil)
	defer s.Close()
	p, _, err := s.EnsureProject(ctx, server.Project{UUID: "p1", Name: "one"})
	require.NoError(t, err)
	assert.True(t, p.CreatedAt.Equal(fixed))
}

// entries returns n entries of the task "alpha" in project p1, with uuids
// prefixed by prefix.
func entries(prefix string, n int) []server.IngestEntry {
	out := make([]server.IngestEntry, n)
	for i := range out {
		id := fmt.Sprintf("%s-%d", prefix, i)
		out[i] = server.IngestEntry{
			Log: server.StoredLog{
				ProjectUUID: "p1", TaskName: "alpha", UUID: id,
				Record: json.RawMessage(fmt.Sprintf(`{"taskName":"alpha","uuid":%q}`, id)),
			},
			ProjectName: "one",
			TaskUUID:    "t1",
		}
	}
	return out
}

// TestTwoStoresWriteConcurrently is two "hive serve" on one file: both
// register the same project and task and store records at the same time,
// and no write fails.
func TestTwoStoresWriteConcurrently(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hive.db")
	stores := []*sqlitestore.Store{open(t, path), open(t, path)}
	const writers, calls, size = 8, 15, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*calls)
	for w := range writers {
		s := stores[w%2]
		wg.Go(func() {
			for c := range calls {
				res, err := s.Ingest(ctx, entries(fmt.Sprintf("w%d-c%d", w, c), size))
				if err == nil {
					for _, r := range res {
						err = errors.Join(err, r.Err)
					}
				}
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for _, s := range stores {
		list, err := s.ListLogs(ctx, server.LogQuery{TaskName: "alpha"})
		require.NoError(t, err)
		assert.Len(t, list, writers*calls*size, "each store sees every record")
		tasks, err := s.ListTasks(ctx, "p1")
		require.NoError(t, err)
		require.Len(t, tasks, 1, "the task is registered once")
		assert.Equal(t, "t1", tasks[0].UUID)
	}
	for _, s := range stores {
		require.NoError(t, s.Close())
	}
}

// TestReadersBesideWriters lists and looks records up while writers store
// more: no read and no write fails.
func TestReadersBesideWriters(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "hive.db"))
	defer s.Close()
	first := entries("seed", 1)
	_, err := s.Ingest(ctx, first)
	require.NoError(t, err)

	const writers, readers, calls = 8, 8, 20
	var wg, writing sync.WaitGroup
	errs := make(chan error, writers*calls+readers)
	for w := range writers {
		writing.Add(1)
		wg.Go(func() {
			defer writing.Done()
			for c := range calls {
				_, err := s.Ingest(ctx, entries(fmt.Sprintf("w%d-c%d", w, c), 3))
				errs <- err
			}
		})
	}
	done := make(chan struct{})
	go func() { writing.Wait(); close(done) }()
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				if err := s.EachLog(ctx, server.LogQuery{TaskName: "alpha", Limit: 20}, func(server.StoredLog) error { return nil }); err != nil {
					errs <- err
					return
				}
				if _, err := s.GetLog(ctx, first[0].Log.Key()); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	list, err := s.ListLogs(ctx, server.LogQuery{TaskName: "alpha"})
	require.NoError(t, err)
	assert.Len(t, list, 1+writers*calls*3)
}

// TestMigratesVersion1 opens a file of schema version 1: its records are
// kept and the schema gains the indexes of version 2.
func TestMigratesVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hive.db")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	for _, stmt := range []string{
		`CREATE TABLE projects (uuid TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL)`,
		`CREATE TABLE tasks (project_uuid TEXT NOT NULL REFERENCES projects(uuid) ON DELETE CASCADE, name TEXT NOT NULL, uuid TEXT NOT NULL,
			invoke_url TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, PRIMARY KEY (project_uuid, name), UNIQUE (project_uuid, uuid))`,
		`CREATE TABLE logs (project_uuid TEXT NOT NULL, task_name TEXT NOT NULL, uuid TEXT NOT NULL, task_uuid TEXT NOT NULL DEFAULT '',
			record TEXT NOT NULL, replay_from TEXT NOT NULL DEFAULT '', quality TEXT, created_at INTEGER NOT NULL,
			PRIMARY KEY (project_uuid, task_name, uuid), FOREIGN KEY (project_uuid, task_name) REFERENCES tasks(project_uuid, name) ON DELETE CASCADE)`,
		`CREATE INDEX logs_by_task_newest ON logs (task_name, created_at DESC, project_uuid DESC, uuid DESC)`,
		`CREATE INDEX logs_by_uuid ON logs (task_name, uuid)`,
		`INSERT INTO projects VALUES ('p1', 'one', '', 1)`,
		`INSERT INTO tasks VALUES ('p1', 'alpha', 't1', '', 1)`,
		`INSERT INTO logs VALUES ('p1', 'alpha', 'r1', 't1', '{"taskName":"alpha","uuid":"r1"}', '', NULL, 5)`,
		`PRAGMA user_version = 1`,
	} {
		_, err := db.Exec(stmt)
		require.NoError(t, err, stmt)
	}
	require.NoError(t, db.Close())

	s := open(t, path)
	defer s.Close()
	list, err := s.ListLogs(ctx, server.LogQuery{ProjectUUID: "p1", TaskName: "alpha"})
	require.NoError(t, err)
	require.Len(t, list, 1, "the records of version 1 are kept")
	assert.Equal(t, "one", list[0].ProjectName)

	db, err = sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	var version int
	require.NoError(t, db.QueryRow("PRAGMA user_version").Scan(&version))
	assert.GreaterOrEqual(t, version, 2, "migrated to version 2 at least")
	var n int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'logs_by_project_task_newest'`).Scan(&n))
	assert.Equal(t, 1, n)
}
