package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
)

// benchBatch is the number of records of one batch in the benchmarks.
const benchBatch = 500

// benchRecord returns a record of about 1 KB.
func benchRecord(task, id string) string {
	return fmt.Sprintf(`{"uuid":%q,"taskName":%q,"type":"success","input":{"userId":"u-1234","query":%q},`+
		`"output":{"rows":[1,2,3,4,5,6,7,8],"summary":%q},"metadata":{"requestId":"req-0001","region":"eu-west-1"},`+
		`"boundaries":{"fetch":[{"input":[1],"output":{"n":1},"timing":{"startTime":1795633372498,"endTime":1795633372502,"duration":4.25}}]},`+
		`"metrics":[{"type":"business","name":"score","value":10}],"timing":{"startTime":1795633372497,"endTime":1795633372505,"duration":8}}`,
		id, task, strings.Repeat("q", 200), strings.Repeat("s", 400))
}

// BenchmarkIngest stores batches of benchBatch records of about 1 KB through
// Store.Ingest, as the batch route does, on a durable PostgreSQL (fsync on),
// and reports records/s.
func BenchmarkIngest(b *testing.B) {
	srv := pgtest.Start(b, pgtest.Durable())
	if srv == nil {
		b.SkipNow()
	}
	ctx := context.Background()
	s := open(b, srv.NewDatabase(b))
	now := time.Now()
	n := 0
	for b.Loop() {
		b.StopTimer()
		entries := make([]server.IngestEntry, benchBatch)
		for i := range entries {
			id := fmt.Sprintf("0193f0a0-0000-7000-8000-%012d", n)
			n++
			entries[i] = server.IngestEntry{
				Log: server.StoredLog{
					ProjectUUID: "0193f0a0-aaaa-7000-8000-000000000001", TaskName: "bench", UUID: id,
					Record: json.RawMessage(benchRecord("bench", id)), CreatedAt: now.Add(time.Duration(n)),
				},
				ProjectName: "bench",
			}
		}
		b.StartTimer()
		results, err := s.Ingest(ctx, entries)
		if err != nil || len(results) != benchBatch {
			b.Fatalf("ingest: %v (%d results)", err, len(results))
		}
		if !results[benchBatch-1].Created {
			b.Fatal("the last record of the batch was not created")
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "records/s")
}
