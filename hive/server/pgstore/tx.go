package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// txAttempts bounds how many times a transaction that failed on a
// serialization failure or a deadlock is run.
const txAttempts = 5

// inTx runs fn in a read-committed transaction on a pooled connection and
// commits it. A transaction that PostgreSQL aborts for a serialization
// failure or a deadlock (SQLSTATE 40001, 40P01) is run again, from the
// start, a few times; fn must therefore set its results anew on each run.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	var err error
	for attempt := range txAttempts {
		if attempt > 0 {
			t := time.NewTimer(time.Duration(attempt*attempt) * 5 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		err = pgx.BeginFunc(ctx, s.pool, fn)
		if !retryable(err) {
			return err
		}
	}
	return err
}

// retryable reports whether err is a serialization failure or a deadlock,
// after which the transaction may succeed when run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}
