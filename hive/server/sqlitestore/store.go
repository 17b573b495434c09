package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/hivetrace/hivetrace/hive/server"
)

// Store is a server.Store in a SQLite file. It is safe for concurrent use;
// every method blocks on the database and honours ctx (a write honours it
// until the write starts: see Open).
type Store struct {
	cfg config
	wdb *sql.DB // the writer's one connection
	w   *writer
	rdb *sql.DB // read-only connections
}

var _ server.Store = (*Store)(nil)

// Open opens (creating it when missing) the SQLite database at path and
// brings its schema to the current version. The file is put in WAL mode.
//
// Every write of the Store runs on one connection, in one goroutine: write
// calls made at the same time are queued and committed together in one
// transaction, each inside its own savepoint, so a call that fails is rolled
// back alone. A call returns once the transaction holding its work is
// committed; its context is checked before the call starts, not while it
// runs. Reads run on a pool of read-only connections (WithReadConns), beside
// the writer. Other processes may use the same file: the writer waits for
// their write lock (WithBusyTimeout, then again while its callers wait), so
// a write does not fail with SQLITE_BUSY.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" {
		return nil, errors.New("empty database path: give a SQLite file path")
	}
	if strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") || path == ":memory:" {
		return nil, fmt.Errorf("database %q: give a plain file path (no URI, query or :memory:)", path)
	}
	cfg := newConfig(opts)
	busy := cfg.busyTimeout.Milliseconds()
	wdb, err := sql.Open("sqlite", fmt.Sprintf("%s?_busy_timeout=%d&_journal_mode=WAL&_foreign_keys=1&_synchronous=NORMAL&_pragma=temp_store(MEMORY)"+
		"&_pragma=cache_size(-%d)&_pragma=wal_autocheckpoint(%d)", path, busy, writerCacheKiB, walCheckpointPages))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	conn, err := wdb.Conn(ctx)
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := migrate(ctx, conn); err != nil {
		_ = conn.Close()
		_ = wdb.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	rdb, err := sql.Open("sqlite", fmt.Sprintf("%s?_busy_timeout=%d&_query_only=1", path, busy))
	if err == nil {
		rdb.SetMaxOpenConns(cfg.readConns)
		rdb.SetMaxIdleConns(cfg.readConns)
		err = rdb.PingContext(ctx)
		if err != nil {
			_ = rdb.Close()
		}
	}
	if err != nil {
		_ = conn.Close()
		_ = wdb.Close()
		return nil, fmt.Errorf("open database %s for reading: %w", path, err)
	}
	return &Store{cfg: cfg, wdb: wdb, w: newWriter(conn), rdb: rdb}, nil
}

// Settings of the writing connection, measured with the OTLP ingest
// benchmark of package server (records of whole runs, 512-span exports):
// SQLite's defaults (a 2-MiB page cache, a checkpoint every 1 000 pages)
// gave 50 000 boundary spans/s, these 74 000. The cache keeps the index pages
// the inserts walk; the rarer checkpoints copy each page to the database
// once for many commits. The write-ahead log grows to about 32 MiB between
// checkpoints.
const (
	writerCacheKiB     = 16 << 10 // page cache of the writing connection
	walCheckpointPages = 8000     // pages in the write-ahead log before a checkpoint
)

