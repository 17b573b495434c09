package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
)

// BenchBatch is the number of records of one Ingest call in the stores'
// benchmarks, as the batch route sends them.
const BenchBatch = 500

// BenchRecord returns a record of task with uuid id of about 1 KB: the
// record the stores' ingest benchmarks write.
func BenchRecord(task, id string) string {
	return fmt.Sprintf(`{"uuid":%q,"taskName":%q,"type":"success","input":{"userId":"u-1234","query":%q},`+
		`"output":{"rows":[1,2,3,4,5,6,7,8],"summary":%q},"metadata":{"requestId":"req-0001","region":"eu-west-1"},`+
		`"boundaries":{"fetch":[{"input":[1],"output":{"n":1},"timing":{"startTime":1795633372498,"endTime":1795633372502,"duration":4.25}}]},`+
		`"metrics":[{"type":"business","name":"score","value":10}],"timing":{"startTime":1795633372497,"endTime":1795633372505,"duration":8}}`,
		id, task, strings.Repeat("q", 200), strings.Repeat("s", 400))
}

// The sizes of the statistics benchmarks' database (FillStats).
const (
	StatsRecords = 200_000
	StatsTasks   = 10
)

// FillStats ingests StatsRecords records of about 1 KB over StatsTasks
// tasks of one project into s, BenchBatch a call: one run a second, every
// seventh failing, durations 1 to 1000 ms, one in a hundred scored. It
// returns the start of the first run, which BenchmarkTaskStats takes.
func FillStats(tb testing.TB, s server.Store) time.Time {
	tb.Helper()
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var entries []server.IngestEntry
	for i := range StatsRecords {
		task := fmt.Sprintf("task-%d", i%StatsTasks)
		id := fmt.Sprintf("0193f0a0-0000-7000-8000-%012d", i)
		typ, runStart := "success", start.Add(time.Duration(i)*time.Second)
		if i%7 == 3 {
			typ = "error"
		}
		rec := fmt.Sprintf(`{"uuid":%q,"taskName":%q,"type":%q,"input":{"q":%q},"output":{"s":%q},"timing":{"startTime":%d,"endTime":%d,"duration":%d}}`,
			id, task, typ, id, BenchRecord(task, id)[:800], runStart.UnixMilli(), runStart.UnixMilli()+int64(i*7919%1000+1), i*7919%1000+1)
		e := server.IngestEntry{Log: server.StoredLog{ProjectUUID: "0193f0a0-aaaa-7000-8000-000000000001", TaskName: task, UUID: id,
			Record: json.RawMessage(rec), CreatedAt: runStart.Add(time.Millisecond)}, ProjectName: "bench"}
		if i%100 == 13 {
			e.Log.Quality = json.RawMessage(fmt.Sprintf(`{"score":%g}`, float64(i%1000)/1000))
		}
		entries = append(entries, e)
		if len(entries) == BenchBatch || i == StatsRecords-1 {
			if _, err := s.Ingest(ctx, entries); err != nil {
				tb.Fatal(err)
			}
			entries = entries[:0]
		}
	}
	return start
}

// BenchmarkTaskStats measures Store.TaskStats (every run, the last hour,
// the newer half) and 21-record pages of one task's listing under filters,
// over a store FillStats filled; start is what FillStats returned.
func BenchmarkTaskStats(b *testing.B, s server.Store, start time.Time) {
	ctx := context.Background()
	mid := start.Add(StatsRecords / 2 * time.Second)
	stats := func(q server.TaskStatsQuery) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				st, err := s.TaskStats(ctx, q)
				if err != nil || len(st) != StatsTasks {
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
	b.Run("stats/last-hour", stats(server.TaskStatsQuery{Since: start.Add((StatsRecords - 3600) * time.Second)}))
	b.Run("stats/half", stats(server.TaskStatsQuery{Since: mid}))
	b.Run("list/none", list(server.LogQuery{}))
	b.Run("list/error", list(server.LogQuery{Type: server.TypeError}))
	b.Run("list/error-until-mid", list(server.LogQuery{Type: server.TypeError, Until: mid}))
	b.Run("list/quality", list(server.LogQuery{MinQuality: &score}))
}
