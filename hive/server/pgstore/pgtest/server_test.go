package pgtest_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
)

// connect opens a connection to dsn, closed when the test ends.
func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// setting returns the server's value of a configuration parameter.
func setting(t *testing.T, conn *pgx.Conn, name string) string {
	t.Helper()
	var v string
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT current_setting($1)", name).Scan(&v))
	return v
}

// countRows returns how many rows table notes of dsn holds.
func countRows(t *testing.T, dsn string) int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	var n int
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT count(*) FROM notes").Scan(&n))
	return n
}

// insertNotes creates table notes in dsn and commits n rows, one
// transaction each.
func insertNotes(t *testing.T, dsn string, n int) {
	t.Helper()
	conn := connect(t, dsn)
	_, err := conn.Exec(t.Context(), "CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text NOT NULL)")
	require.NoError(t, err)
	for i := range n {
		_, err := conn.Exec(t.Context(), "INSERT INTO notes (body) VALUES ($1)", strings.Repeat("x", i))
		require.NoError(t, err)
	}
	require.NoError(t, conn.Close(t.Context()))
}

// refuses reports whether nothing accepts TCP connections at addr.
func refuses(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return true
	}
	_ = c.Close()
	return false
}

func TestStartServesDatabasesOfTheirOwn(t *testing.T) {
	t.Parallel()
	s := pgtest.Start(t)

	dsn1, dsn2 := s.NewDatabase(t), s.NewDatabase(t)
	require.NotEqual(t, dsn1, dsn2)
	assert.True(t, strings.HasPrefix(dsn1, "postgres://postgres@127.0.0.1:"), dsn1)
	assert.True(t, strings.HasSuffix(dsn1, "?sslmode=disable"), dsn1)
	assert.Equal(t, s.DSN(strings.TrimSuffix(dsn1[strings.LastIndex(dsn1, "/")+1:], "?sslmode=disable")), dsn1)

	insertNotes(t, dsn1, 3)
	assert.Equal(t, 3, countRows(t, dsn1))

	conn := connect(t, dsn2)
	var exists bool
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT to_regclass('notes') IS NOT NULL").Scan(&exists))
	assert.False(t, exists, "each database starts empty")

	var db string
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&db))
	assert.True(t, strings.HasPrefix(db, "t2_teststartservesdatabasesoftheirown"), db)
	assert.Equal(t, "UTF8", setting(t, conn, "server_encoding"))
	assert.Equal(t, "127.0.0.1", setting(t, conn, "listen_addresses"))
	for _, name := range []string{"fsync", "full_page_writes", "synchronous_commit"} {
		assert.Equal(t, "off", setting(t, conn, name), name)
	}
	assert.True(t, strings.HasPrefix(s.DataDir(), os.TempDir()), s.DataDir())
	assert.True(t, s.Running())
}

func TestDurableAndSettings(t *testing.T) {
	t.Parallel()
	s := pgtest.Start(t, pgtest.Durable(), pgtest.Setting("work_mem", "8MB"))
	conn := connect(t, s.NewDatabase(t))
	for _, name := range []string{"fsync", "full_page_writes", "synchronous_commit"} {
		assert.Equal(t, "on", setting(t, conn, name), name)
	}
	assert.Equal(t, "8MB", setting(t, conn, "work_mem"))
}

func TestStopAndRestartKeepData(t *testing.T) {
	t.Parallel()
	s := pgtest.Start(t)
	dsn := s.NewDatabase(t)
	port := s.Port()
	insertNotes(t, dsn, 5)

	s.Restart(t)
	assert.Equal(t, port, s.Port())
	assert.Equal(t, 5, countRows(t, dsn))

	s.Stop(t)
	assert.False(t, s.Running())
	assert.True(t, refuses(s.Addr()), "a stopped server accepts no connections")
	s.Stop(t) // stopping a stopped server does nothing

	s.Start(t)
	assert.True(t, s.Running())
	assert.Equal(t, 5, countRows(t, dsn))
	insertNotes(t, dsn, 1)
	assert.Equal(t, 6, countRows(t, dsn))
}

func TestKillThenStartKeepsCommittedData(t *testing.T) {
	t.Parallel()
	s := pgtest.Start(t, pgtest.Durable())
	dsn := s.NewDatabase(t)
	insertNotes(t, dsn, 20)

	// A session left open with an uncommitted row, as a crashing client
	// leaves it.
	open := connect(t, dsn)
	tx, err := open.Begin(t.Context())
	require.NoError(t, err)
	_, err = tx.Exec(t.Context(), "INSERT INTO notes (body) VALUES ('uncommitted')")
	require.NoError(t, err)

	s.Kill(t)
	assert.False(t, s.Running())
	assert.True(t, refuses(s.Addr()))

	s.Start(t)
	assert.Equal(t, 20, countRows(t, dsn), "committed rows survive, the uncommitted one does not")
	assert.Contains(t, s.Log(), "not properly shut down", "the server recovered from a crash")
}

func TestServerGoneAfterTest(t *testing.T) {
	var s *pgtest.Server
	t.Run("uses", func(t *testing.T) {
		s = pgtest.Start(t)
		insertNotes(t, s.NewDatabase(t), 1)
	})
	if s == nil {
		t.Skip("the subtest was skipped")
	}
	assert.False(t, s.Running())
	assert.True(t, refuses(s.Addr()))
	_, err := os.Stat(s.DataDir())
	assert.True(t, errors.Is(err, os.ErrNotExist), "the folder is removed: %v", err)
}
