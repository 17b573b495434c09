package pgtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// maxIdentLen is PostgreSQL's limit on identifier length, in bytes.
const maxIdentLen = 63

// NewDatabase creates an empty database for the test and returns its DSN,
// postgres://postgres@127.0.0.1:PORT/NAME?sslmode=disable. Each call makes a
// new database, named after the test. On Shared's server the database is
// dropped when the test ends (its sessions ended first); on a server of the
// test's own it goes with the server. It fails the test when the server
// does not create it.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := databaseName(s.dbSeq.Add(1), t.Name())
	ident := pgx.Identifier{name}.Sanitize()
	ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
	defer cancel()
	if err := s.exec(ctx, "CREATE DATABASE "+ident); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
		return ""
	}
	if s.shared {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
			defer cancel()
			if err := s.exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
				t.Logf("pgtest: drop database %s: %v", name, err)
			}
		})
	}
	return s.DSN(name)
}

// exec runs one statement in the postgres database as the superuser.
func (s *Server) exec(ctx context.Context, sql string) (err error) {
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		if cerr := conn.Close(context.WithoutCancel(ctx)); err == nil && cerr != nil {
			err = fmt.Errorf("close: %w", cerr)
		}
	}()
	if _, err := conn.Exec(ctx, sql); err != nil {
		return err
	}
	return nil
}

// databaseName returns "t<seq>_<test name>", lower case, with every byte
// other than a-z, 0-9 and _ made _, cut to PostgreSQL's 63 bytes: unique per
// server through seq, readable in its log through the test name.
func databaseName(seq int64, testName string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "t%d_", seq)
	for _, c := range []byte(strings.ToLower(testName)) {
		if b.Len() == maxIdentLen {
			break
		}
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteByte(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
