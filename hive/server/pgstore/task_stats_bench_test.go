package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/pgstore"
	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
)

// statsBench are the sizes of the statistics benchmarks' database, as in
// the SQLite store's.
const (
	statsBenchRecords = 200_000
	statsBenchTasks   = 10
)

// BenchmarkTaskStats measures Store.TaskStats and filtered listings over
// statsBenchRecords records of about 1 KB over statsBenchTasks tasks of one
// project: one run a second, every seventh failing, durations 1 to 1000 ms,
// one in a hundred scored, after VACUUM ANALYZE.
func BenchmarkTaskStats(b *testing.B) {
	srv := pgtest.Shared(b)
	if srv == nil {
		b.SkipNow()
	}
	ctx := context.Background()
	dsn := srv.NewDatabase(b)
	s := open(b, dsn)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var entries []server.IngestEntry
	for i := range statsBenchRecords {
		task := fmt.Sprintf("task-%d", i%statsBenchTasks)
		id := fmt.Sprintf("0193f0a0-0000-7000-8000-%012d", i)
		typ, runStart := "success", start.Add(time.Duration(i)*time.Second)
		if i%7 == 3 {
			typ = "error"
		}
		rec := fmt.Sprintf(`{"uuid":%q,"taskName":%q,"type":%q,"input":{"q":%q},"output":{"s":%q},"timing":{"startTime":%d,"endTime":%d,"duration":%d}}`,
			id, task, typ, id, benchRecord(task, id)[:800], runStart.UnixMilli(), runStart.UnixMilli()+int64(i*7919%1000+1), i*7919%1000+1)
		e := server.IngestEntry{Log: server.StoredLog{ProjectUUID: "0193f0a0-aaaa-7000-8000-000000000001", TaskName: task, UUID: id,
			Record: json.RawMessage(rec), CreatedAt: runStart.Add(time.Millisecond)}, ProjectName: "bench"}
		if i%100 == 13 {
			e.Log.Quality = json.RawMessage(fmt.Sprintf(`{"score":%g}`, float64(i%1000)/1000))
		}
		entries = append(entries, e)
		if len(entries) == benchBatch || i == statsBenchRecords-1 {
			if _, err := s.Ingest(ctx, entries); err != nil {
				b.Fatal(err)
			}
			entries = entries[:0]
		}
	}
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
	mid := start.Add(statsBenchRecords / 2 * time.Second)
	stats := func(s *pgstore.Store, q server.TaskStatsQuery) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				st, err := s.TaskStats(ctx, q)
				if err != nil || len(st) != statsBenchTasks {
					b.Fatalf("task stats: %v (%d tasks)", err, len(st))
				}
			}
		}
	}
	list := func(s *pgstore.Store, q server.LogQuery) func(b *testing.B) {
		return func(b *testing.B) {
			q.TaskName, q.Limit = "task-3", 21
			for b.Loop() {
				es, err := s.ListLogs(ctx, q)
				if err != nil || len(es) == 0 {
					b.Fatalf("list: %v (%d records)", err, len(es))
				}
			}
		}
	}
	score := 0.9
	b.Run("stats/all", stats(s, server.TaskStatsQuery{}))
	b.Run("stats/last-hour", stats(s, server.TaskStatsQuery{Since: start.Add((statsBenchRecords - 3600) * time.Second)}))
	b.Run("stats/half", stats(s, server.TaskStatsQuery{Since: mid}))
	b.Run("list/none", list(s, server.LogQuery{}))
	b.Run("list/error", list(s, server.LogQuery{Type: server.TypeError}))
	b.Run("list/error-until-mid", list(s, server.LogQuery{Type: server.TypeError, Until: mid}))
	b.Run("list/quality", list(s, server.LogQuery{MinQuality: &score}))
}
