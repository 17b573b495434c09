package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

func openStore(t *testing.T, path string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, opts...)
	require.NoError(t, err)
	return s
}

func ingestEntry(projectUUID, id string) server.IngestEntry {
	return server.IngestEntry{
		Log: server.StoredLog{
			ProjectUUID: projectUUID, TaskName: "alpha", UUID: id,
			Record: json.RawMessage(fmt.Sprintf(`{"taskName":"alpha","uuid":%q}`, id)),
		},
		ProjectName: "name-" + projectUUID,
	}
}

// blockWriter runs a write call that holds the writer until the returned
// function is called, and returns once the writer is inside it.
func blockWriter(t *testing.T, s *Store) (unblock func()) {
	t.Helper()
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.w.do(context.Background(), func(*wtx) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	return func() {
		close(release)
		require.NoError(t, <-done)
	}
}

// waitQueued waits until n write calls wait in the writer's queue.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return len(s.w.calls) == n }, 5*time.Second, time.Millisecond,
		"%d calls queued", n)
}

// holdWriteLock takes the database's write lock on a connection of its own,
// as another process would, until the returned function is called.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", path+"?_busy_timeout=5000")
	require.NoError(t, err)
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, "BEGIN IMMEDIATE")
	require.NoError(t, err)
	return func() {
		_, err := conn.ExecContext(ctx, "COMMIT")
		assert.NoError(t, err)
		assert.NoError(t, conn.Close())
		assert.NoError(t, db.Close())
	}
}

// count returns the number of records of the project.
func count(t *testing.T, s *Store, projectUUID string) int {
	t.Helper()
	list, err := s.ListLogs(context.Background(), server.LogQuery{ProjectUUID: projectUUID, TaskName: "alpha"})
	require.NoError(t, err)
	return len(list)
}

// ingestAsync starts an Ingest and returns where its error arrives.
func ingestAsync(ctx context.Context, s *Store, entries ...server.IngestEntry) <-chan error {
	errc := make(chan error, 1)
	go func() {
		_, err := s.Ingest(ctx, entries)
		errc <- err
	}()
	return errc
}

func TestGroupCommitCoalescesQueuedCalls(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "hive.db"))
	unblock := blockWriter(t, s)
	const n = 20
	errs := make([]<-chan error, n)
	for i := range n {
		errs[i] = ingestAsync(context.Background(), s, ingestEntry("p1", fmt.Sprintf("r%d", i)))
	}
	waitQueued(t, s, n)
	unblock()
	for i := range n {
		require.NoError(t, <-errs[i], "call %d", i)
	}
	assert.Equal(t, n, count(t, s, "p1"))
	require.NoError(t, s.Close())
	assert.Equal(t, 2, s.w.commits, "the calls queued together commit in one transaction, after the one that held the writer")
}

func TestFailedCallRollsBackAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hive.db")
	s := openStore(t, path)
	defer s.Close()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`CREATE TRIGGER poison BEFORE INSERT ON logs WHEN NEW.uuid = 'poison'
		BEGIN SELECT RAISE(ABORT, 'poisoned record'); END`)
	require.NoError(t, err)

	unblock := blockWriter(t, s)
	a := ingestAsync(context.Background(), s, ingestEntry("pa", "a1"), ingestEntry("pa", "a2"))
	waitQueued(t, s, 1)
	// b registers a project and stores a record before the one that fails.
	b := ingestAsync(context.Background(), s, ingestEntry("pb", "b1"), ingestEntry("pb", "poison"), ingestEntry("pb", "b3"))
	waitQueued(t, s, 2)
	c := ingestAsync(context.Background(), s, ingestEntry("pc", "c1"))
	waitQueued(t, s, 3)
	unblock()

	require.NoError(t, <-a)
	err = <-b
	require.Error(t, err)
	assert.Contains(t, err.Error(), "poisoned record")
	require.NoError(t, <-c)

	assert.Equal(t, 2, count(t, s, "pa"), "the calls around the failed one commit")
	assert.Equal(t, 1, count(t, s, "pc"))
	assert.Zero(t, count(t, s, "pb"), "nothing of the failed call is stored")
	_, err = s.GetProject(context.Background(), "pb")
	assert.ErrorIs(t, err, server.ErrNotStored, "not even the project it registered")
}

func TestTransactionLostFailsEveryCallOfIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hive.db")
	s := openStore(t, path)
	defer s.Close()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	// RAISE(ROLLBACK) ends the whole transaction, as SQLite does itself
	// after some failures (a full disk, an I/O error).
	_, err = db.Exec(`CREATE TRIGGER poison BEFORE INSERT ON logs WHEN NEW.uuid = 'poison'
		BEGIN SELECT RAISE(ROLLBACK, 'transaction lost'); END`)
	require.NoError(t, err)

	unblock := blockWriter(t, s)
	a := ingestAsync(context.Background(), s, ingestEntry("pa", "a1"))
	waitQueued(t, s, 1)
	b := ingestAsync(context.Background(), s, ingestEntry("pb", "poison"))
	waitQueued(t, s, 2)
	unblock()

	assert.Error(t, <-a, "a call whose work was rolled back is not answered success")
	assert.Error(t, <-b)
	assert.Zero(t, count(t, s, "pa"))

	require.NoError(t, <-ingestAsync(context.Background(), s, ingestEntry("pa", "a1")), "the writer goes on")
	assert.Equal(t, 1, count(t, s, "pa"))
}

func TestCanceledQueuedCallDoesNotRun(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "hive.db"))
	defer s.Close()
	unblock := blockWriter(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	errc := ingestAsync(ctx, s, ingestEntry("p1", "r1"))
	waitQueued(t, s, 1)
	cancel()
	unblock()
	require.ErrorIs(t, <-errc, context.Canceled)
	_, err := s.GetProject(context.Background(), "p1")
	assert.ErrorIs(t, err, server.ErrNotStored, "a call canceled before it starts does not run")
}

func TestCloseDrainsQueuedWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hive.db")
	s := openStore(t, path)
	unblock := blockWriter(t, s)
	const n = 5
	errs := make([]<-chan error, n)
	for i := range n {
		errs[i] = ingestAsync(context.Background(), s, ingestEntry("p1", fmt.Sprintf("r%d", i)))
	}
	waitQueued(t, s, n)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	require.Eventually(t, func() bool {
		s.w.mu.RLock()
		defer s.w.mu.RUnlock()
		return s.w.closed
	}, 5*time.Second, time.Millisecond)
	_, err := s.Ingest(context.Background(), []server.IngestEntry{ingestEntry("p1", "late")})
	require.ErrorIs(t, err, errClosed, "a write after Close fails")
	unblock()
	require.NoError(t, <-closed)
	for i := range n {
		require.NoError(t, <-errs[i], "queued call %d ran before Close returned", i)
	}

	s = openStore(t, path)
	defer s.Close()
	assert.Equal(t, n, count(t, s, "p1"))
}

func TestWriterWaitsOutAnotherProcessLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hive.db")
	s := openStore(t, path, WithBusyTimeout(20*time.Millisecond))
	defer s.Close()
	release := holdWriteLock(t, path)

	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	gaveUp := ingestAsync(short, s, ingestEntry("p1", "given-up"))
	waits := ingestAsync(context.Background(), s, ingestEntry("p1", "r1"))
	require.ErrorIs(t, <-gaveUp, context.DeadlineExceeded, "a caller whose context ends stops waiting, without SQLITE_BUSY")
	time.Sleep(200 * time.Millisecond) // ten busy timeouts
	release()
	require.NoError(t, <-waits, "a write waits for the lock past the busy timeout")
	assert.Equal(t, 1, count(t, s, "p1"))
}

