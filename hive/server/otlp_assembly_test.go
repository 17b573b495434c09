package server_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
	"github.com/hivetrace/hivetrace/internal/fidelity"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// runSpans returns the spans of each run, in the order runs first appear.
func runSpans(spans []sdktrace.ReadOnlySpan) [][]sdktrace.ReadOnlySpan {
	index := map[string]int{}
	var out [][]sdktrace.ReadOnlySpan
	for _, s := range spans {
		_, id := otelrecord.Classify(s.Attributes())
		i, ok := index[id]
		if !ok {
			i = len(out)
			index[id] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], s)
	}
	return out
}

// halves splits every run's spans in two: the first holds the task-run
// span and the first boundary span, the second the other boundary spans.
func halves(spans []sdktrace.ReadOnlySpan) (first, second []sdktrace.ReadOnlySpan) {
	for _, run := range runSpans(spans) {
		tasks, boundaries := splitSpans(run)
		first = append(first, tasks...)
		first = append(first, boundaries[:1]...)
		second = append(second, boundaries[1:]...)
	}
	return first, second
}

// openStore opens a SQLite store at path, closed when the test ends.
func openStore(t testing.TB, path string) *sqlitestore.Store {
	t.Helper()
	store, err := sqlitestore.Open(context.Background(), path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	return store
}

func TestOTLPRunsSplitAcrossExportsAreAssembled(t *testing.T) {
	store := openStore(t, filepath.Join(t.TempDir(), "hive.db"))
	n := startNode(t, store)
	runs := makeRuns(t, "svc", 6, 3)
	tasks, boundaries := splitSpans(runs.spans)

	// Boundary spans before their task-run spans, over both protocols and
	// both OTLP/HTTP encodings, the boundary spans themselves in two parts.
	require.NoError(t, exportHTTP(t, n.url, boundaries[:7]))
	requireJSONSuccess(t, n.post(collectorJSON(t, exportBody(t, boundaries[7:])), "application/json", ""), 0)
	assert.Empty(t, storedRecords(t, store), "no run is complete before its task-run span")
	require.NoError(t, exportGRPC(t, n.grpc, tasks))
	requireRecords(t, store, runs)

	st := n.srv.OTLPStats()
	assert.Equal(t, int64(24), st.Staged, "every span was staged")
	assert.Equal(t, int64(6), st.Records)
	assert.Zero(t, st.Incomplete)
}

func TestOTLPRunsInOneExportWithSplitRuns(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store)
	whole := makeRuns(t, "svc", 3, 2)
	split := makeRuns(t, "svc", 3, 2)
	first, second := halves(split.spans)
	require.NoError(t, exportHTTP(t, n.url, append(append([]sdktrace.ReadOnlySpan{}, whole.spans...), first...)))
	requireRecords(t, store, whole)
	require.NoError(t, exportHTTP(t, n.url, second, otlptracehttp.WithCompression(otlptracehttp.GzipCompression)))
	requireRecords(t, store, whole, split)
	st := n.srv.OTLPStats()
	assert.Equal(t, int64(9), st.Staged, "only the spans of split runs are staged")
	assert.Equal(t, int64(6), st.Records)
}

func TestOTLPRedeliveredSpansAreRecognised(t *testing.T) {
	store := openStore(t, filepath.Join(t.TempDir(), "hive.db"))
	n := startNode(t, store)
	runs := makeRuns(t, "svc", 4, 3)
	first, second := halves(runs.spans)

	require.NoError(t, exportHTTP(t, n.url, first))
	require.NoError(t, exportGRPC(t, n.grpc, first)) // the client did not see the answer and sent again
	assert.Equal(t, int64(8), n.srv.OTLPStats().Staged, "the copies are not staged")
	require.NoError(t, exportHTTP(t, n.url, second))
	requireRecords(t, store, runs)

	// Late copies of a run already stored, in part or whole, change nothing.
	require.NoError(t, exportHTTP(t, n.url, second))
	require.NoError(t, exportHTTP(t, n.url, runs.spans))
	requireRecords(t, store, runs)
	st := n.srv.OTLPStats()
	assert.Equal(t, int64(16), st.Staged)
	assert.Equal(t, int64(4), st.Records)
	assert.Zero(t, st.Rejected)
}

