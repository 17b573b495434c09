//go:build !linux

package main

import "os/exec"

// killOnParentExit does nothing where the kernel cannot kill a child with
// its parent; killAll still ends the children when the harness exits.
func killOnParentExit(*exec.Cmd) {}
