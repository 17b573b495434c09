package sqlitestore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/storetest"
)

// BenchmarkIngest stores batches of storetest.BenchBatch records of about 1 KB through
// Store.Ingest, as the batch route does, and reports records/s.
func BenchmarkIngest(b *testing.B) {
	ctx := context.Background()
	s := open(b, filepath.Join(b.TempDir(), "hive.db"))
	defer s.Close()
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
					Record: json.RawMessage(storetest.BenchRecord("bench", id)), CreatedAt: now,
				},
				ProjectName: "bench",
			}
		}
		b.StartTimer()
		results, err := s.Ingest(ctx, entries)
		if err != nil || len(results) != storetest.BenchBatch {
			b.Fatalf("ingest: %v (%d results)", err, len(results))
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

// batchBodies returns n bodies of POST /api/log-ingest/batch, each of
// storetest.BenchBatch records of about 1 KB, all uuids distinct.
func batchBodies(b *testing.B, n int) []string {
	b.Helper()
	bodies := make([]string, n)
	next := 0
	for k := range bodies {
		items := make([]string, storetest.BenchBatch)
		for i := range items {
			id := fmt.Sprintf("0193f0a0-0000-7000-8000-%012d", next)
			next++
			rec, err := json.Marshal(storetest.BenchRecord("bench", id))
			require.NoError(b, err)
			items[i] = `{"projectUuid":"0193f0a0-aaaa-7000-8000-000000000001","projectName":"bench","taskUuid":"","logItem":` + string(rec) + `}`
		}
		bodies[k] = "[" + strings.Join(items, ",") + "]"
	}
	return bodies
}

// postBatch posts a batch body to srv as the client does (Prefer:
// return=minimal) and fails the benchmark on any answer but 200.
func postBatch(b *testing.B, srv http.Handler, body string) {
	req := httptest.NewRequest(http.MethodPost, "/api/log-ingest/batch", strings.NewReader(body))
	req.Header.Set("Prefer", "return=minimal")
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Errorf("status %d: %s", w.Code, w.Body)
	}
}

func benchServer(b *testing.B) http.Handler {
	s := open(b, filepath.Join(b.TempDir(), "hive.db"))
	b.Cleanup(func() { _ = s.Close() })
	return server.New(s, server.WithInsecureNoAuth(), server.WithLogger(slog.New(slog.DiscardHandler)))
}

// BenchmarkIngestHTTP posts batches of storetest.BenchBatch records of about 1 KB, one
// after another, to POST /api/log-ingest/batch of a server on a SQLite file,
// and reports records/s.
func BenchmarkIngestHTTP(b *testing.B) {
	srv := benchServer(b)
	bodies := batchBodies(b, b.N)
	b.ResetTimer()
	for i := range b.N {
		postBatch(b, srv, bodies[i])
	}
	b.ReportMetric(float64(b.N*storetest.BenchBatch)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkIngestHTTPConcurrent is BenchmarkIngestHTTP with four clients
// posting at the same time, so that decoding and storing overlap.
func BenchmarkIngestHTTPConcurrent(b *testing.B) {
	srv := benchServer(b)
	bodies := make(chan string, b.N)
	for _, body := range batchBodies(b, b.N) {
		bodies <- body
	}
	close(bodies)
	b.SetParallelism(max(1, 4/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			postBatch(b, srv, <-bodies)
		}
	})
	b.ReportMetric(float64(b.N*storetest.BenchBatch)/b.Elapsed().Seconds(), "records/s")
}
