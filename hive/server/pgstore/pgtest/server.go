package pgtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// superuser is the role initdb creates and the DSNs connect as.
const superuser = "postgres"

// portAttempts bounds how many free ports Start tries when another process
// takes the one it picked before postgres binds it.
const portAttempts = 5

// Server is a private PostgreSQL server: one data directory, served on one
// loopback port. Its methods are safe for concurrent use.
type Server struct {
	bin    string // the directory of initdb and postgres
	owner  owner
	dir    string // the folder holding data, socket and log; removed at the end
	cfg    config
	port   int
	shared bool // Shared's server: tests may not stop it
	dbSeq  atomic.Int64

	mu   sync.Mutex
	proc *process // nil while stopped
}

// Start starts a server for the test, stopped and removed when the test and
// its subtests have finished. When PostgreSQL cannot be started it skips the
// test with the reason, or fails it when the environment has CI=true, and
// returns nil.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	s, err := launch(cfg)
	if err != nil {
		unavailable(t, err)
		return nil
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pgtest: server log:\n%s", s.Log())
		}
		if err := s.close(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return s
}

// unavailable skips the test, or fails it when CI=true.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("pgtest: PostgreSQL is required when CI=true: %v", err)
		return
	}
	t.Skipf("pgtest: PostgreSQL unavailable, skipping: %v", err)
}

// launch creates the server's folder, runs initdb in it and starts postgres
// on a free port. On failure nothing is left running or on disk, and the
// error holds the log.
func launch(cfg config) (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	o, err := serverOwner()
	if err != nil {
		return nil, err
	}
	sweepStale(os.TempDir())
	dir, err := os.MkdirTemp("", folderPrefix)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{bin: bin, owner: o, dir: dir, cfg: cfg}
	fail := func(err error) (*Server, error) {
		err = fmt.Errorf("%w\nserver log:\n%s", err, s.Log())
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	if err := writeOwnerPID(dir); err != nil {
		return fail(fmt.Errorf("pgtest: %w", err))
	}
	if err := o.chown(dir); err != nil {
		return fail(err)
	}
	if err := o.mkdir(s.socketDir()); err != nil {
		return fail(err)
	}
	if err := s.initdb(); err != nil {
		return fail(err)
	}
	for n := 1; ; n++ {
		if s.port, err = freePort(); err != nil {
			return fail(err)
		}
		err := s.startProcess()
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errAddrInUse) || n == portAttempts {
			return fail(err)
		}
	}
}

// freePort returns a port of 127.0.0.1 that was free a moment ago: another
// process may take it before postgres binds it, which launch retries.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	return port, nil
}

// Port returns the TCP port the server listens on, on 127.0.0.1. It stays
// the same across Stop and Start.
func (s *Server) Port() int { return s.port }

// Addr returns the server's "127.0.0.1:port" address.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// DSN returns the URL that connects to database db as the superuser.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", superuser, s.Addr(), db)
}

// DataDir returns the server's data directory (owned by the postgres user
// when the test runs as root).
func (s *Server) DataDir() string { return filepath.Join(s.dir, "data") }

// socketDir is where postgres puts its Unix socket and lock file.
func (s *Server) socketDir() string { return filepath.Join(s.dir, "socket") }

// logPath is the file that receives initdb's and postgres's output.
func (s *Server) logPath() string { return filepath.Join(s.dir, "postgres.log") }

// Running reports whether the server's postmaster is running.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil && !s.proc.hasExited()
}

// close stops the server and removes its folder.
func (s *Server) close() error {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	var err error
	if p != nil {
		err = p.terminate()
	}
	return errors.Join(err, os.RemoveAll(s.dir))
}
