package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// hiveServe runs `hive serve` on one address and database across restarts.
type hiveServe struct {
	bin, db, log string
	env          []string
	addr         string // 127.0.0.1:port once started
	children     *children
	proc         *child
}

// startupTimeout bounds how long hive serve may take to listen.
const startupTimeout = 30 * time.Second

var servingLine = regexp.MustCompile(`serving the Hive API on http://(127\.0\.0\.1:\d+)`)

// start runs hive serve (on a free port the first time, on the same one
// afterwards) and waits until it listens. Its output goes to h.log.
func (h *hiveServe) start(ctx context.Context) error {
	if h.proc != nil && !h.proc.exited() {
		return errors.New("hive serve is already running")
	}
	addr := h.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	logf, err := os.OpenFile(h.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	watch := &firstLine{w: logf, line: make(chan string, 1)}
	cmd := exec.Command(h.bin, "serve", "--addr", addr, "--db", h.db, "--log-level", "warn")
	cmd.Env = h.env
	cmd.Stdout, cmd.Stderr = watch, logf
	proc, err := h.children.start(cmd)
	if err != nil {
		_ = logf.Close()
		return fmt.Errorf("start hive serve: %w", err)
	}
	h.proc = proc
	go func() {
		<-proc.done
		_ = logf.Close()
	}()
	t := time.NewTimer(startupTimeout)
	defer t.Stop()
	select {
	case line := <-watch.line:
		m := servingLine.FindStringSubmatch(line)
		if m == nil {
			_ = proc.kill(5 * time.Second)
			return fmt.Errorf("hive serve printed %q, not its address (log: %s)", strings.TrimSpace(line), h.log)
		}
		h.addr = m[1]
		return nil
	case <-proc.done:
		return fmt.Errorf("hive serve ended before listening: %v (log: %s)", proc.err, h.log)
	case <-t.C:
	case <-ctx.Done():
	}
	_ = proc.kill(5 * time.Second)
	return fmt.Errorf("hive serve did not listen within %s (log: %s)", startupTimeout, h.log)
}

// firstLine passes what it is written to w and sends the first line on
// line.
type firstLine struct {
	w    io.Writer
	buf  []byte
	sent bool
	line chan string
}

func (f *firstLine) Write(p []byte) (int, error) {
	if !f.sent {
		f.buf = append(f.buf, p...)
		if i := bytes.IndexByte(f.buf, '\n'); i >= 0 {
			f.line <- string(f.buf[:i])
			f.sent, f.buf = true, nil
		}
	}
	return f.w.Write(p)
}

// url is the base URL hive serve answers on.
func (h *hiveServe) url() string { return "http://" + h.addr }

// kill ends hive serve with SIGKILL, as a crash would.
func (h *hiveServe) kill() error {
	if h.proc == nil {
		return nil
	}
	return h.proc.kill(10 * time.Second)
}

// stop ends hive serve with SIGTERM (a graceful stop), or SIGKILL when it
// does not stop in time.
func (h *hiveServe) stop() error {
	if h.proc == nil {
		return nil
	}
	return h.proc.stop(30 * time.Second)
}