func TestOTLPLateSpansCompleteAnIncompleteRecord(t *testing.T) {
	for _, tc := range []struct {
		name  string
		store func(t *testing.T) server.Store
	}{
		{"memory", func(*testing.T) server.Store { return server.NewMemoryStore() }},
		{"sqlite", func(t *testing.T) server.Store { return openStore(t, filepath.Join(t.TempDir(), "hive.db")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := tc.store(t)
			n := startNode(t, store, server.WithAssemblyWait(50*time.Millisecond))
			runs := makeRuns(t, "svc", 2, 3)
			first, second := halves(runs.spans)
			require.NoError(t, exportHTTP(t, n.url, first))

			var got []*otelrecord.ExecutionRecord
			require.Eventually(t, func() bool {
				got = storedRecords(t, store)
				return len(got) == 2
			}, 10*time.Second, 10*time.Millisecond, "the sweeper stores the runs incomplete after the wait")
			for _, rec := range got {
				assert.Contains(t, rec.Metadata[otelrecord.MetadataIncomplete], "boundary", "the record says what is missing")
				assert.Len(t, rec.Boundaries["fetch"], 1)
			}
			assert.Equal(t, int64(2), n.srv.OTLPStats().Incomplete)

			require.NoError(t, exportHTTP(t, n.url, second))
			requireRecords(t, store, runs) // complete now, equal to the runs' own records
			st := n.srv.OTLPStats()
			assert.Equal(t, int64(4), st.Records, "two incomplete records, then their completion")

			require.NoError(t, n.srv.Sweep(context.Background()))
			requireRecords(t, store, runs)
		})
	}
}

func TestOTLPRestartMidRunLosesNoAcknowledgedSpan(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hive.db")
	runs := makeRuns(t, "svc", 5, 3)
	first, second := halves(runs.spans)

	store, err := sqlitestore.Open(context.Background(), path)
	require.NoError(t, err)
	n := startNode(t, store)
	require.NoError(t, exportHTTP(t, n.url, first))
	n.stop()
	require.NoError(t, store.Close())

	store = openStore(t, path)
	n = startNode(t, store)
	require.NoError(t, exportGRPC(t, n.grpc, second))
	requireRecords(t, store, runs)
	assert.Equal(t, int64(5), n.srv.OTLPStats().Records)
}

func TestOTLPTwoServersOnOneDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hive.db")
	storeA, storeB := openStore(t, path), openStore(t, path)
	wait := server.WithAssemblyWait(2 * time.Second)
	a, b := startNode(t, storeA, wait), startNode(t, storeB, wait)

	// Each run comes half to one server, half to the other, at once.
	runs := makeRuns(t, "svc", 12, 3)
	var wg sync.WaitGroup
	for i, run := range runSpans(runs.spans) {
		first, second := halves(run)
		to, other := a, b
		if i%2 == 1 {
			to, other = b, a
		}
		wg.Go(func() { assert.NoError(t, exportHTTP(t, to.url, first)) })
		wg.Go(func() { assert.NoError(t, exportGRPC(t, other.grpc, second)) })
	}
	wg.Wait()
	requireRecords(t, storeA, runs)
	requireRecords(t, storeB, runs)
	sa, sb := a.srv.OTLPStats(), b.srv.OTLPStats()
	assert.Equal(t, int64(12), sa.Records+sb.Records, "each run is assembled once")

	// Runs that never complete are stored incomplete once, though both
	// servers sweep.
	partial := makeRuns(t, "svc", 6, 3)
	first, _ := halves(partial.spans)
	for i, run := range runSpans(first) {
		to := a
		if i%2 == 1 {
			to = b
		}
		require.NoError(t, exportHTTP(t, to.url, run))
	}
	require.Eventually(t, func() bool {
		return len(storedRecords(t, storeA)) == 18
	}, 15*time.Second, 20*time.Millisecond)
	time.Sleep(300 * time.Millisecond) // a few more sweeps of both servers
	sa, sb = a.srv.OTLPStats(), b.srv.OTLPStats()
	assert.Equal(t, int64(6), sa.Incomplete+sb.Incomplete, "each incomplete run is stored once")
	assert.Equal(t, int64(18), sa.Records+sb.Records)
}

