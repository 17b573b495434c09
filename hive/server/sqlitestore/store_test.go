package sqlitestore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
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

func open(t *testing.T, path string, opts ...sqlitestore.Option) *sqlitestore.Store {
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
	_, _, err = s.PutLog(ctx, server.StoredLog{ProjectUUID: "p1", TaskName: "alpha", TaskUUID: "t1", UUID: "r1", Record: rec, ReplayFrom: "r0", CreatedAt: created})
	require.NoError(t, err)
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
	assert.Equal(t, 1, version)

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
