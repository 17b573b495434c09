package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChooseDatabase(t *testing.T) {
	const url = "postgres://hive@127.0.0.1:5432/hive"
	c := chooseDatabase(defaultDB, false, "")
	assert.Equal(t, defaultDB, c.db, "the default without flag or environment")
	assert.Empty(t, c.warnings)

	c = chooseDatabase(defaultDB, false, url)
	assert.Equal(t, url, c.db, "the environment when the flag is not given")
	assert.Empty(t, c.warnings)

	c = chooseDatabase("other.db", true, url)
	assert.Equal(t, "other.db", c.db, "the flag wins over the environment")
	require.Len(t, c.warnings, 1)
	assert.Contains(t, c.warnings[0], "HIVE_DATABASE_URL is ignored")

	c = chooseDatabase("postgres://hive:s3cret@127.0.0.1/hive", true, "")
	assert.Equal(t, "postgres://hive:s3cret@127.0.0.1/hive", c.db)
	require.Len(t, c.warnings, 1)
	assert.Contains(t, c.warnings[0], "carries a password")
	assert.NotContains(t, c.warnings[0], "s3cret")

	c = chooseDatabase("postgresql://127.0.0.1/hive?user=hive&password=s3cret", true, "")
	require.Len(t, c.warnings, 1, "a password in the query counts too")
	assert.Contains(t, c.warnings[0], "carries a password")
}

func TestMaskDatabase(t *testing.T) {
	for in, want := range map[string]string{
		"./hive.db":                                          "./hive.db",
		"/data/hive:secret@x.db":                             "/data/hive:secret@x.db",
		"postgres://hive@db:5432/hive":                       "postgres://hive@db:5432/hive",
		"postgres://hive:s3cret@db/hive":                     "postgres://hive:xxxxx@db/hive",
		"POSTGRESQL://hive:p%40ss@db/hive":                   "postgresql://hive:xxxxx@db/hive",
		"postgres://db/hive?password=s3cret&sslmode=disable": "postgres://db/hive?password=xxxxx&sslmode=disable",
		"postgres://db/hive?sslpassword=s3cret":              "postgres://db/hive?sslpassword=xxxxx",
		"postgres://hive:s3cret@db:bad port/hive":            "postgres://…",
	} {
		got := maskDatabase(in)
		assert.Equal(t, want, got, in)
		assert.NotContains(t, got, "s3cret", in)
	}
}

func TestIsPostgresURL(t *testing.T) {
	for _, db := range []string{"postgres://h/d", "postgresql://h/d", "Postgres://h/d"} {
		assert.True(t, isPostgresURL(db), db)
	}
	for _, db := range []string{"hive.db", "/tmp/postgres://x", "mysql://h/d", "postgres:/h/d", ""} {
		assert.False(t, isPostgresURL(db), db)
	}
}

func TestServeDatabaseUsageErrors(t *testing.T) {
	clearEnv(t)
	creds := []string{"--api-key", "k", "--api-secret-file", secretFile(t, "s"), "--addr", "127.0.0.1:0"}
	for _, c := range []struct {
		db, want string
	}{
		{"", "no database"},
		{"mysql://u:s3cret@h/d", "postgres://"},
		{"postgres://u:s3cret@h:bad/d", "not a valid URL"},
	} {
		code, _, stderr := runCmd(t, append([]string{"serve", "--db", c.db}, creds...)...)
		assert.Equal(t, exitUsage, code, c.db)
		assert.Contains(t, stderr, c.want, c.db)
		assert.NotContains(t, stderr, "s3cret", c.db)
	}

	// An empty HIVE_DATABASE_URL is as if unset: the default file.
	t.Chdir(t.TempDir())
	t.Setenv(envDatabaseURL, "")
	s := serve(t, append([]string{"--insecure-no-auth"}, creds[4:]...)...)
	assert.Contains(t, s.stdout.String(), "(database "+defaultDB+")")
	assert.FileExists(t, filepath.Join(".", "hive.db"))
}

func TestServeDatabaseFromEnvironment(t *testing.T) {
	clearEnv(t)
	db := filepath.Join(t.TempDir(), "env.db")
	t.Setenv(envDatabaseURL, db)
	s := serve(t, "--addr", "127.0.0.1:0", "--insecure-no-auth")
	assert.Contains(t, s.stdout.String(), "(database "+db+")", "HIVE_DATABASE_URL names the database without --db")
	assert.FileExists(t, db)
	assert.Equal(t, exitOK, s.stop(t))

	flagDB := filepath.Join(t.TempDir(), "flag.db")
	s = serve(t, "--addr", "127.0.0.1:0", "--insecure-no-auth", "--db", flagDB)
	assert.Contains(t, s.stdout.String(), "(database "+flagDB+")", "--db wins")
	assert.Contains(t, s.stderr.String(), "HIVE_DATABASE_URL is ignored")
}
