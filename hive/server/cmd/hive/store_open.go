package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/pgstore"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
)

// envDatabaseURL names the database of hive serve when --db is not given:
// a PostgreSQL URL (which keeps its password out of the process list) or a
// SQLite file path.
const envDatabaseURL = "HIVE_DATABASE_URL"

// maskedPassword replaces a password wherever a database is printed.
const maskedPassword = "xxxxx"

// closingStore is a server.Store that holds a database open.
type closingStore interface {
	server.Store
	Close() error
}

// databaseChoice is the database hive serve uses and the warnings about how
// it was given.
type databaseChoice struct {
	db       string
	warnings []string
}

// chooseDatabase returns the database: --db when it was given (flagSet),
// else HIVE_DATABASE_URL (env) when set, else the default the flag holds.
// The flag wins over the environment, and says so; a password in the flag
// is warned about, since anyone who can list processes can read it.
func chooseDatabase(flagValue string, flagSet bool, env string) databaseChoice {
	var c databaseChoice
	switch {
	case flagSet:
		c.db = flagValue
		if env != "" {
			c.warnings = append(c.warnings, "--db is given, so "+envDatabaseURL+" is ignored")
		}
		if databasePassword(flagValue) != "" {
			c.warnings = append(c.warnings, "--db carries a password, which anyone who can list processes can read; set "+
				envDatabaseURL+" instead")
		}
	case env != "":
		c.db = env
	default:
		c.db = flagValue
	}
	return c
}

// isPostgresURL reports whether db is a PostgreSQL URL (postgres:// or
// postgresql://, in any case).
func isPostgresURL(db string) bool {
	lower := strings.ToLower(db)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}

// checkDatabase refuses a database hive serve cannot open: an empty one, or
// a URL of another scheme than PostgreSQL's.
func checkDatabase(db string) error {
	switch {
	case db == "":
		return fmt.Errorf("no database: give --db (a SQLite file or a postgres:// URL) or set %s", envDatabaseURL)
	case isPostgresURL(db):
		if _, err := url.Parse(db); err != nil {
			return fmt.Errorf("database URL %s: not a valid URL", maskDatabase(db))
		}
		return nil
	case strings.Contains(db, "://"):
		return fmt.Errorf("database %s: give a SQLite file path or a postgres:// (postgresql://) URL", maskDatabase(db))
	}
	return nil
}

// openStore opens the database db names: PostgreSQL for a postgres:// or
// postgresql:// URL, else the SQLite file at the path (created when missing).
// An error never holds the URL's password.
func openStore(ctx context.Context, db string) (closingStore, error) {
	if !isPostgresURL(db) {
		store, err := sqlitestore.Open(ctx, db)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return store, nil
	}
	store, err := pgstore.Open(ctx, db)
	if err != nil {
		msg := err.Error()
		if pw := databasePassword(db); pw != "" {
			msg = strings.ReplaceAll(msg, pw, maskedPassword)
		}
		return nil, fmt.Errorf("open PostgreSQL database %s: %s", maskDatabase(db), msg)
	}
	return store, nil
}

// passwordParams are the query parameters of a PostgreSQL URL that hold a
// password.
var passwordParams = []string{"password", "sslpassword"}

// databasePassword returns the password a PostgreSQL URL carries, in its
// user information or its query; "" for a file path.
func databasePassword(db string) string {
	if !isPostgresURL(db) {
		return ""
	}
	u, err := url.Parse(db)
	if err != nil {
		return ""
	}
	if pw, ok := u.User.Password(); ok && pw != "" {
		return pw
	}
	q := u.Query()
	for _, p := range passwordParams {
		if v := q.Get(p); v != "" {
			return v
		}
	}
	return ""
}

// maskDatabase returns db as it may be printed: a file path as it is, a URL
// with its passwords (user information and query) masked. A URL that does
// not parse is reduced to its scheme.
func maskDatabase(db string) string {
	if !strings.Contains(db, "://") {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		scheme, _, _ := strings.Cut(db, "://")
		return scheme + "://…"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), maskedPassword)
	}
	q := u.Query()
	masked := false
	for _, p := range passwordParams {
		if q.Has(p) {
			q.Set(p, maskedPassword)
			masked = true
		}
	}
	if masked {
		u.RawQuery = q.Encode()
	}
	return u.String()
}
