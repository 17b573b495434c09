package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Bounds of the writer's queue and of the calls one transaction holds.
const (
	writeQueue     = 256
	maxGroupCalls  = 64
	busyRetryDelay = 10 * time.Millisecond
	commitAttempts = 10
)

// errClosed is returned by write calls made after Close.
var errClosed = errors.New("store is closed")

// writer runs every write of a Store on the one connection that writes, in
// one goroutine, so that the store's own writes never contend for SQLite's
// write lock. Calls queued while a transaction runs are coalesced into the
// next one (group commit): each runs inside its own SAVEPOINT, so a call that
// fails is rolled back alone while the others commit, and each caller is
// answered once the COMMIT that holds its work is done. Statements run with
// the writer's own context: a caller whose context ends before its call
// starts leaves at once and the call never runs, but a call once started
// runs to its end, since interrupting a statement would roll back the whole
// transaction.
type writer struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt // prepared on conn, by query text
	calls chan *writeCall
	done  chan struct{} // closed when the goroutine has drained calls and ended
	// commits counts the transactions committed; read it after close.
	commits int

	mu     sync.RWMutex // held for reading while sending on calls
	closed bool
}

// writeCall is one write of the store, waiting for its transaction.
type writeCall struct {
	ctx   context.Context
	fn    func(*wtx) error
	errc  chan error
	state atomic.Int32 // callQueued, then callStarted (by the writer) or callAbandoned (by the caller)
}

// States of a write call.
const (
	callQueued int32 = iota
	callStarted
	callAbandoned
)

// start marks the call started, unless its caller has abandoned it.
func (c *writeCall) start() bool {
	return c.state.CompareAndSwap(callQueued, callStarted)
}

// wtx is what a write call works with: statements on the writer's connection,
// inside the transaction and the call's savepoint.
type wtx struct {
	w *writer
}

func newWriter(conn *sql.Conn) *writer {
	w := &writer{
		conn:  conn,
		stmts: map[string]*sql.Stmt{},
		calls: make(chan *writeCall, writeQueue),
		done:  make(chan struct{}),
	}
	go w.run()
	return w
}

// do runs fn in a write transaction and returns once that transaction is
// committed (nil), or fn's error once its work is rolled back, or the error
// that failed the transaction. When ctx ends before the call starts, do
// returns ctx's error at once and the call never runs; once started, the
// call runs to its end.
func (w *writer) do(ctx context.Context, fn func(*wtx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &writeCall{ctx: ctx, fn: fn, errc: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return errClosed
	}
	select {
	case w.calls <- c:
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	w.mu.RUnlock()
	select {
	case err := <-c.errc:
		return err
	case <-ctx.Done():
		if c.state.CompareAndSwap(callQueued, callAbandoned) {
			return ctx.Err()
		}
		return <-c.errc // started: its transaction is under way
	}
}

// close stops taking calls, runs the ones queued and waits for the goroutine
// to end.
func (w *writer) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.calls)
	}
	w.mu.Unlock()
	<-w.done
	for _, st := range w.stmts {
		_ = st.Close()
	}
}

func (w *writer) run() {
	defer close(w.done)
	group := make([]*writeCall, 0, maxGroupCalls)
	for c := range w.calls {
		group = append(group[:0], c)
	collect:
		for len(group) < maxGroupCalls {
			select {
			case c, ok := <-w.calls:
				if !ok {
					break collect
				}
				group = append(group, c)
			default:
				break collect
			}
		}
		w.runGroup(group)
		clear(group)
	}
}

// runGroup runs calls in one transaction and answers each. Each call runs in
// a savepoint of its own, so that a call that fails is rolled back alone;
// a call alone in its transaction needs none: when it fails, the whole
// transaction is rolled back.
func (w *writer) runGroup(calls []*writeCall) {
	calls = w.begin(calls)
	if len(calls) == 0 {
		return
	}
	if len(calls) == 1 {
		w.runAlone(calls[0])
		return
	}
	errs := make([]error, len(calls))
	for i, c := range calls {
		if !c.start() {
			continue // its caller has gone
		}
		if err := c.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if err := w.exec("SAVEPOINT call"); err != nil {
			w.abort(calls, err)
			return
		}
		err := w.runCall(c)
		if err != nil {
			errs[i] = err
			if rerr := w.exec("ROLLBACK TO call"); rerr != nil {
				// The transaction is gone (SQLite rolls it back itself
				// after some failures): nothing of the group is stored.
				w.abort(calls, fmt.Errorf("roll back a failed write (%w): %w", err, rerr))
				return
			}
		}
		if err := w.exec("RELEASE call"); err != nil {
			w.abort(calls, err)
			return
		}
	}
	if err := w.commit(); err != nil {
		w.abort(calls, err)
		return
	}
	w.commits++
	for i, c := range calls {
		c.errc <- errs[i]
	}
}

