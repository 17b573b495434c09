package pgtest

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
)

// shared is the server Shared starts once per test binary.
var shared struct {
	once sync.Once
	mu   sync.Mutex
	srv  *Server
	err  error // why there is no server
}

// errSharedStopped is Shared's error once StopShared has run.
var errSharedStopped = errors.New("pgtest: the shared server was stopped (StopShared)")

// Shared returns the test binary's shared server, starting it (with the
// default, fast settings) on the first call. Tests take databases of their
// own from it with NewDatabase and must not stop it. When the test fails,
// the server's log is logged. When PostgreSQL cannot be started, Shared
// skips the test with the reason, or fails it when CI=true, and returns
// nil, for this and every later call.
//
// StopSharedAfter (or StopShared in a TestMain) stops the server and removes
// its folder when the tests have run; without it the server is killed when
// the test binary exits, and its folder under the temporary directory stays
// until a later test binary starts a server (which sweeps such folders).
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.once.Do(func() {
		s, err := launch(config{})
		if s != nil {
			s.shared = true
		}
		shared.mu.Lock()
		shared.srv, shared.err = s, err
		shared.mu.Unlock()
	})
	shared.mu.Lock()
	s, err := shared.srv, shared.err
	shared.mu.Unlock()
	if err != nil {
		unavailable(t, err)
		return nil
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pgtest: shared server log:\n%s", s.Log())
		}
	})
	return s
}

// StopShared stops the shared server, if Shared started one, and removes its
// folder. Later calls of Shared skip (or fail) their tests.
func StopShared() error {
	shared.once.Do(func() {}) // no server may start after this
	shared.mu.Lock()
	defer shared.mu.Unlock()
	s := shared.srv
	shared.srv, shared.err = nil, errSharedStopped
	if s == nil {
		return nil
	}
	return s.close()
}

// Runner is what runs a test binary's tests: *testing.M, or a wrapper of it
// such as the one goleak.VerifyTestMain takes.
type Runner interface {
	// Run runs the tests and returns the exit code.
	Run() int
}

// StopSharedAfter returns m with a Run that runs m's tests and then stops
// the shared server. When stopping fails, Run reports it on standard error
// and returns 1 if the tests had passed.
func StopSharedAfter(m Runner) Runner { return stopSharedAfter{m} }

// stopSharedAfter is StopSharedAfter's Runner.
type stopSharedAfter struct{ m Runner }

// Run runs the tests, then stops the shared server.
func (r stopSharedAfter) Run() int {
	code := r.m.Run()
	if err := StopShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
