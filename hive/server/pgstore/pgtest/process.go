package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// initdbTimeout bounds initdb.
	initdbTimeout = 2 * time.Minute
	// startTimeout bounds how long a postmaster may take to accept
	// connections (crash recovery included).
	startTimeout = time.Minute
	// stopTimeout bounds a fast shutdown before pgtest escalates.
	stopTimeout = 30 * time.Second
	// pollInterval is how often readiness is polled.
	pollInterval = 50 * time.Millisecond
)

var (
	// errAddrInUse marks a postmaster that found its port taken.
	errAddrInUse = errors.New("pgtest: port in use")
	// errShmemInUse marks a postmaster that found processes of a killed
	// predecessor still attached to its shared memory.
	errShmemInUse = errors.New("pgtest: shared memory of the previous postmaster still in use")
)

// process is a running postmaster.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd.Wait has returned
	// waitErr is cmd.Wait's result, readable once exited is closed.
	waitErr error
}

// command returns cmd running the named binary of s.bin as s.owner in s.dir,
// its output appended to the log, and the log file to close once the
// command has started.
func (s *Server) command(ctx context.Context, name string, args ...string) (*exec.Cmd, *os.File, error) {
	logf, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("pgtest: open log: %w", err)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.Env = childEnv(os.Environ())
	cmd.Stdout = logf
	cmd.Stderr = logf
	if err := setProcAttr(cmd, s.owner); err != nil {
		return nil, nil, errors.Join(err, logf.Close())
	}
	return cmd, logf, nil
}

// childEnv returns env without the PG* variables that would steer initdb or
// postgres elsewhere, and with the C locale so the log reads the same
// everywhere.
func childEnv(env []string) []string {
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PG") || name == "LANG" || strings.HasPrefix(name, "LC_") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "LANG=C", "LC_ALL=C")
}

// initdb creates the data directory: superuser postgres, trust
// authentication, UTF8, C locale, no fsync.
func (s *Server) initdb() error {
	ctx, cancel := context.WithTimeout(context.Background(), initdbTimeout)
	defer cancel()
	cmd, logf, err := s.command(ctx, "initdb",
		"-D", s.DataDir(), "-U", superuser, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync")
	if err != nil {
		return err
	}
	err = cmd.Run()
	if cerr := logf.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pgtest: initdb: %w", err)
	}
	return nil
}

// startProcess starts the postmaster on s.port and waits until it accepts
// connections, retrying while processes of a killed predecessor are still
// attached to the shared memory. On failure no postmaster is left running.
func (s *Server) startProcess() error {
	deadline := time.Now().Add(startTimeout)
	for {
		p, err := s.spawn()
		if err == nil {
			s.proc = p
			return nil
		}
		if !errors.Is(err, errShmemInUse) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(pollInterval)
	}
}

// spawn starts one postmaster and waits until it accepts connections.
func (s *Server) spawn() (*process, error) {
	args := append([]string{
		"-D", s.DataDir(), "-h", "127.0.0.1", "-p", strconv.Itoa(s.port), "-k", s.socketDir(),
	}, s.cfg.serverArgs()...)
	logStart := s.logSize()
	cmd, logf, err := s.command(context.Background(), "postgres", args...)
	if err != nil {
		return nil, err
	}
	err = cmd.Start()
	if cerr := logf.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("pgtest: start postgres: %w", err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	if err := s.waitReady(p, logStart); err != nil {
		return nil, errors.Join(err, p.terminate())
	}
	return p, nil
}

// waitReady polls until the postmaster accepts connections, exits, or
// startTimeout passes. logStart is the size of the log before it started.
func (s *Server) waitReady(p *process, logStart int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if s.ping(ctx) == nil {
			return nil
		}
		select {
		case <-p.exited:
			out := s.logSince(logStart)
			err := fmt.Errorf("pgtest: postgres on port %d exited before accepting connections (%v)", s.port, p.waitErr)
			switch {
			case strings.Contains(out, "Address already in use"):
				err = fmt.Errorf("%w: %w", errAddrInUse, err)
			case strings.Contains(out, "pre-existing shared memory block") && strings.Contains(out, "still in use"):
				err = fmt.Errorf("%w: %w", errShmemInUse, err)
			}
			return err
		case <-ctx.Done():
			return fmt.Errorf("pgtest: postgres on port %d not accepting connections after %v", s.port, startTimeout)
		case <-tick.C:
		}
	}
}

// ping connects to the postgres database and disconnects.
func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// hasExited reports whether the postmaster has exited.
func (p *process) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// terminate asks for a fast shutdown (SIGINT: sessions are ended, a
// checkpoint written), then an immediate one (SIGQUIT), then kills, and
// returns once the postmaster has been reaped. The error reports a
// postmaster that did not exit cleanly, or exited before it was asked to.
func (p *process) terminate() error {
	if p.hasExited() {
		return fmt.Errorf("pgtest: postgres had exited: %v", p.waitErr)
	}
	for _, step := range []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{syscall.SIGINT, stopTimeout}, {syscall.SIGQUIT, 5 * time.Second}} {
		if err := p.cmd.Process.Signal(step.sig); err != nil {
			break
		}
		timer := time.NewTimer(step.wait)
		select {
		case <-p.exited:
			timer.Stop()
			switch {
			case step.sig != syscall.SIGINT:
				return fmt.Errorf("pgtest: postgres ignored a fast shutdown for %v", stopTimeout)
			case p.waitErr != nil:
				return fmt.Errorf("pgtest: postgres stopped with %s: %w", step.sig, p.waitErr)
			}
			return nil
		case <-timer.C:
		}
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
	return fmt.Errorf("pgtest: postgres had to be killed: %v", p.waitErr)
}

// kill sends SIGKILL and returns once the postmaster has been reaped.
func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}
