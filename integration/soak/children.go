package main

import (
	"errors"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// children are the processes the harness started. Each is waited for by a
// goroutine of its own; killAll ends those still running, so none outlives
// the harness (killOnParentExit covers the harness being killed itself).
type children struct {
	mu      sync.Mutex
	running map[*child]struct{}
}

// child is one started process.
type child struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has ended
	err  error         // cmd.Wait's error, set before done is closed
}

func newChildren() *children {
	return &children{running: make(map[*child]struct{})}
}

// start starts cmd and tracks it until it ends.
func (cs *children) start(cmd *exec.Cmd) (*child, error) {
	killOnParentExit(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	cs.mu.Lock()
	cs.running[c] = struct{}{}
	cs.mu.Unlock()
	go func() {
		c.err = cmd.Wait()
		cs.mu.Lock()
		delete(cs.running, c)
		cs.mu.Unlock()
		close(c.done)
	}()
	return c, nil
}

// killAll kills every process still running and waits, at most a few
// seconds, for them to end.
func (cs *children) killAll() {
	cs.mu.Lock()
	left := make([]*child, 0, len(cs.running))
	for c := range cs.running {
		left = append(left, c)
	}
	cs.mu.Unlock()
	for _, c := range left {
		_ = c.kill(5 * time.Second)
	}
}

// kill sends SIGKILL and waits up to timeout for the process to end.
func (c *child) kill(timeout time.Duration) error {
	return c.signal(syscall.SIGKILL, timeout)
}

// stop sends SIGTERM and waits up to timeout for the process to end, then
// kills it.
func (c *child) stop(timeout time.Duration) error {
	if err := c.signal(syscall.SIGTERM, timeout); err == nil {
		return nil
	}
	return c.kill(5 * time.Second)
}

var errStillRunning = errors.New("process still running")

func (c *child) signal(sig os.Signal, timeout time.Duration) error {
	select {
	case <-c.done:
		return nil
	default:
	}
	_ = c.cmd.Process.Signal(sig)
	return c.wait(timeout)
}

// wait waits up to timeout for the process to end and returns
// errStillRunning when it has not.
func (c *child) wait(timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-c.done:
		return nil
	case <-t.C:
		return errStillRunning
	}
}

// exited reports whether the process has ended.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}
