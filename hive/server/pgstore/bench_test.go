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

// BenchmarkStageAndFinish stages whole runs (a task-run span and 7 boundary
// spans each), 64 runs a call, as the OTLP endpoints do with an export,
// then stores the records of the runs the call completed; it reports spans/s.
func BenchmarkStageAndFinish(b *testing.B) {
	srv := pgtest.Start(b, pgtest.Durable())
	if srv == nil {
		b.SkipNow()
	}
	const (
		runsPerCall = 64
		boundaries  = 7
	)
	ctx := context.Background()
	s := open(b, srv.NewDatabase(b))
	now := time.Now()
	n := 0
	data := make([]byte, 300)
	for b.Loop() {
		b.StopTimer()
		runs := make([]server.StagedRun, runsPerCall)
		for i := range runs {
			key := server.RunKey{ProjectUUID: "0193f0a0-aaaa-7000-8000-000000000001", RunUUID: fmt.Sprintf("0193f0a0-0000-7000-8000-%012d", n)}
			n++
			spans := []server.StagedSpan{{Task: true, Want: boundaries, Data: data}}
			for j := range boundaries {
				spans = append(spans, server.StagedSpan{Want: -1, Data: data})
				spans[j+1].SpanID[0] = byte(j + 1)
			}
			runs[i] = server.StagedRun{Key: key, ProjectName: "bench", Spans: spans}
		}
		b.StartTimer()
		res, err := s.StageSpans(ctx, runs, now, now.Add(time.Minute))
		if err != nil || len(res.Ready) != runsPerCall {
			b.Fatalf("stage: %v (%d ready)", err, len(res.Ready))
		}
		done := make([]server.AssembledRun, len(res.Ready))
		for i, r := range res.Ready {
			done[i] = server.AssembledRun{Key: r.Key, Entry: server.IngestEntry{
				Log:         server.StoredLog{ProjectUUID: r.Key.ProjectUUID, TaskName: "bench", UUID: r.Key.RunUUID, Record: json.RawMessage(benchRecord("bench", r.Key.RunUUID))},
				ProjectName: "bench",
			}}
		}
		fin, err := s.FinishRuns(ctx, done)
		if err != nil || !fin[0].Created {
			b.Fatalf("finish: %v", err)
		}
	}
	b.ReportMetric(float64(b.N*runsPerCall*(boundaries+1))/b.Elapsed().Seconds(), "spans/s")
}
