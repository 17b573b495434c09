package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
)

func TestSharedIsOneServerWithDatabasesDroppedAfterEachTest(t *testing.T) {
	s := pgtest.Shared(t)
	assert.Same(t, s, pgtest.Shared(t))

	var name string
	t.Run("test", func(t *testing.T) {
		dsn := pgtest.Shared(t).NewDatabase(t)
		conn := connect(t, dsn)
		require.NoError(t, conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&name))
		// The test's session is still open when the database is dropped.
	})

	admin, err := pgx.Connect(t.Context(), s.DSN("postgres"))
	require.NoError(t, err)
	defer func() { _ = admin.Close(context.Background()) }()
	var exists bool
	require.NoError(t, admin.QueryRow(t.Context(), "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists))
	assert.False(t, exists, "database %s is dropped when its test ends", name)
}

func TestSharedCannotBeStopped(t *testing.T) {
	s := pgtest.Shared(t)
	for _, stop := range []func(testing.TB){s.Stop, s.Kill, s.Restart} {
		rec := &recorder{TB: t}
		stop(rec)
		assert.Contains(t, rec.fatal, "the shared server serves other tests")
	}
	assert.True(t, s.Running())
}

func TestSharedServesParallelTests(t *testing.T) {
	s := pgtest.Shared(t)
	names := make([]string, 8)
	t.Run("group", func(t *testing.T) {
		for i := range names {
			t.Run("db", func(t *testing.T) {
				t.Parallel()
				conn := connect(t, s.NewDatabase(t))
				require.NoError(t, conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&names[i]))
			})
		}
	})
	seen := map[string]bool{}
	for _, n := range names {
		assert.NotEmpty(t, n)
		assert.False(t, seen[n], "database %s served twice", n)
		seen[n] = true
	}
}
