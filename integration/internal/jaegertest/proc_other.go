//go:build !linux

package jaegertest

import "os/exec"

// setProcAttr does nothing where the kernel cannot tie the child's life to
// the parent's.
func setProcAttr(*exec.Cmd) {}
