package pgstore_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
	"github.com/hivetrace/hivetrace/hive/server/storetest"
)

// BenchmarkTaskStats measures Store.TaskStats and filtered listings over
// storetest.StatsRecords records (storetest.FillStats), after VACUUM
// ANALYZE.
func BenchmarkTaskStats(b *testing.B) {
	srv := pgtest.Shared(b)
	if srv == nil {
		b.SkipNow()
	}
	ctx := context.Background()
	dsn := srv.NewDatabase(b)
	s := open(b, dsn)
	start := storetest.FillStats(b, s)
	// The figures are of the steady state autovacuum keeps: statistics
	// gathered and the visibility map set (index-only scans read no heap).
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE logs"); err != nil {
		b.Fatal(err)
	}
	if err := conn.Close(ctx); err != nil {
		b.Fatal(err)
	}
	storetest.BenchmarkTaskStats(b, s, start)
}
