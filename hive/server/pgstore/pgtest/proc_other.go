//go:build !linux

package pgtest

import (
	"errors"
	"os/exec"
)

// setProcAttr runs cmd as the test process's own account; running it as
// another account is implemented on Linux only.
func setProcAttr(_ *exec.Cmd, o owner) error {
	if o.isOther() {
		return errors.New("pgtest: running PostgreSQL as another user (the test runs as root) is supported on Linux only")
	}
	return nil
}

// processAlive reports every process as running: without a portable check,
// sweepStale removes nothing.
func processAlive(int) bool { return true }
