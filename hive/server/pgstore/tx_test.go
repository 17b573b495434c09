package pgstore

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
)

func TestInTxRetriesSerializationFailuresAndDeadlocks(t *testing.T) {
	srv := pgtest.Shared(t)
	if srv == nil {
		t.SkipNow()
	}
	s, err := Open(context.Background(), srv.NewDatabase(t))
	require.NoError(t, err)
	defer func() { assert.NoError(t, s.Close()) }()

	for _, code := range []string{"40001", "40P01"} {
		calls := 0
		err := s.inTx(context.Background(), func(tx pgx.Tx) error {
			calls++
			if calls < 3 {
				return fmt.Errorf("insert: %w", &pgconn.PgError{Code: code})
			}
			_, err := tx.Exec(context.Background(), `INSERT INTO projects (uuid, name, created_at) VALUES ($1, 'p', 0)`, code)
			return err
		})
		require.NoError(t, err, code)
		assert.Equal(t, 3, calls, "%s: run again until it commits", code)
		_, err = s.GetProject(context.Background(), code)
		assert.NoError(t, err, "%s: the last run is committed", code)
	}

	calls := 0
	err = s.inTx(context.Background(), func(pgx.Tx) error {
		calls++
		return &pgconn.PgError{Code: "40001"}
	})
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe, "the failure is returned after the last attempt")
	assert.Equal(t, txAttempts, calls)

	calls = 0
	other := errors.New("not retried")
	err = s.inTx(context.Background(), func(pgx.Tx) error {
		calls++
		return other
	})
	assert.ErrorIs(t, err, other)
	assert.Equal(t, 1, calls, "other errors are not retried")
}