func TestOTLPOrphanBoundarySpansAreDropped(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store, server.WithAssemblyWait(20*time.Millisecond), server.WithAssemblyRetention(100*time.Millisecond))
	runs := makeRuns(t, "svc", 2, 3)
	_, boundaries := splitSpans(runs.spans)
	require.NoError(t, exportHTTP(t, n.url, boundaries))
	require.Eventually(t, func() bool { return n.srv.OTLPStats().Dropped == 6 }, 10*time.Second, 10*time.Millisecond)
	assert.Empty(t, storedRecords(t, store))
}

// TestOTLPRecordsEqualTheInProcessRebuild: the records the server stores
// are those otelrecord.Rebuild makes from the same spans in the process.
func TestOTLPRecordsEqualTheInProcessRebuild(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store)
	runs := makeRuns(t, "svc", 4, 2)
	first, second := halves(runs.spans)
	require.NoError(t, exportGRPC(t, n.grpc, second))
	require.NoError(t, exportHTTP(t, n.url, first))
	rebuilt := rebuildInProcess(t, runs.spans)
	got := storedRecords(t, store)
	require.Len(t, got, len(rebuilt))
	for _, want := range rebuilt {
		fidelity.AssertInRedacted(t, got, want, nil)
	}
}

// rebuildInProcess rebuilds the records of spans as an in-process exporter
// does.
func rebuildInProcess(t *testing.T, spans []sdktrace.ReadOnlySpan) []*otelrecord.ExecutionRecord {
	t.Helper()
	recs, err := otelrecord.Rebuild(sdkSpans(spans))
	require.NoError(t, err)
	return recs
}

// stagingDownStore is a store whose staging fails.
type stagingDownStore struct {
	server.Store
}

var errStoreDown = errors.New("disk on fire")

func (stagingDownStore) StageSpans(context.Context, []server.StagedRun, time.Time, time.Time) (server.StageResult, error) {
	return server.StageResult{}, errStoreDown
}

func (stagingDownStore) FinishRuns(context.Context, []server.AssembledRun) ([]server.FinishResult, error) {
	return nil, errStoreDown
}

func TestOTLPStoreFailureIsRetryable(t *testing.T) {
	n := startNode(t, stagingDownStore{server.NewMemoryStore()})
	runs := makeRuns(t, "svc", 1, 1)
	body := exportBody(t, runs.spans)

	resp := n.post(body, "application/x-protobuf", "")
	st := requireStatusBody(t, resp, http.StatusServiceUnavailable, false)
	assert.Equal(t, "5", resp.Header.Get("Retry-After"))
	assert.NotContains(t, st.Message, "fire", "store errors are logged, not answered")

	_, err := grpcExport(t, n.grpc, "Bearer "+apiKey+":"+apiSecret, mustRequest(t, body))
	gst := status.Convert(err)
	assert.Equal(t, codes.Unavailable, gst.Code(), "%v", err)
	require.Len(t, gst.Details(), 1)
	retry, ok := gst.Details()[0].(*errdetails.RetryInfo)
	require.True(t, ok, "a RetryInfo: %v", gst.Details())
	assert.Equal(t, 5*time.Second, retry.RetryDelay.AsDuration())

	first, _ := halves(runs.spans)
	resp = n.post(exportBody(t, first), "application/x-protobuf", "")
	requireStatusBody(t, resp, http.StatusServiceUnavailable, false)
	assert.Zero(t, n.srv.OTLPStats().Exports, "no export was taken")
}

// mustRequest decodes a protobuf export.
func mustRequest(t *testing.T, body []byte) *coltracepb.ExportTraceServiceRequest {
	t.Helper()
	req := new(coltracepb.ExportTraceServiceRequest)
	require.NoError(t, proto.Unmarshal(body, req))
	return req
}
