package spool

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// ErrClosed is returned by every method called after Close.
var ErrClosed = errors.New("spool: closed")

// Entry is one encoded record in the spool.
type Entry struct {
	// ID is the record's uuid; a second Put of the same id replaces nothing
	// and is accepted (delivery is idempotent by uuid).
	ID string
	// Data is the record's JSON encoding, or the OTLP protobuf encoding of
	// the spans of its run (see exporter.RunSpans).
	Data []byte
	// Seq is the entry's cursor, set by Oldest; Put ignores it.
	Seq int64
}

// Spool is a durable, byte-bounded queue of encoded records. Its methods are
// safe for concurrent use; each blocks on the disk (a Put commits one
// transaction), so callers keep it off the goroutine that ended a span.
type Spool struct {
	db       *sql.DB
	path     string
	maxBytes int64

	mu     sync.Mutex // guards bytes, count and closed; serialises writes
	bytes  int64
	count  int
	closed bool
}

const schema = `CREATE TABLE IF NOT EXISTS entries (
	seq  INTEGER PRIMARY KEY AUTOINCREMENT,
	id   TEXT NOT NULL UNIQUE,
	data BLOB NOT NULL
)`

// Open opens, creating it when missing, the spool in directory dir (the
// directory too is created, mode 0700), and counts what an earlier process
// left in it. Defaults: DefaultMaxBytes.
func Open(ctx context.Context, dir string, opts ...Option) (*Spool, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, errors.New("spool: empty directory")
	}
	cfg := newConfig(opts)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	path := filepath.Join(dir, FileName)
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("spool: open %s: %w", path, err)
	}
	// One connection: writes are serialised anyway, and a single
	// connection never meets SQLITE_BUSY from itself.
	db.SetMaxOpenConns(1)
	s := &Spool{db: db, path: path, maxBytes: cfg.maxBytes}
	if err := s.init(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("spool: open %s: %w", path, err)
	}
	return s, nil
}

func (s *Spool) init(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, schema); err != nil {
		return err
	}
	var n int
	var size sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), SUM(LENGTH(data)) FROM entries`).Scan(&n, &size); err != nil {
		return err
	}
	s.count, s.bytes = n, size.Int64
	return nil
}

// Path returns the database file.
func (s *Spool) Path() string { return s.path }

// Put stores entries in one transaction, in order, as long as they fit under
// the byte bound, and returns how many it stored; the rest (overflow) are
// not stored and are the caller's to count. An entry whose id is already
// spooled counts as stored. When Put returns a nil error, what it stored
// survives the process being killed.
func (s *Spool) Put(ctx context.Context, entries []Entry) (stored int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("spool: put: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO entries (id, data) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("spool: put: %w", err)
	}
	defer stmt.Close()
	bytes, count := s.bytes, s.count
	for _, e := range entries {
		size := int64(len(e.Data))
		if bytes+size > s.maxBytes {
			break
		}
		res, err := stmt.ExecContext(ctx, e.ID, e.Data)
		if err != nil {
			return 0, fmt.Errorf("spool: put %s: %w", e.ID, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			bytes += size
			count++
		}
		stored++
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("spool: put: %w", err)
	}
	s.bytes, s.count = bytes, count
	return stored, nil
}

// Remove deletes the entries with these ids, in one transaction; unknown ids
// are ignored.
func (s *Spool) Remove(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("spool: remove: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, `DELETE FROM entries WHERE id = ? RETURNING LENGTH(data)`)
	if err != nil {
		return fmt.Errorf("spool: remove: %w", err)
	}
	defer stmt.Close()
	bytes, count := s.bytes, s.count
	for _, id := range ids {
		var size int64
		switch err := stmt.QueryRowContext(ctx, id).Scan(&size); {
		case errors.Is(err, sql.ErrNoRows):
			continue
		case err != nil:
			return fmt.Errorf("spool: remove %s: %w", id, err)
		}
		bytes -= size
		count--
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("spool: remove: %w", err)
	}
	s.bytes, s.count = bytes, count
	return nil
}

// Oldest returns up to limit entries, oldest first, whose sequence is after
// the cursor after (0 for the start); the last entry's cursor is returned
// to page on. It reads what is spooled without removing it.
func (s *Spool) Oldest(ctx context.Context, after int64, limit int) (entries []Entry, next int64, err error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, after, ErrClosed
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, id, data FROM entries WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, after, fmt.Errorf("spool: read: %w", err)
	}
	defer rows.Close()
	next = after
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Seq, &e.ID, &e.Data); err != nil {
			return nil, after, fmt.Errorf("spool: read: %w", err)
		}
		next = e.Seq
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, after, fmt.Errorf("spool: read: %w", err)
	}
	return entries, next, nil
}

// Last returns the cursor of the newest entry (0 when the spool is empty):
// Oldest from any cursor reaches it, and entries put later come after it.
func (s *Spool) Last(ctx context.Context) (int64, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return 0, ErrClosed
	}
	var last sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(seq) FROM entries`).Scan(&last); err != nil {
		return 0, fmt.Errorf("spool: read: %w", err)
	}
	return last.Int64, nil
}

// Len returns the number of spooled entries and their total size in bytes.
func (s *Spool) Len() (entries int, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count, s.bytes
}

// Close closes the database; what is spooled stays for the next Open. It is
// safe to call more than once.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("spool: close: %w", err)
	}
	return nil
}
