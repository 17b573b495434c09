package main

import (
	"os/exec"
	"syscall"
)

// killOnParentExit has the kernel kill cmd when the harness dies, so a
// harness killed with SIGKILL leaves no hive serve or producer behind.
func killOnParentExit(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