// Close runs the writes already queued, then closes the database. Writes
// called after Close fail.
func (s *Store) Close() error {
	s.w.close()
	err := errors.Join(s.w.conn.Close(), s.wdb.Close(), s.rdb.Close())
	if err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// stamp returns t, or the store clock's time when t is zero, as the store
// reads it back (UTC, nanoseconds).
func (s *Store) stamp(t time.Time) time.Time {
	if t.IsZero() {
		t = s.cfg.clock()
	}
	return fromNanos(nanos(t))
}

// Statements of the writer, prepared once on its connection.
const (
	selectProject = `SELECT uuid, name, description, created_at FROM projects WHERE uuid = ?`
	insertProject = `INSERT INTO projects (uuid, name, description, created_at) VALUES (?, ?, ?, ?)`
	updateProject = `UPDATE projects SET name = ?, description = ? WHERE uuid = ?`

	taskColumns      = `project_uuid, uuid, name, invoke_url, created_at, description`
	selectTaskByName = `SELECT ` + taskColumns + ` FROM tasks WHERE project_uuid = ? AND name = ?`
	selectTaskByUUID = `SELECT ` + taskColumns + ` FROM tasks WHERE project_uuid = ? AND uuid = ?`
	insertTask       = `INSERT INTO tasks (` + taskColumns + `) VALUES (?, ?, ?, ?, ?, ?)`
	updateTask       = `UPDATE tasks SET uuid = ?, invoke_url = ? WHERE project_uuid = ? AND name = ?`

	logColumns   = `l.project_uuid, p.name, l.task_name, l.task_uuid, l.uuid, l.record, l.replay_from, l.quality, l.created_at`
	logFrom      = ` FROM logs l JOIN projects p ON p.uuid = l.project_uuid `
	selectLog    = `SELECT ` + logColumns + logFrom + `WHERE l.project_uuid = ? AND l.task_name = ? AND l.uuid = ?`
	selectLogAny = `SELECT ` + logColumns + logFrom + `WHERE l.task_name = ? AND l.uuid = ? LIMIT 2`
	// insertLog takes the record as bytes and stores it as text, so that
	// the record is not copied into a Go string first.
	// The summary columns (summary.go) are filled with the record.
	insertLog = `INSERT INTO logs (project_uuid, task_name, uuid, task_uuid, record, replay_from, quality, created_at, outcome, run_start, duration, quality_score)
		VALUES (?, ?, ?, ?, CAST(? AS TEXT), ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_uuid, task_name, uuid) DO NOTHING`
	updateQuality = `UPDATE logs SET quality = ?, quality_score = ? WHERE project_uuid = ? AND task_name = ? AND uuid = ?`
)

// EnsureProject implements server.Store.
func (s *Store) EnsureProject(ctx context.Context, p server.Project) (server.Project, bool, error) {
	var out server.Project
	var created bool
	err := s.w.do(ctx, func(tx *wtx) error {
		existing, err := scanProject(tx.queryRow(selectProject, p.UUID), p.UUID)
		if !errors.Is(err, server.ErrNotStored) {
			out = existing
			return err
		}
		p.CreatedAt = s.stamp(p.CreatedAt)
		if _, err := tx.exec(insertProject, p.UUID, p.Name, p.Description, nanos(p.CreatedAt)); err != nil {
			return err
		}
		out, created = p, true
		return nil
	})
	if err != nil {
		return server.Project{}, false, wrap("ensure project", err)
	}
	return out, created, nil
}

// UpdateProject implements server.Store.
func (s *Store) UpdateProject(ctx context.Context, p server.Project) error {
	return wrap("update project", s.w.do(ctx, func(tx *wtx) error {
		res, err := tx.exec(updateProject, p.Name, p.Description, p.UUID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("project %q: %w", p.UUID, server.ErrNotStored)
		}
		return nil
	}))
}

// GetProject implements server.Store.
func (s *Store) GetProject(ctx context.Context, uuid string) (server.Project, error) {
	p, err := scanProject(s.rdb.QueryRowContext(ctx, selectProject, uuid), uuid)
	return p, wrap("get project", err)
}

// scanProject reads a project row; no row is an error wrapping
// server.ErrNotStored.
func scanProject(row rowScanner, uuid string) (server.Project, error) {
	var p server.Project
	var created int64
	err := row.Scan(&p.UUID, &p.Name, &p.Description, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return server.Project{}, fmt.Errorf("project %q: %w", uuid, server.ErrNotStored)
	}
	if err != nil {
		return server.Project{}, err
	}
	p.CreatedAt = fromNanos(created)
	return p, nil
}

func scanTask(sc rowScanner) (server.RegisteredTask, error) {
	var t server.RegisteredTask
	var created int64
	if err := sc.Scan(&t.ProjectUUID, &t.UUID, &t.Name, &t.InvokeURL, &created, &t.Description); err != nil {
		return server.RegisteredTask{}, err
	}
	t.CreatedAt = fromNanos(created)
	return t, nil
}

// lookupTask returns the project's task found by query (selectTaskByName or
// selectTaskByUUID), and whether there is one.
func lookupTask(tx *wtx, query, projectUUID, key string) (server.RegisteredTask, bool, error) {
	t, err := scanTask(tx.queryRow(query, projectUUID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return server.RegisteredTask{}, false, nil
	}
	return t, err == nil, err
}

// projectExists fails with server.ErrNotStored when the project does not
// exist.
func projectExists(tx *wtx, uuid string) error {
	_, err := scanProject(tx.queryRow(selectProject, uuid), uuid)
	return err
}

// EnsureTask implements server.Store.
func (s *Store) EnsureTask(ctx context.Context, t server.RegisteredTask) (server.RegisteredTask, bool, error) {
	var out server.RegisteredTask
	var created bool
	err := s.w.do(ctx, func(tx *wtx) error {
		if err := projectExists(tx, t.ProjectUUID); err != nil {
			return err
		}
		existing, found, err := lookupTask(tx, selectTaskByName, t.ProjectUUID, t.Name)
		if err != nil || found {
			out = existing
			return err
		}
		if owner, taken, err := lookupTask(tx, selectTaskByUUID, t.ProjectUUID, t.UUID); err != nil {
			return err
		} else if taken {
			return fmt.Errorf("task uuid %q is used by task %q: %w", t.UUID, owner.Name, server.ErrConflict)
		}
		t.CreatedAt = s.stamp(t.CreatedAt)
		if _, err := tx.exec(insertTask, t.ProjectUUID, t.UUID, t.Name, t.InvokeURL, nanos(t.CreatedAt), t.Description); err != nil {
			return err
		}
		out, created = t, true
		return nil
	})
	if err != nil {
		return server.RegisteredTask{}, false, wrap("ensure task", err)
	}
	return out, created, nil
}

// PutTask implements server.Store.
func (s *Store) PutTask(ctx context.Context, t server.RegisteredTask) (bool, error) {
	var created bool
	err := s.w.do(ctx, func(tx *wtx) error {
		if err := projectExists(tx, t.ProjectUUID); err != nil {
			return err
		}
		if owner, taken, err := lookupTask(tx, selectTaskByUUID, t.ProjectUUID, t.UUID); err != nil {
			return err
		} else if taken && owner.Name != t.Name {
			return fmt.Errorf("task uuid %q is used by task %q: %w", t.UUID, owner.Name, server.ErrConflict)
		}
		res, err := tx.exec(updateTask, t.UUID, t.InvokeURL, t.ProjectUUID, t.Name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		if _, err := tx.exec(insertTask, t.ProjectUUID, t.UUID, t.Name, t.InvokeURL, nanos(s.stamp(t.CreatedAt)), t.Description); err != nil {
			return err
		}
		created = true
		return nil
	})
	return created, wrap("put task", err)
}

// GetTask implements server.Store.
func (s *Store) GetTask(ctx context.Context, projectUUID, taskUUID string) (server.RegisteredTask, error) {
	t, err := scanTask(s.rdb.QueryRowContext(ctx, selectTaskByUUID, projectUUID, taskUUID))
	if errors.Is(err, sql.ErrNoRows) {
		return server.RegisteredTask{}, fmt.Errorf("task %q in project %q: %w", taskUUID, projectUUID, server.ErrNotStored)
	}
	return t, wrap("get task", err)
}

// ListTasks implements server.Store.
func (s *Store) ListTasks(ctx context.Context, projectUUID string) ([]server.RegisteredTask, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE project_uuid = ? ORDER BY name`, projectUUID)
	if err != nil {
		return nil, wrap("list tasks", err)
	}
	defer rows.Close()
	out := []server.RegisteredTask{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, wrap("list tasks", err)
		}
		out = append(out, t)
	}
	return out, wrap("list tasks", rows.Err())
}

// logRow is the destination of a scanned record row. Its buffers are reused
// from row to row.
type logRow struct {
	e       server.StoredLog
	record  sql.RawBytes
	quality sql.RawBytes
	created int64
}

func (r *logRow) dest() []any {
	e := &r.e
	return []any{&e.ProjectUUID, &e.ProjectName, &e.TaskName, &e.TaskUUID, &e.UUID, &r.record, &e.ReplayFrom, &r.quality, &r.created}
}

// scan reads the current row of rows; the entry's Record and Quality are
// valid until the next row is read.
func (r *logRow) scan(rows *sql.Rows) (server.StoredLog, error) {
	if err := rows.Scan(r.dest()...); err != nil {
		return server.StoredLog{}, err
	}
	e := r.e
	e.Record = json.RawMessage(r.record)
	e.Quality = nil
	if r.quality != nil {
		e.Quality = json.RawMessage(r.quality)
	}
	e.CreatedAt = fromNanos(r.created)
	return e, nil
}

// scanLog reads one record row into an entry of its own.
func scanLog(sc rowScanner) (server.StoredLog, error) {
	var e server.StoredLog
	var record string
	var quality sql.NullString
	var created int64
	if err := sc.Scan(&e.ProjectUUID, &e.ProjectName, &e.TaskName, &e.TaskUUID, &e.UUID, &record, &e.ReplayFrom, &quality, &created); err != nil {
		return server.StoredLog{}, err
	}
	e.Record = json.RawMessage(record)
	if quality.Valid {
		e.Quality = json.RawMessage(quality.String)
	}
	e.CreatedAt = fromNanos(created)
	return e, nil
}

// querier is what a read connection pool and a write call have in common for
// resolve.
type querier interface {
	queryRow(query string, args ...any) *sql.Row
	query(query string, args ...any) (*sql.Rows, error)
}

// reader runs read queries on the read pool with ctx.
type reader struct {
	ctx context.Context
	db  *sql.DB
}

func (r reader) queryRow(query string, args ...any) *sql.Row {
	return r.db.QueryRowContext(r.ctx, query, args...)
}

func (r reader) query(query string, args ...any) (*sql.Rows, error) {
	return r.db.QueryContext(r.ctx, query, args...)
}

// resolve returns the stored entry for key, searching every project when
// key.ProjectUUID is empty.
func resolve(q querier, key server.LogKey) (server.StoredLog, error) {
	if key.ProjectUUID != "" {
		e, err := scanLog(q.queryRow(selectLog, key.ProjectUUID, key.TaskName, key.UUID))
		if errors.Is(err, sql.ErrNoRows) {
			return server.ResolveLog(key, nil)
		}
		return e, err
	}
	rows, err := q.query(selectLogAny, key.TaskName, key.UUID)
	if err != nil {
		return server.StoredLog{}, err
	}
	defer rows.Close()
	var found []server.StoredLog
	for rows.Next() {
		e, err := scanLog(rows)
		if err != nil {
			return server.StoredLog{}, err
		}
		found = append(found, e)
	}
	if err := rows.Err(); err != nil {
		return server.StoredLog{}, err
	}
	return server.ResolveLog(key, found)
}

// GetLog implements server.Store.
func (s *Store) GetLog(ctx context.Context, key server.LogKey) (server.StoredLog, error) {
	e, err := resolve(reader{ctx: ctx, db: s.rdb}, key)
	return e, wrap("get log", err)
}

// listQuery returns the query that lists the records q selects, newest
// first, and its arguments. Both forms read an index in listing order
// (logs_by_task_newest across projects, logs_by_project_task_newest within
// one), so a page costs its own rows, not a sort of the task's records.
// The indexes hold the summary columns the filters test, so a record left
// out by a filter is never read.
func listQuery(q server.LogQuery) (string, []any) {
	query := `SELECT ` + logColumns + logFrom + `WHERE l.task_name = ?`
	args := []any{q.TaskName}
	if q.ProjectUUID != "" {
		query += ` AND l.project_uuid = ?`
		args = append(args, q.ProjectUUID)
	}
	if q.Type != "" {
		query += ` AND l.outcome = ?`
		args = append(args, q.Type)
	}
	if !q.Since.IsZero() {
		query += ` AND l.run_start >= ?`
		args = append(args, server.BoundNanos(q.Since))
	}
	if !q.Until.IsZero() {
		query += ` AND l.run_start < ?`
		args = append(args, server.BoundNanos(q.Until))
	}
	if q.MinQuality != nil {
		query += ` AND l.quality_score >= ?`
		args = append(args, *q.MinQuality)
	}
	if q.Before != nil {
		query += ` AND (l.created_at, l.project_uuid, l.uuid) < (?, ?, ?)`
		args = append(args, nanos(q.Before.CreatedAt), q.Before.ProjectUUID, q.Before.UUID)
	}
	query += ` ORDER BY l.created_at DESC, l.project_uuid DESC, l.uuid DESC`
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	return query, args
}

// EachLog implements server.Store: the rows are read one at a time from a
// read connection, each record into a buffer reused for the next.
func (s *Store) EachLog(ctx context.Context, q server.LogQuery, fn func(server.StoredLog) error) error {
	query, args := listQuery(q)
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return wrap("list logs", err)
	}
	defer rows.Close()
	var row logRow
	for rows.Next() {
		e, err := row.scan(rows)
		if err != nil {
			return wrap("list logs", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return wrap("list logs", rows.Err())
}

// ListLogs implements server.Store.
func (s *Store) ListLogs(ctx context.Context, q server.LogQuery) ([]server.StoredLog, error) {
	out := []server.StoredLog{}
	err := s.EachLog(ctx, q, func(e server.StoredLog) error {
		e.Record = bytes.Clone(e.Record)
		e.Quality = bytes.Clone(e.Quality)
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetQuality implements server.Store.
func (s *Store) SetQuality(ctx context.Context, key server.LogKey, quality json.RawMessage) error {
	return wrap("set quality", s.w.do(ctx, func(tx *wtx) error {
		e, err := resolve(tx, key)
		if err != nil {
			return err
		}
		_, err = tx.exec(updateQuality, string(quality), qualityScore(quality), e.ProjectUUID, e.TaskName, e.UUID)
		return err
	}))
}

// wrap prefixes a storage failure with the operation. An error about the
// data (server.ErrNotStored, ErrConflict, ErrAmbiguous, ErrInvalid) names
// what is wrong already and is returned as is: the server answers it to
// clients, who have no use for the store's internals.
func wrap(op string, err error) error {
	if err == nil || server.IsDataError(err) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface{ Scan(dest ...any) error }
