package pgtest

import (
	"errors"
	"os/exec"
	"syscall"
)

// setProcAttr runs cmd as o and asks the kernel to kill it if the test
// binary dies without running its cleanups (a panic, or go test's -timeout),
// so no server is left behind. PostgreSQL's own processes exit when the
// postmaster dies.
func setProcAttr(cmd *exec.Cmd, o owner) error {
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if o.isOther() {
		attr.Credential = &syscall.Credential{Uid: uint32(o.uid), Gid: uint32(o.gid)}
	}
	cmd.SysProcAttr = attr
	return nil
}

// processAlive reports whether a process with the id runs (perhaps as
// another user).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
