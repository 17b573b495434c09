package pgtest

import "testing"

// Stop shuts the server down cleanly (a fast shutdown: open sessions are
// ended and every committed transaction is on disk) and returns once it has
// exited; the data directory stays for Start. It does nothing when the
// server is stopped, and fails the test for Shared's server.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.mayStop(t, "Stop") {
		s.stop(t)
	}
}

// stop is Stop for a server the test may stop.
func (s *Server) stop(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	p := s.proc
	s.proc = nil
	if err := p.terminate(); err != nil {
		t.Fatalf("%v\nserver log:\n%s", err, s.Log())
	}
}

// Kill ends the server with SIGKILL, as a crash would, and returns once it
// has exited; Start then recovers the data directory from its write-ahead
// log. Transactions committed before Kill survive when the server was
// started with Durable. It does nothing when the server is stopped, and
// fails the test for Shared's server.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	if !s.mayStop(t, "Kill") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	s.proc.kill()
	s.proc = nil
}

// Start starts the server again, on the same data directory and port, after
// Stop or Kill, and waits until it accepts connections (after crash
// recovery, following Kill). It fails the test when the server is running
// or does not start, for instance because another process took its port
// meanwhile.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil && !s.proc.hasExited() {
		t.Fatalf("pgtest: Start: the server on port %d is running", s.port)
		return
	}
	s.proc = nil
	if err := s.startProcess(); err != nil {
		t.Fatalf("%v\nserver log:\n%s", err, s.Log())
	}
}

// Restart stops the server cleanly and starts it again on the same data
// directory and port.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if s.mayStop(t, "Restart") {
		s.stop(t)
		s.Start(t)
	}
}

// mayStop fails the test when s is Shared's server, which other tests use.
func (s *Server) mayStop(t testing.TB, method string) bool {
	t.Helper()
	if s.shared {
		t.Fatalf("pgtest: %s: the shared server serves other tests; use pgtest.Start for a server of the test's own", method)
		return false
	}
	return true
}
