package sqlitestore

import (
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
// every method blocks on the database and honours ctx.
type Store struct {
	db  *sql.DB
	cfg config
}

var _ server.Store = (*Store)(nil)

// Open opens (creating it when missing) the SQLite database at path and
// brings its schema to the current version. The file is put in WAL mode with
// foreign keys on and a busy timeout (WithBusyTimeout); write transactions
// take the write lock when they begin, so concurrent writers wait for each
// other instead of failing.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlitestore: empty database path")
	}
	if strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") || path == ":memory:" {
		return nil, fmt.Errorf("sqlitestore: %q: give a plain file path (no URI, query or :memory:)", path)
	}
	cfg := newConfig(opts)
	dsn := fmt.Sprintf("%s?_busy_timeout=%d&_journal_mode=WAL&_foreign_keys=1&_synchronous=NORMAL&_txlock=immediate",
		path, cfg.busyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	if err := migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlitestore: %s: %w", path, err)
	}
	return &Store{db: db, cfg: cfg}, nil
}

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("sqlitestore: close: %w", err)
	}
	return nil
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// stamp returns t, or the store clock's time when t is zero.
func (s *Store) stamp(t time.Time) time.Time {
	if t.IsZero() {
		return s.cfg.clock()
	}
	return t
}

// EnsureProject implements server.Store.
func (s *Store) EnsureProject(ctx context.Context, p server.Project) (server.Project, bool, error) {
	var out server.Project
	var created bool
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`INSERT INTO projects (uuid, name, description, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (uuid) DO NOTHING`,
			p.UUID, p.Name, p.Description, nanos(s.stamp(p.CreatedAt)))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		created = n == 1
		out, err = getProject(ctx, tx, p.UUID)
		return err
	})
	if err != nil {
		return server.Project{}, false, wrap("ensure project", err)
	}
	return out, created, nil
}

