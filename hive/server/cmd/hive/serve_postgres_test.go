package main

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
)

// withPassword returns a pgtest DSN with a password in its user
// information; the test server trusts every local connection, so any
// password is accepted.
func withPassword(t *testing.T, dsn, password string) string {
	t.Helper()
	out := strings.Replace(dsn, "://postgres@", "://postgres:"+password+"@", 1)
	require.NotEqual(t, dsn, out, "a pgtest DSN names the postgres user: %s", dsn)
	return out
}

// TestServePostgres serves on a PostgreSQL database given with --db, then
// with HIVE_DATABASE_URL: records stored through the first server are read
// through the second, and a password is never printed.
func TestServePostgres(t *testing.T) {
	clearEnv(t)
	t.Setenv(envDatabaseURL, "")
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	auth := []string{"--api-key", testKey, "--api-secret-file", secretFile(t, testSecret)}

	s := serve(t, append([]string{"--addr", "127.0.0.1:0", "--db", dsn}, auth...)...)
	assert.Contains(t, s.stdout.String(), "(database "+dsn+")", "a URL without password is printed as it is")
	for _, rec := range []string{recordJSON(firstUUID, false), recordJSON(secondUUID, true)} {
		require.Equal(t, http.StatusOK, s.post(t, "/api/log-ingest", map[string]any{"projectUuid": projectUUID, "projectName": "reports", "logItem": rec}))
	}
	code, out, stderr := runCmd(t, append([]string{"logs", "list", "--task", "getUserReport", "--host", s.url}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, firstUUID)
	assert.Contains(t, out, secondUUID)
	require.Equal(t, exitOK, s.stop(t))

	// HIVE_DATABASE_URL, with a password: the same database, the password
	// masked and not warned about.
	const password = "s3cret-pw"
	t.Setenv(envDatabaseURL, withPassword(t, dsn, password))
	s = serve(t, append([]string{"--addr", "127.0.0.1:0", "--log-level", "warn"}, auth...)...)
	assert.Contains(t, s.stdout.String(), "(database "+withPassword(t, dsn, maskedPassword)+")")
	code, out, stderr = runCmd(t, append([]string{"logs", "show", "getUserReport", secondUUID, "--host", s.url}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, `"error": "user 99 not found"`, "the record stored through the first server")
	require.Equal(t, exitOK, s.stop(t))
	assert.NotContains(t, s.stdout.String()+s.stderr.String(), password)
	assert.NotContains(t, s.stderr.String(), "carries a password")

	// --db with a password wins over the environment, with two warnings;
	// the password is masked everywhere.
	t.Setenv(envDatabaseURL, "/nowhere/hive.db")
	s = serve(t, append([]string{"--addr", "127.0.0.1:0", "--db", withPassword(t, dsn, password), "--log-level", "warn"}, auth...)...)
	assert.Contains(t, s.stdout.String(), "(database "+withPassword(t, dsn, maskedPassword)+")")
	code, out, stderr = runCmd(t, append([]string{"logs", "show", "getUserReport", firstUUID, "--host", s.url}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, firstUUID)
	require.Equal(t, exitOK, s.stop(t))
	assert.Contains(t, s.stderr.String(), "HIVE_DATABASE_URL is ignored")
	assert.Contains(t, s.stderr.String(), "--db carries a password")
	assert.NotContains(t, s.stdout.String()+s.stderr.String(), password)

	// The postgresql:// scheme names the same database.
	t.Setenv(envDatabaseURL, "")
	alt := strings.Replace(dsn, "postgres://", "postgresql://", 1)
	s = serve(t, append([]string{"--addr", "127.0.0.1:0", "--db", alt}, auth...)...)
	assert.Contains(t, s.stdout.String(), "(database "+alt+")")
	code, out, stderr = runCmd(t, append([]string{"logs", "list", "--task", "getUserReport", "--host", s.url}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, firstUUID)
	assert.Contains(t, out, secondUUID)
}

// TestServePostgresUnreachable fails to start on a PostgreSQL server that
// does not answer, naming the database with its password masked.
func TestServePostgresUnreachable(t *testing.T) {
	clearEnv(t)
	t.Setenv(envDatabaseURL, "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now

	code, stdout, stderr := runCmd(t, "serve", "--addr", "127.0.0.1:0", "--insecure-no-auth",
		"--db", "postgres://hive:s3cret-pw@"+addr+"/hive?sslmode=disable&connect_timeout=5")
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "hive serve: open PostgreSQL database postgres://hive:xxxxx@"+addr+"/hive")
	assert.NotContains(t, stdout+stderr, "s3cret-pw")
}
