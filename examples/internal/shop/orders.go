package shop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// OrderSummary is what the orders query returns for a user.
type OrderSummary struct {
	Count int     `json:"count"`
	Total float64 `json:"total"`
}

// ErrNoDB is returned by a real orders query when Deps has no DB.
var ErrNoDB = errors.New("shop: no orders database configured")

const schema = `
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, amount REAL NOT NULL);
INSERT INTO orders (user_id, amount) VALUES (1, 12.5), (1, 7.5), (2, 99.9), (3, 3.0), (3, 4.0), (3, 5.0);
`

// OpenDB opens an in-memory SQLite database seeded with a few orders.
// The pool keeps a single connection, since every connection to ":memory:"
// is a database of its own. Close it when done.
func OpenDB(ctx context.Context) (*sql.DB, error) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return nil, fmt.Errorf("shop: open database: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("shop: seed database: %w", err)
	}
	return db, nil
}

// ordersQuery returns the real function of the queryOrders boundary.
func ordersQuery(db *sql.DB) func(context.Context, int) (OrderSummary, error) {
	return func(ctx context.Context, userID int) (OrderSummary, error) {
		if db == nil {
			return OrderSummary{}, ErrNoDB
		}
		var s OrderSummary
		err := db.QueryRowContext(ctx,
			`SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM orders WHERE user_id = ?`, userID).Scan(&s.Count, &s.Total)
		if err != nil {
			return OrderSummary{}, fmt.Errorf("orders of user %d: %w", userID, err)
		}
		return s, nil
	}
}
