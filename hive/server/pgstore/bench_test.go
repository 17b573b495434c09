package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
	"github.com/hivetrace/hivetrace/hive/server/storetest"
)

// BenchmarkIngest stores batches of storetest.BenchBatch records of about 1 KB through
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
		entries := make([]server.IngestEntry, storetest.BenchBatch)
		for i := range entries {
			id := fmt.Sprintf("0193f0a0-0000-7000-8000-%012d", n)
			n++
			entries[i] = server.IngestEntry{
				Log: server.StoredLog{
					ProjectUUID: "0193f0a0-aaaa-7000-8000-000000000001", TaskName: "bench", UUID: id,
					Record: json.RawMessage(storetest.BenchRecord("bench", id)), CreatedAt: now.Add(time.Duration(n)),
				},
				ProjectName: "bench",
			}
		}
		b.StartTimer()
		results, err := s.Ingest(ctx, entries)
		if err != nil || len(results) != storetest.BenchBatch {
			b.Fatalf("ingest: %v (%d results)", err, len(results))
		}
		if !results[storetest.BenchBatch-1].Created {
			b.Fatal("the last record of the batch was not created")
		}
	}
	b.ReportMetric(float64(b.N*storetest.BenchBatch)/b.Elapsed().Seconds(), "records/s")
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
				Log:         server.StoredLog{ProjectUUID: r.Key.ProjectUUID, TaskName: "bench", UUID: r.Key.RunUUID, Record: json.RawMessage(storetest.BenchRecord("bench", r.Key.RunUUID))},
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
