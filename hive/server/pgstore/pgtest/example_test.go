package pgtest_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
)

// A test that needs only a database takes one from the shared server.
func ExampleShared() {
	testStore := func(t *testing.T) {
		dsn := pgtest.Shared(t).NewDatabase(t) // skipped (failed when CI=true) without PostgreSQL
		conn, err := pgx.Connect(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		// ... open the store on dsn and test it.
	}
	_ = testStore
}

// A crash test starts a durable server of its own, kills it and starts it
// again on the same data directory and port.
func ExampleServer_Kill() {
	testCrash := func(t *testing.T) {
		s := pgtest.Start(t, pgtest.Durable())
		dsn := s.NewDatabase(t)
		// ... commit rows through dsn.
		s.Kill(t)
		s.Start(t)
		// ... the committed rows are back at the same dsn.
		_ = dsn
	}
	_ = testCrash
}