// UpdateProject implements server.Store.
func (s *Store) UpdateProject(ctx context.Context, p server.Project) error {
	res, err := s.db.ExecContext(ctx, `UPDATE projects SET name = ?, description = ? WHERE uuid = ?`, p.Name, p.Description, p.UUID)
	if err != nil {
		return wrap("update project", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap("update project", err)
	} else if n == 0 {
		return fmt.Errorf("sqlitestore: project %q: %w", p.UUID, server.ErrNotStored)
	}
	return nil
}

// GetProject implements server.Store.
func (s *Store) GetProject(ctx context.Context, uuid string) (server.Project, error) {
	p, err := getProject(ctx, s.db, uuid)
	return p, wrap("get project", err)
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func getProject(ctx context.Context, q querier, uuid string) (server.Project, error) {
	var p server.Project
	var created int64
	err := q.QueryRowContext(ctx, `SELECT uuid, name, description, created_at FROM projects WHERE uuid = ?`, uuid).
		Scan(&p.UUID, &p.Name, &p.Description, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return server.Project{}, fmt.Errorf("project %q: %w", uuid, server.ErrNotStored)
	}
	if err != nil {
		return server.Project{}, err
	}
	p.CreatedAt = fromNanos(created)
	return p, nil
}

// projectExists fails with ErrNotStored when the project does not exist.
func projectExists(ctx context.Context, q querier, uuid string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM projects WHERE uuid = ?`, uuid).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("project %q: %w", uuid, server.ErrNotStored)
	}
	return err
}

const taskColumns = `project_uuid, uuid, name, invoke_url, created_at`

func scanTask(sc rowScanner) (server.RegisteredTask, error) {
	var t server.RegisteredTask
	var created int64
	if err := sc.Scan(&t.ProjectUUID, &t.UUID, &t.Name, &t.InvokeURL, &created); err != nil {
		return server.RegisteredTask{}, err
	}
	t.CreatedAt = fromNanos(created)
	return t, nil
}

// taskUUIDOwner returns the name of the project's task with the uuid, or "".
func taskUUIDOwner(ctx context.Context, q querier, projectUUID, uuid string) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, `SELECT name FROM tasks WHERE project_uuid = ? AND uuid = ?`, projectUUID, uuid).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return name, err
}

// EnsureTask implements server.Store.
func (s *Store) EnsureTask(ctx context.Context, t server.RegisteredTask) (server.RegisteredTask, bool, error) {
	var out server.RegisteredTask
	var created bool
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := projectExists(ctx, tx, t.ProjectUUID); err != nil {
			return err
		}
		row := tx.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE project_uuid = ? AND name = ?`, t.ProjectUUID, t.Name)
		existing, err := scanTask(row)
		if err == nil {
			out = existing
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if owner, err := taskUUIDOwner(ctx, tx, t.ProjectUUID, t.UUID); err != nil {
			return err
		} else if owner != "" {
			return fmt.Errorf("task uuid %q is used by task %q: %w", t.UUID, owner, server.ErrConflict)
		}
		t.CreatedAt = s.stamp(t.CreatedAt)
		if _, err := tx.ExecContext(ctx, `INSERT INTO tasks (`+taskColumns+`) VALUES (?, ?, ?, ?, ?)`,
			t.ProjectUUID, t.UUID, t.Name, t.InvokeURL, nanos(t.CreatedAt)); err != nil {
			return err
		}
		out, created = t, true
		out.CreatedAt = fromNanos(nanos(t.CreatedAt))
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
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := projectExists(ctx, tx, t.ProjectUUID); err != nil {
			return err
		}
		if owner, err := taskUUIDOwner(ctx, tx, t.ProjectUUID, t.UUID); err != nil {
			return err
		} else if owner != "" && owner != t.Name {
			return fmt.Errorf("task uuid %q is used by task %q: %w", t.UUID, owner, server.ErrConflict)
		}
		res, err := tx.ExecContext(ctx, `UPDATE tasks SET uuid = ?, invoke_url = ? WHERE project_uuid = ? AND name = ?`,
			t.UUID, t.InvokeURL, t.ProjectUUID, t.Name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO tasks (`+taskColumns+`) VALUES (?, ?, ?, ?, ?)`,
			t.ProjectUUID, t.UUID, t.Name, t.InvokeURL, nanos(s.stamp(t.CreatedAt)))
		created = err == nil
		return err
	})
	return created, wrap("put task", err)
}

// GetTask implements server.Store.
func (s *Store) GetTask(ctx context.Context, projectUUID, taskUUID string) (server.RegisteredTask, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE project_uuid = ? AND uuid = ?`, projectUUID, taskUUID)
	t, err := scanTask(row)
	if errors.Is(err, sql.ErrNoRows) {
		return server.RegisteredTask{}, fmt.Errorf("sqlitestore: task %q in project %q: %w", taskUUID, projectUUID, server.ErrNotStored)
	}
	return t, wrap("get task", err)
}

// ListTasks implements server.Store.
func (s *Store) ListTasks(ctx context.Context, projectUUID string) ([]server.RegisteredTask, error) {
	return queryAll(ctx, s.db, "list tasks", scanTask,
		`SELECT `+taskColumns+` FROM tasks WHERE project_uuid = ? ORDER BY name`, projectUUID)
}

const logColumns = `l.project_uuid, p.name, l.task_name, l.task_uuid, l.uuid, l.record, l.replay_from, l.quality, l.created_at`
const logFrom = ` FROM logs l JOIN projects p ON p.uuid = l.project_uuid `

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

// PutLog implements server.Store.
func (s *Store) PutLog(ctx context.Context, e server.StoredLog) (server.StoredLog, bool, error) {
	var out server.StoredLog
	var created bool
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		w, err := s.newLogWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		out, created, err = w.put(ctx, e)
		return err
	})
	if err != nil {
		return server.StoredLog{}, false, wrap("put log", err)
	}
	return out, created, nil
}

