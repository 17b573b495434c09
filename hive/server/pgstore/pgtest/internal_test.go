package pgtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDatabaseName(t *testing.T) {
	assert.Equal(t, "t7_testx_sub_case_1", databaseName(7, "TestX/sub-case#1"))
	long := databaseName(12, strings.Repeat("Ab", 100))
	assert.Len(t, long, maxIdentLen)
	assert.True(t, strings.HasPrefix(long, "t12_abab"))
}

func TestDebianBinDirsNewestFirst(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"9.6", "15", "13", "common", "16"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, d, "bin"), 0o755))
	}
	assert.Equal(t, []string{
		filepath.Join(root, "16", "bin"),
		filepath.Join(root, "15", "bin"),
		filepath.Join(root, "13", "bin"),
		filepath.Join(root, "9.6", "bin"),
	}, debianBinDirs(root))
	assert.Empty(t, debianBinDirs(filepath.Join(root, "missing")))
}

func TestBinDirFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvBin, dir)
	_, err := BinDir()
	require.ErrorIs(t, err, ErrNotInstalled)

	for _, name := range []string{"initdb", "postgres"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755)) //nolint:gosec // stands in for a binary
	}
	got, err := BinDir()
	require.NoError(t, err)
	assert.Equal(t, dir, got)

	require.NoError(t, os.Chmod(filepath.Join(dir, "postgres"), 0o644))
	_, err = BinDir()
	require.ErrorIs(t, err, ErrNotInstalled)
}

func TestChildEnvDropsPGVariablesAndLocale(t *testing.T) {
	got := childEnv([]string{"PATH=/bin", "PGDATA=/elsewhere", "PGPORT=1", "LANG=de_DE.UTF-8", "LC_MESSAGES=de_DE", "HOME=/root"})
	assert.Equal(t, []string{"PATH=/bin", "HOME=/root", "LANG=C", "LC_ALL=C"}, got)
}

func TestServerArgs(t *testing.T) {
	fast := config{}.serverArgs()
	assert.Contains(t, strings.Join(fast, " "), "-c fsync=off -c full_page_writes=off -c synchronous_commit=off")

	c := config{}
	Durable()(&c)
	Setting("fsync", "off")(&c)
	args := strings.Join(c.serverArgs(), " ")
	assert.Contains(t, args, "-c fsync=on -c full_page_writes=on -c synchronous_commit=on")
	assert.True(t, strings.HasSuffix(args, "-c fsync=off"), "a Setting comes last, so it wins: %s", args)
}
