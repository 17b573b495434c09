package jaegertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// child is a running Jaeger binary: the plumbing Start and StartProcess
// share. Its methods are safe for concurrent use.
type child struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd.Wait has returned
	// waitErr is cmd.Wait's result, readable once exited is closed.
	waitErr error
	log     *logBuffer
}

// readyFunc reports whether a started process serves.
type readyFunc func(ctx context.Context) bool

// launch starts a process for the test with the configuration attempt
// returns, retrying with fresh ports when the process finds one taken, and
// registers a t.Cleanup that stops it and, when the test failed, logs its
// output. attempt writes its configuration to cfgPath, starts it with
// startChild and returns the process; on failure the process is gone. When
// the binary is missing, launch calls unavailable; when no attempt starts,
// it calls failed with the last error; both times it returns nil.
func launch(t testing.TB, name string, failed func(testing.TB, error), attempt func(bin, cfgPath string) (*child, error)) *child {
	t.Helper()
	bin, err := BinaryPath()
	if err != nil {
		unavailable(t, err)
		return nil
	}
	dir := t.TempDir()
	for n := 1; ; n++ {
		p, err := attempt(bin, filepath.Join(dir, fmt.Sprintf("%s-%d.yaml", name, n)))
		if err == nil {
			t.Cleanup(func() { p.stop(t, name) })
			return p
		}
		if !errors.Is(err, errAddrInUse) || n == startAttempts {
			failed(t, err)
			return nil
		}
		t.Logf("jaegertest: start attempt %d: %v; retrying on other ports", n, err)
	}
}

// unavailable skips the test, or fails it when CI=true.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("jaegertest: Jaeger is required when CI=true: %v", err)
		return
	}
	t.Skipf("jaegertest: Jaeger unavailable, skipping: %v", err)
}

// startChild writes cfg to cfgPath, runs bin with it and waits until ready
// reports it serves. On failure the process is gone when startChild
// returns.
func startChild(bin, cfgPath string, cfg []byte, ready readyFunc) (*child, error) {
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return nil, fmt.Errorf("jaegertest: write config: %w", err)
	}
	p := &child{exited: make(chan struct{}), log: newLogBuffer(maxLogBytes)}
	p.cmd = exec.Command(bin, "--config", cfgPath)
	p.cmd.Stdout = p.log
	p.cmd.Stderr = p.log
	setProcAttr(p.cmd)
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("jaegertest: start %s: %w", bin, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	if err := p.waitReady(ready); err != nil {
		p.terminate()
		return nil, err
	}
	return p, nil
}

// waitReady polls ready until it reports true, the process exits, or
// startTimeout passes.
func (p *child) waitReady(ready readyFunc) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if ready(ctx) {
			return nil
		}
		select {
		case <-p.exited:
			out := p.log.String()
			err := fmt.Errorf("jaegertest: jaeger exited before serving (%v); output:\n%s", p.waitErr, out)
			if strings.Contains(out, "address already in use") {
				err = fmt.Errorf("%w: %w", errAddrInUse, err)
			}
			return err
		case <-ctx.Done():
			return fmt.Errorf("jaegertest: jaeger not serving after %v; output:\n%s", startTimeout, p.log.String())
		case <-tick.C:
		}
	}
}

// stop ends the process and reports its output when the test failed.
func (p *child) stop(t testing.TB, name string) {
	t.Helper()
	select {
	case <-p.exited:
		t.Logf("jaegertest: %s exited during the test: %v", name, p.waitErr)
	default:
	}
	p.terminate()
	if t.Failed() {
		t.Logf("jaegertest: %s output:\n%s", name, p.log.String())
	}
}

// terminate sends SIGTERM, waits up to stopTimeout, then kills, and returns
// once the process has been reaped.
func (p *child) terminate() {
	select {
	case <-p.exited:
		return
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err == nil {
		timer := time.NewTimer(stopTimeout)
		defer timer.Stop()
		select {
		case <-p.exited:
			return
		case <-timer.C:
		}
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// acceptsAll reports whether every address accepts a TCP connection.
func acceptsAll(ctx context.Context, addrs ...string) bool {
	for _, addr := range addrs {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return false
		}
		_ = c.Close()
	}
	return true
}
