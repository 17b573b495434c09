package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hivetrace/hivetrace/hive/server"
)

// Store is a server.Store in a PostgreSQL database. It is safe for
// concurrent use, and several Stores (in several processes) may share one
// database. Every method blocks on the database and honours ctx.
type Store struct {
	cfg  config
	pool *pgxpool.Pool
}

var _ server.Store = (*Store)(nil)

// Open connects to the PostgreSQL database at dsn (a URL or a key=value
// connection string, as pgx reads it) with a pool of connections
// (WithMaxConns), and brings the schema to the current version: in one
// transaction holding an advisory lock, so that servers starting at the same
// time migrate it once.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	cfg := newConfig(opts)
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database connection string: %w", err)
	}
	if cfg.maxConns > 0 {
		pcfg.MaxConns = cfg.maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	err = pool.AcquireFunc(ctx, func(c *pgxpool.Conn) error { return migrate(ctx, c.Conn()) })
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("prepare the database: %w", err)
	}
	return &Store{cfg: cfg, pool: pool}, nil
}

// Close waits for the connections in use to be released, then closes them
// all.
func (s *Store) Close() error {
	s.pool.Close()
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

// Statements on projects, tasks and records.
const (
	selectProject = `SELECT uuid, name, description, created_at FROM projects WHERE uuid = $1`
	insertProject = `INSERT INTO projects (uuid, name, description, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (uuid) DO NOTHING`
	updateProject = `UPDATE projects SET name = $1, description = $2 WHERE uuid = $3`

	taskColumns      = `project_uuid, uuid, name, invoke_url, created_at, description`
	selectTaskByName = `SELECT ` + taskColumns + ` FROM tasks WHERE project_uuid = $1 AND name = $2`
	selectTaskByUUID = `SELECT ` + taskColumns + ` FROM tasks WHERE project_uuid = $1 AND uuid = $2`
	// insertTask does nothing when the project has a task of the name or
	// of the uuid already: the caller tells which by looking.
	insertTask = `INSERT INTO tasks (` + taskColumns + `) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`
	updateTask = `UPDATE tasks SET uuid = $1, invoke_url = $2 WHERE project_uuid = $3 AND name = $4`

	logColumns    = `l.project_uuid, p.name, l.task_name, l.task_uuid, l.uuid, l.record, l.replay_from, l.quality, l.created_at`
	logFrom       = ` FROM logs l JOIN projects p ON p.uuid = l.project_uuid `
	selectLog     = `SELECT ` + logColumns + logFrom + `WHERE l.project_uuid = $1 AND l.task_name = $2 AND l.uuid = $3`
	selectLogAny  = `SELECT ` + logColumns + logFrom + `WHERE l.task_name = $1 AND l.uuid = $2 LIMIT 2`
	updateQuality = `UPDATE logs SET quality = $1, quality_score = $2 WHERE project_uuid = $3 AND task_name = $4 AND uuid = $5`
)

// EnsureProject implements server.Store.
func (s *Store) EnsureProject(ctx context.Context, p server.Project) (server.Project, bool, error) {
	p.CreatedAt = s.stamp(p.CreatedAt)
	var out server.Project
	var created bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, insertProject, p.UUID, p.Name, p.Description, nanos(p.CreatedAt))
		if err != nil {
			return err
		}
		if created = tag.RowsAffected() == 1; created {
			out = p
			return nil
		}
		out, err = scanProject(tx.QueryRow(ctx, selectProject, p.UUID), p.UUID)
		return err
	})
	if err != nil {
		return server.Project{}, false, wrap("ensure project", err)
	}
	return out, created, nil
}

// UpdateProject implements server.Store.
func (s *Store) UpdateProject(ctx context.Context, p server.Project) error {
	tag, err := s.pool.Exec(ctx, updateProject, p.Name, p.Description, p.UUID)
	if err == nil && tag.RowsAffected() == 0 {
		err = fmt.Errorf("project %q: %w", p.UUID, server.ErrNotStored)
	}
	return wrap("update project", err)
}

// GetProject implements server.Store.
func (s *Store) GetProject(ctx context.Context, uuid string) (server.Project, error) {
	p, err := scanProject(s.pool.QueryRow(ctx, selectProject, uuid), uuid)
	return p, wrap("get project", err)
}

