// Package pgtest starts private PostgreSQL servers for tests.
//
// Start runs initdb in a folder of its own under the system's temporary
// directory, starts postgres listening on 127.0.0.1 only, on a free port, with
// its Unix socket inside that folder, waits until it accepts connections, and
// stops it and removes the folder when the test ends. NewDatabase creates a
// database of the test's own and returns its DSN
// (postgres://postgres@127.0.0.1:PORT/NAME?sslmode=disable); the superuser
// postgres connects without a password (trust authentication).
//
// The server trades durability for speed (fsync, full_page_writes and
// synchronous_commit off) unless the test asks for Durable, which a test that
// kills the server (Kill) and expects its committed data back needs. Stop,
// Start and Restart stop and start the same data directory on the same port.
//
// initdb takes a second or two, so a test binary whose tests only need
// databases shares one server: Shared starts it on first use and
// StopSharedAfter stops it when the tests have run:
//
//	func TestMain(m *testing.M) { goleak.VerifyTestMain(pgtest.StopSharedAfter(m)) }
//
//	func TestSomething(t *testing.T) {
//		dsn := pgtest.Shared(t).NewDatabase(t)
//		...
//	}
//
// On Linux the kernel kills a server when its test binary dies without
// running its cleanups (a panic, go test's -timeout); the next server that
// starts removes the folders such binaries left.
//
// The binaries are those of the directory named by HIVETRACE_PG_BIN, else the
// directory of the initdb found on PATH, else the newest
// /usr/lib/postgresql/VERSION/bin (where Debian's postgresql package puts
// them). initdb refuses to run as root, so when the test runs as root the
// servers run as the postgres system user, in a folder that user owns.
//
// When PostgreSQL cannot be started (no binaries, no postgres user when run
// as root, or a server that does not come up), Start and Shared skip the test
// with the reason, except when the environment has CI=true: there they fail
// it, with the reason and the server's log, because CI must exercise the real
// database.
package pgtest