// PutLogs implements server.Store: one write transaction for the batch.
func (s *Store) PutLogs(ctx context.Context, entries []server.StoredLog) ([]server.PutLogResult, error) {
	out := make([]server.PutLogResult, len(entries))
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		w, err := s.newLogWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		for i, e := range entries {
			r := &out[i]
			r.Entry, r.Created, r.Err = w.put(ctx, e)
			if r.Err != nil && !errors.Is(r.Err, server.ErrNotStored) {
				return r.Err // a storage failure: the whole batch is rolled back
			}
			if r.Err != nil {
				r.Err = wrap("put log", r.Err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("put logs", err)
	}
	return out, nil
}

// logWriter stores records within one transaction, with its statements
// prepared once and the tasks it has seen remembered.
type logWriter struct {
	s      *Store
	tx     *sql.Tx
	insert *sql.Stmt
	read   *sql.Stmt
	tasks  map[[2]string]bool // (project uuid, task name) known to exist
}

func (s *Store) newLogWriter(ctx context.Context, tx *sql.Tx) (*logWriter, error) {
	insert, err := tx.PrepareContext(ctx, `INSERT INTO logs (project_uuid, task_name, uuid, task_uuid, record, replay_from, quality, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_uuid, task_name, uuid) DO NOTHING`)
	if err != nil {
		return nil, err
	}
	read, err := tx.PrepareContext(ctx, `SELECT `+logColumns+logFrom+`WHERE l.project_uuid = ? AND l.task_name = ? AND l.uuid = ?`)
	if err != nil {
		_ = insert.Close()
		return nil, err
	}
	return &logWriter{s: s, tx: tx, insert: insert, read: read, tasks: map[[2]string]bool{}}, nil
}

func (w *logWriter) close() {
	_ = w.insert.Close()
	_ = w.read.Close()
}

// put stores e unless its key is stored, and returns the stored entry. A
// missing project or task is an error wrapping server.ErrNotStored.
func (w *logWriter) put(ctx context.Context, e server.StoredLog) (server.StoredLog, bool, error) {
	if err := w.taskExists(ctx, e.ProjectUUID, e.TaskName); err != nil {
		return server.StoredLog{}, false, err
	}
	var quality any
	if e.Quality != nil {
		quality = string(e.Quality)
	}
	res, err := w.insert.ExecContext(ctx, e.ProjectUUID, e.TaskName, e.UUID, e.TaskUUID, string(e.Record), e.ReplayFrom, quality,
		nanos(w.s.stamp(e.CreatedAt)))
	if err != nil {
		return server.StoredLog{}, false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return server.StoredLog{}, false, err
	}
	out, err := scanLog(w.read.QueryRowContext(ctx, e.ProjectUUID, e.TaskName, e.UUID))
	if err != nil {
		return server.StoredLog{}, false, err
	}
	return out, n == 1, nil
}

// taskExists fails with server.ErrNotStored when the project or its task
// named name does not exist.
func (w *logWriter) taskExists(ctx context.Context, projectUUID, name string) error {
	key := [2]string{projectUUID, name}
	if w.tasks[key] {
		return nil
	}
	if err := projectExists(ctx, w.tx, projectUUID); err != nil {
		return err
	}
	var one int
	err := w.tx.QueryRowContext(ctx, `SELECT 1 FROM tasks WHERE project_uuid = ? AND name = ?`, projectUUID, name).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("task %q in project %q: %w", name, projectUUID, server.ErrNotStored)
	} else if err != nil {
		return err
	}
	w.tasks[key] = true
	return nil
}

// resolve returns the stored entry for key, searching every project when
// key.ProjectUUID is empty.
func resolve(ctx context.Context, q querier, key server.LogKey) (server.StoredLog, error) {
	notFound := fmt.Errorf("record %q of task %q: %w", key.UUID, key.TaskName, server.ErrNotStored)
	if key.ProjectUUID != "" {
		e, err := scanLog(q.QueryRowContext(ctx, `SELECT `+logColumns+logFrom+
			`WHERE l.project_uuid = ? AND l.task_name = ? AND l.uuid = ?`, key.ProjectUUID, key.TaskName, key.UUID))
		if errors.Is(err, sql.ErrNoRows) {
			return server.StoredLog{}, notFound
		}
		return e, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+logColumns+logFrom+`WHERE l.task_name = ? AND l.uuid = ? LIMIT 2`, key.TaskName, key.UUID)
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
	switch len(found) {
	case 0:
		return server.StoredLog{}, notFound
	case 1:
		return found[0], nil
	default:
		return server.StoredLog{}, fmt.Errorf("record %q of task %q: %w", key.UUID, key.TaskName, server.ErrAmbiguous)
	}
}

// GetLog implements server.Store.
func (s *Store) GetLog(ctx context.Context, key server.LogKey) (server.StoredLog, error) {
	e, err := resolve(ctx, s.db, key)
	return e, wrap("get log", err)
}

// ListLogs implements server.Store.
func (s *Store) ListLogs(ctx context.Context, q server.LogQuery) ([]server.StoredLog, error) {
	query := `SELECT ` + logColumns + logFrom + `WHERE l.task_name = ?`
	args := []any{q.TaskName}
	if q.ProjectUUID != "" {
		query += ` AND l.project_uuid = ?`
		args = append(args, q.ProjectUUID)
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
	return queryAll(ctx, s.db, "list logs", scanLog, query, args...)
}

// queryAll runs a query and scans every row with scan; op names the
// operation in errors. The result is never nil.
func queryAll[T any](ctx context.Context, db *sql.DB, op string, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, v)
	}
	return out, wrap(op, rows.Err())
}

// SetQuality implements server.Store.
func (s *Store) SetQuality(ctx context.Context, key server.LogKey, quality json.RawMessage) error {
	return wrap("set quality", inTx(ctx, s.db, func(tx *sql.Tx) error {
		e, err := resolve(ctx, tx, key)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE logs SET quality = ? WHERE project_uuid = ? AND task_name = ? AND uuid = ?`,
			string(quality), e.ProjectUUID, e.TaskName, e.UUID)
		return err
	}))
}

// wrap prefixes a non-nil error with the package and operation.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("sqlitestore: %s: %w", op, err)
}

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface{ Scan(dest ...any) error }
