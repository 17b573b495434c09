package jaegertest

import (
	"os/exec"
	"syscall"
)

// setProcAttr asks the kernel to kill Jaeger if the test binary dies without
// running its cleanups (a panic, or go test's -timeout), so no process is
// left behind.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