func TestQueryPlansUseIndexes(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "hive.db"))
	defer s.Close()
	before := &server.Cursor{CreatedAt: time.Now(), ProjectUUID: "p", UUID: "u"}
	plan := func(query string, args ...any) string {
		rows, err := s.rdb.Query("EXPLAIN QUERY PLAN "+query, args...)
		require.NoError(t, err)
		defer rows.Close()
		var steps []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
			steps = append(steps, detail)
		}
		require.NoError(t, rows.Err())
		return strings.Join(steps, "\n")
	}
	for name, c := range map[string]struct {
		query, index string
		args         []any
	}{
		"list":                {index: "logs_by_task_newest", query: listSQL(server.LogQuery{TaskName: "t", Limit: 21})},
		"list after cursor":   {index: "logs_by_task_newest", query: listSQL(server.LogQuery{TaskName: "t", Limit: 21, Before: before})},
		"project list":        {index: "logs_by_project_task_newest", query: listSQL(server.LogQuery{TaskName: "t", ProjectUUID: "p", Limit: 21})},
		"project list cursor": {index: "logs_by_project_task_newest", query: listSQL(server.LogQuery{TaskName: "t", ProjectUUID: "p", Limit: 21, Before: before})},
		"get":                 {index: "sqlite_autoindex_logs_1", query: selectLog},
		"get any project":     {index: "logs_by_record_uuid", query: selectLogAny},
	} {
		t.Run(name, func(t *testing.T) {
			args := make([]any, strings.Count(c.query, "?"))
			for i := range args {
				args[i] = "x"
			}
			p := plan(c.query, args...)
			assert.Contains(t, p, "SEARCH l USING INDEX "+c.index, p)
			assert.Contains(t, p, "SEARCH p USING INDEX sqlite_autoindex_projects_1", p)
			assert.NotContains(t, p, "SCAN", "no full scan:\n%s", p)
			assert.NotContains(t, p, "TEMP B-TREE", "no sort:\n%s", p)
		})
	}
}

// listSQL is the query text of listQuery.
func listSQL(q server.LogQuery) string {
	query, _ := listQuery(q)
	return query
}

func TestConcurrentCallsAllCommit(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "hive.db"))
	const callers, each = 16, 10
	var wg sync.WaitGroup
	errs := make(chan error, callers*each)
	for c := range callers {
		wg.Go(func() {
			for i := range each {
				_, err := s.Ingest(context.Background(), []server.IngestEntry{ingestEntry("p1", fmt.Sprintf("r%d-%d", c, i))})
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, callers*each, count(t, s, "p1"))
	require.NoError(t, s.Close())
	assert.LessOrEqual(t, s.w.commits, callers*each)
	t.Logf("%d calls in %d transactions", callers*each, s.w.commits)
}

func TestRecordsAreStoredAsText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hive.db")
	s := openStore(t, path)
	defer s.Close()
	_, err := s.Ingest(context.Background(), []server.IngestEntry{ingestEntry("p1", "r1")})
	require.NoError(t, err)
	var kind, record string
	require.NoError(t, s.rdb.QueryRow(`SELECT typeof(record), record FROM logs`).Scan(&kind, &record))
	assert.Equal(t, "text", kind, "a record is text, as JSON functions of SQL expect")
	assert.Equal(t, `{"taskName":"alpha","uuid":"r1"}`, record)
}

func TestFailedLoneCallRollsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hive.db")
	s := openStore(t, path)
	defer s.Close()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`CREATE TRIGGER poison BEFORE INSERT ON logs WHEN NEW.uuid = 'poison'
		BEGIN SELECT RAISE(ABORT, 'poisoned record'); END`)
	require.NoError(t, err)

	_, err = s.Ingest(context.Background(), []server.IngestEntry{ingestEntry("pb", "b1"), ingestEntry("pb", "poison")})
	require.ErrorContains(t, err, "poisoned record")
	_, err = s.GetProject(context.Background(), "pb")
	assert.ErrorIs(t, err, server.ErrNotStored, "nothing of the failed call is stored")
	assert.Zero(t, count(t, s, "pb"))

	_, err = s.Ingest(context.Background(), []server.IngestEntry{ingestEntry("pb", "b1")})
	require.NoError(t, err, "the next call starts a transaction of its own")
	assert.Equal(t, 1, count(t, s, "pb"))
}