// scanProject reads a project row; no row is an error wrapping
// server.ErrNotStored.
func scanProject(row pgx.Row, uuid string) (server.Project, error) {
	var p server.Project
	var created int64
	err := row.Scan(&p.UUID, &p.Name, &p.Description, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return server.Project{}, fmt.Errorf("project %q: %w", uuid, server.ErrNotStored)
	}
	if err != nil {
		return server.Project{}, err
	}
	p.CreatedAt = fromNanos(created)
	return p, nil
}

func scanTask(row pgx.Row) (server.RegisteredTask, error) {
	var t server.RegisteredTask
	var created int64
	if err := row.Scan(&t.ProjectUUID, &t.UUID, &t.Name, &t.InvokeURL, &created, &t.Description); err != nil {
		return server.RegisteredTask{}, err
	}
	t.CreatedAt = fromNanos(created)
	return t, nil
}

// lookupTask returns the project's task found by query (selectTaskByName or
// selectTaskByUUID), and whether there is one.
func lookupTask(ctx context.Context, tx pgx.Tx, query, projectUUID, key string) (server.RegisteredTask, bool, error) {
	t, err := scanTask(tx.QueryRow(ctx, query, projectUUID, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return server.RegisteredTask{}, false, nil
	}
	return t, err == nil, err
}

// lockProject fails with server.ErrNotStored when the project does not
// exist, and otherwise locks it until the transaction ends (FOR NO KEY
// UPDATE: records and tasks of the project may still be inserted), so that
// EnsureTask and PutTask calls on one project run one at a time.
func lockProject(ctx context.Context, tx pgx.Tx, uuid string) error {
	_, err := scanProject(tx.QueryRow(ctx, selectProject+` FOR NO KEY UPDATE`, uuid), uuid)
	return err
}

// errTaskRace fails the transaction of an EnsureTask or PutTask whose task
// an Ingest registered between the lookups and the insert: inTx runs it
// again, and the lookups then find that task.
var errTaskRace = &pgconn.PgError{Code: "40001", Message: "task registered by a concurrent transaction"}

// EnsureTask implements server.Store.
func (s *Store) EnsureTask(ctx context.Context, t server.RegisteredTask) (server.RegisteredTask, bool, error) {
	t.CreatedAt = s.stamp(t.CreatedAt)
	var out server.RegisteredTask
	var created bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		out, created = server.RegisteredTask{}, false
		if err := lockProject(ctx, tx, t.ProjectUUID); err != nil {
			return err
		}
		existing, found, err := lookupTask(ctx, tx, selectTaskByName, t.ProjectUUID, t.Name)
		if err != nil || found {
			out = existing
			return err
		}
		if owner, taken, err := lookupTask(ctx, tx, selectTaskByUUID, t.ProjectUUID, t.UUID); err != nil {
			return err
		} else if taken {
			return fmt.Errorf("task uuid %q is used by task %q: %w", t.UUID, owner.Name, server.ErrConflict)
		}
		tag, err := tx.Exec(ctx, insertTask, t.ProjectUUID, t.UUID, t.Name, t.InvokeURL, nanos(t.CreatedAt), t.Description)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			// An Ingest registered the name or took the uuid meanwhile.
			return errTaskRace
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
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		created = false
		if err := lockProject(ctx, tx, t.ProjectUUID); err != nil {
			return err
		}
		if owner, taken, err := lookupTask(ctx, tx, selectTaskByUUID, t.ProjectUUID, t.UUID); err != nil {
			return err
		} else if taken && owner.Name != t.Name {
			return fmt.Errorf("task uuid %q is used by task %q: %w", t.UUID, owner.Name, server.ErrConflict)
		}
		tag, err := tx.Exec(ctx, updateTask, t.UUID, t.InvokeURL, t.ProjectUUID, t.Name)
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		tag, err = tx.Exec(ctx, insertTask, t.ProjectUUID, t.UUID, t.Name, t.InvokeURL, nanos(s.stamp(t.CreatedAt)), t.Description)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			// An Ingest registered the name or took the uuid meanwhile.
			return errTaskRace
		}
		created = true
		return nil
	})
	return created, wrap("put task", err)
}

// GetTask implements server.Store.
func (s *Store) GetTask(ctx context.Context, projectUUID, taskUUID string) (server.RegisteredTask, error) {
	t, err := scanTask(s.pool.QueryRow(ctx, selectTaskByUUID, projectUUID, taskUUID))
	if errors.Is(err, pgx.ErrNoRows) {
		return server.RegisteredTask{}, fmt.Errorf("task %q in project %q: %w", taskUUID, projectUUID, server.ErrNotStored)
	}
	return t, wrap("get task", err)
}

