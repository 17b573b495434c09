package pgtest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	// folderPrefix begins the name of every server's folder under the
	// temporary directory.
	folderPrefix = "hivetrace-pgtest-"
	// ownerPIDFile, in a server's folder, holds the process id of the test
	// binary that made it.
	ownerPIDFile = "pgtest.pid"
)

// sweepStale removes, from tmp, the folders of servers whose test binary
// has died without running its cleanups (a crash, go test's -timeout, an
// interrupt, a Shared server without StopSharedAfter) and whose postmaster
// is gone too. Folders it cannot tell about (being created, or of another
// user) stay. Errors are ignored: sweeping is housekeeping.
func sweepStale(tmp string) {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), folderPrefix) {
			continue
		}
		if dir := filepath.Join(tmp, e.Name()); isStale(dir) {
			_ = os.RemoveAll(dir)
		}
	}
}

// isStale reports whether the server folder dir names a test binary that
// has exited and holds no running postmaster.
func isStale(dir string) bool {
	owner, err := readPID(filepath.Join(dir, ownerPIDFile))
	if err != nil || processAlive(owner) {
		return false
	}
	postmaster, err := readPID(filepath.Join(dir, "data", "postmaster.pid"))
	return err != nil || !processAlive(postmaster)
}

// writeOwnerPID records the test binary's process id in dir.
func writeOwnerPID(dir string) error {
	return os.WriteFile(filepath.Join(dir, ownerPIDFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644) //nolint:gosec // read by other test binaries
}

// readPID returns the process id on the first line of a file.
func readPID(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strconv.Atoi(strings.TrimSpace(line))
}
