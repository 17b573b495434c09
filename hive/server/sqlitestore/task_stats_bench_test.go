package sqlitestore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
)

// statsBench are the sizes of the statistics benchmarks' database.
const (
	statsBenchRecords = 200_000
	statsBenchTasks   = 10
)

// statsBenchStore returns a store holding statsBenchRecords records of
// about 1 KB over statsBenchTasks tasks of one project: one run a second,
// every seventh failing, durations 1 to 1000 ms, one in a hundred scored.
func statsBenchStore(b *testing.B) (*sqlitestore.Store, time.Time) {
	b.Helper()
	ctx := context.Background()
	s := open(b, filepath.Join(b.TempDir(), "hive.db"))
	b.Cleanup(func() { _ = s.Close() })
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
	return s, start
}

// BenchmarkTaskStats measures Store.TaskStats and filtered listings over
// statsBenchRecords records.
func BenchmarkTaskStats(b *testing.B) {
	ctx := context.Background()
	s, start := statsBenchStore(b)
	mid := start.Add(statsBenchRecords / 2 * time.Second)
	stats := func(q server.TaskStatsQuery) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				st, err := s.TaskStats(ctx, q)
				if err != nil || len(st) != statsBenchTasks {
					b.Fatalf("task stats: %v (%d tasks)", err, len(st))
				}
			}
		}
	}
	list := func(q server.LogQuery) func(b *testing.B) {
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
	b.Run("stats/all", stats(server.TaskStatsQuery{}))
	b.Run("stats/last-hour", stats(server.TaskStatsQuery{Since: start.Add((statsBenchRecords - 3600) * time.Second)}))
	b.Run("stats/half", stats(server.TaskStatsQuery{Since: mid}))
	b.Run("list/none", list(server.LogQuery{}))
	b.Run("list/error", list(server.LogQuery{Type: server.TypeError}))
	b.Run("list/error-until-mid", list(server.LogQuery{Type: server.TypeError, Until: mid}))
	b.Run("list/quality", list(server.LogQuery{MinQuality: &score}))
}