// ListTasks implements server.Store.
func (s *Store) ListTasks(ctx context.Context, projectUUID string) ([]server.RegisteredTask, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+taskColumns+` FROM tasks WHERE project_uuid = $1 ORDER BY name`, projectUUID)
	if err != nil {
		return nil, wrap("list tasks", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (server.RegisteredTask, error) { return scanTask(row) })
	if err != nil {
		return nil, wrap("list tasks", err)
	}
	return out, nil
}

// scanLog reads one record row into an entry of its own.
func scanLog(row pgx.Row) (server.StoredLog, error) {
	var e server.StoredLog
	var record, quality []byte
	var created int64
	if err := row.Scan(&e.ProjectUUID, &e.ProjectName, &e.TaskName, &e.TaskUUID, &e.UUID, &record, &e.ReplayFrom, &quality, &created); err != nil {
		return server.StoredLog{}, err
	}
	e.Record = json.RawMessage(record)
	if quality != nil {
		e.Quality = json.RawMessage(quality)
	}
	e.CreatedAt = fromNanos(created)
	return e, nil
}

// querier is what a pool and a transaction have in common.
type querier interface {
	QueryRow(ctx context.Context, query string, args ...any) pgx.Row
	Query(ctx context.Context, query string, args ...any) (pgx.Rows, error)
}

// resolve returns the stored entry for key, searching every project when
// key.ProjectUUID is empty.
func resolve(ctx context.Context, q querier, key server.LogKey) (server.StoredLog, error) {
	if key.ProjectUUID != "" {
		e, err := scanLog(q.QueryRow(ctx, selectLog, key.ProjectUUID, key.TaskName, key.UUID))
		if errors.Is(err, pgx.ErrNoRows) {
			return server.ResolveLog(key, nil)
		}
		return e, err
	}
	rows, err := q.Query(ctx, selectLogAny, key.TaskName, key.UUID)
	if err != nil {
		return server.StoredLog{}, err
	}
	found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (server.StoredLog, error) { return scanLog(row) })
	if err != nil {
		return server.StoredLog{}, err
	}
	return server.ResolveLog(key, found)
}

// GetLog implements server.Store.
func (s *Store) GetLog(ctx context.Context, key server.LogKey) (server.StoredLog, error) {
	e, err := resolve(ctx, s.pool, key)
	return e, wrap("get log", err)
}

// listQuery returns the query that lists the records q selects, newest
// first, and its arguments. Both forms read an index in listing order
// (logs_by_task_newest across projects, logs_by_project_task_newest within
// one). Key columns compare byte-wise (COLLATE "C"), as Go strings do.
func listQuery(q server.LogQuery) (string, []any) {
	query := `SELECT ` + logColumns + logFrom + `WHERE l.task_name = $1`
	args := []any{q.TaskName}
	if q.ProjectUUID != "" {
		args = append(args, q.ProjectUUID)
		query += fmt.Sprintf(` AND l.project_uuid = $%d`, len(args))
	}
	query, args = filterQuery(query, args, q)
	if q.Before != nil {
		args = append(args, nanos(q.Before.CreatedAt), q.Before.ProjectUUID, q.Before.UUID)
		n := len(args)
		query += fmt.Sprintf(` AND (l.created_at, l.project_uuid, l.uuid) < ($%d, $%d, $%d)`, n-2, n-1, n)
	}
	query += ` ORDER BY l.created_at DESC, l.project_uuid DESC, l.uuid DESC`
	if q.Limit > 0 {
		args = append(args, q.Limit)
		query += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	return query, args
}

// EachLog implements server.Store: the rows stream from the database and are
// read one at a time.
func (s *Store) EachLog(ctx context.Context, q server.LogQuery, fn func(server.StoredLog) error) error {
	query, args := listQuery(q)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return wrap("list logs", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanLog(rows)
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
		out = append(out, e) // scanLog gives each entry memory of its own
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetQuality implements server.Store.
func (s *Store) SetQuality(ctx context.Context, key server.LogKey, quality json.RawMessage) error {
	return wrap("set quality", s.inTx(ctx, func(tx pgx.Tx) error {
		e, err := resolve(ctx, tx, key)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, updateQuality, []byte(quality), qualityScore(quality), e.ProjectUUID, e.TaskName, e.UUID)
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
