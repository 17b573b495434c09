package pgtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deadPID returns the id of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	return cmd.Process.Pid
}

func TestSweepStaleRemovesOnlyFoldersOfDeadTestBinaries(t *testing.T) {
	if !processAlive(os.Getpid()) {
		t.Skip("no process liveness check on this platform")
	}
	root := t.TempDir()
	dead, alive := strconv.Itoa(deadPID(t)), strconv.Itoa(os.Getpid())
	folder := func(name, owner, postmaster string) string {
		dir := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "data"), 0o700))
		if owner != "" {
			require.NoError(t, os.WriteFile(filepath.Join(dir, ownerPIDFile), []byte(owner+"\n"), 0o600))
		}
		if postmaster != "" {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "data", "postmaster.pid"), []byte(postmaster+"\n/data\n"), 0o600))
		}
		return dir
	}
	stale := folder(folderPrefix+"1", dead, "")
	staleCrashed := folder(folderPrefix+"2", dead, dead)
	running := folder(folderPrefix+"3", alive, "")
	orphanPostmaster := folder(folderPrefix+"4", dead, alive)
	unknown := folder(folderPrefix+"5", "", "")
	other := folder("other-1", dead, "")

	sweepStale(root)

	for _, dir := range []string{stale, staleCrashed} {
		_, err := os.Stat(dir)
		assert.ErrorIs(t, err, os.ErrNotExist, dir)
	}
	for _, dir := range []string{running, orphanPostmaster, unknown, other} {
		assert.DirExists(t, dir)
	}
}