// runAlone runs the one call of a transaction begun for it.
func (w *writer) runAlone(c *writeCall) {
	if !c.start() {
		_ = w.exec("ROLLBACK") // its caller has gone
		return
	}
	err := c.ctx.Err()
	if err == nil {
		err = w.runCall(c)
	}
	if err != nil {
		_ = w.exec("ROLLBACK") // fails when SQLite already rolled back
		c.errc <- err
		return
	}
	if err := w.commit(); err != nil {
		w.abort([]*writeCall{c}, err)
		return
	}
	w.commits++
	c.errc <- nil
}

// runCall runs a call's function; a panic in it fails the call alone.
func (w *writer) runCall(c *writeCall) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
	}()
	return c.fn(&wtx{w: w})
}

// begin starts the write transaction of a group. While another process holds
// the write lock past the busy timeout it keeps trying, as long as a caller
// of the group still waits (callers whose ctx ends abandon their calls). It
// returns the calls to run, none when begin failed (they are answered) or
// when every caller has gone.
func (w *writer) begin(calls []*writeCall) []*writeCall {
	for {
		err := w.exec("BEGIN IMMEDIATE")
		if err == nil {
			return calls
		}
		if !isBusy(err) {
			answer(calls, fmt.Errorf("begin a write transaction: %w", err))
			return nil
		}
		waiting := calls[:0]
		for _, c := range calls {
			if c.state.Load() != callAbandoned {
				waiting = append(waiting, c)
			}
		}
		calls = waiting
		if len(calls) == 0 {
			return nil
		}
		time.Sleep(busyRetryDelay)
	}
}

// commit commits the transaction, trying again while the database is busy
// (the transaction stays open then).
func (w *writer) commit() error {
	var err error
	for range commitAttempts {
		if err = w.exec("COMMIT"); err == nil || !isBusy(err) {
			return err
		}
		time.Sleep(busyRetryDelay)
	}
	return err
}

// abort rolls the transaction back and answers every call with err.
func (w *writer) abort(calls []*writeCall, err error) {
	_ = w.exec("ROLLBACK") // fails when SQLite already rolled back
	answer(calls, err)
}

func answer(calls []*writeCall, err error) {
	for _, c := range calls {
		c.errc <- err
	}
}

// stmt returns the statement for query, prepared on the writer's connection
// once.
func (w *writer) stmt(query string) (*sql.Stmt, error) {
	if st, ok := w.stmts[query]; ok {
		return st, nil
	}
	st, err := w.conn.PrepareContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	w.stmts[query] = st
	return st, nil
}

// exec runs a statement that returns no rows on the writer's connection.
func (w *writer) exec(query string, args ...any) error {
	_, err := w.execResult(query, args...)
	return err
}

func (w *writer) execResult(query string, args ...any) (sql.Result, error) {
	st, err := w.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(context.Background(), args...)
}

// isBusy reports whether err is SQLITE_BUSY (or one of its extended codes).
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// exec runs a statement that returns no rows.
func (t *wtx) exec(query string, args ...any) (sql.Result, error) {
	return t.w.execResult(query, args...)
}

// queryRow runs a statement that returns at most one row.
func (t *wtx) queryRow(query string, args ...any) *sql.Row {
	st, err := t.w.stmt(query)
	if err != nil {
		// A statement that does not prepare fails again in QueryRow, which
		// reports the error through Row.Scan.
		return t.w.conn.QueryRowContext(context.Background(), query, args...)
	}
	return st.QueryRowContext(context.Background(), args...)
}

// query runs a statement that returns rows.
func (t *wtx) query(query string, args ...any) (*sql.Rows, error) {
	st, err := t.w.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(context.Background(), args...)
}
