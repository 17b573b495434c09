package e2e_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/exporter/otelsetup"
	"github.com/hivetrace/hivetrace/integration/internal/jaegertest"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// collector is a sink keeping every record it is given.
type collector struct {
	mu   sync.Mutex
	recs map[string]*otelrecord.ExecutionRecord
}

func (c *collector) Deliver(_ context.Context, recs ...*otelrecord.ExecutionRecord) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.recs == nil {
		c.recs = make(map[string]*otelrecord.ExecutionRecord)
	}
	for _, r := range recs {
		c.recs[r.UUID] = r
	}
	return nil
}

func (c *collector) get(uuid string) *otelrecord.ExecutionRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.recs[uuid]
}

// countingExporter counts the spans it passes on.
type countingExporter struct {
	sdktrace.SpanExporter
	spans atomic.Int64
}

func (e *countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.spans.Add(int64(len(spans)))
	return e.SpanExporter.ExportSpans(ctx, spans)
}

// traces groups records by the trace their task-run span belongs to and
// counts the spans each trace must hold: a task-run span per record and a
// boundary span per call.
func traces(t *testing.T, records []*otelrecord.ExecutionRecord) (ids []string, spans map[string]int, byTrace map[string][]*otelrecord.ExecutionRecord) {
	t.Helper()
	spans = make(map[string]int)
	byTrace = make(map[string][]*otelrecord.ExecutionRecord)
	for _, r := range records {
		id := r.Metadata[otelrecord.MetadataTraceID]
		require.Len(t, id, 32, "record %s names its trace", r.UUID)
		if _, ok := spans[id]; !ok {
			ids = append(ids, id)
		}
		spans[id]++
		for _, calls := range r.Boundaries {
			spans[id] += len(calls)
		}
		byTrace[id] = append(byTrace[id], r)
	}
	return ids, spans, byTrace
}

// TestJaeger sends task runs through otelsetup.Setup's OTLP gRPC exporter to a
// real Jaeger, reads the traces back from its query API and rebuilds the
// records from them, in process and with "hive rebuild"; with a ratio-0
// sampler, every record is still rebuilt in process while Jaeger receives
// nothing.
func TestJaeger(t *testing.T) {
	j := jaegertest.Start(t)
	if j == nil {
		return
	}
	var roundTrip []*otelrecord.ExecutionRecord

	t.Run("round trip", func(t *testing.T) {
		cleanEnv(t)
		resetGlobals(t)
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+j.OTLPGRPCEndpoint())
		t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
		t.Setenv("OTEL_METRICS_EXPORTER", "none")
		t.Setenv("OTEL_SERVICE_NAME", "e2e-jaeger")
		sink := &collector{}
		shutdown, err := otelsetup.Setup(context.Background(), otelsetup.WithSink(sink))
		require.NoError(t, err)

		s := newScenarios()
		s.run(context.Background(), t)
		ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
		defer cancel()
		require.NoError(t, shutdown(ctx), "shutdown flushes the spans to Jaeger")

		records := s.all()
		roundTrip = records
		ids, want, byTrace := traces(t, records)
		matched := 0
		for _, id := range ids {
			spans, err := j.WaitTrace(ctx, id, want[id])
			require.NoError(t, err, "trace %s with %d spans", id, want[id])
			require.Len(t, spans, want[id], "trace %s", id)
			rebuilt, err := otelrecord.Rebuild(spans)
			require.NoError(t, err, "trace %s", id)
			got := make(map[string]*otelrecord.ExecutionRecord)
			for _, r := range rebuilt {
				got[r.UUID] = r
			}
			require.Len(t, got, len(byTrace[id]), "records of trace %s", id)
			for _, w := range byTrace[id] {
				requireSameRecord(t, w, got[w.UUID], "record %s of %s rebuilt from Jaeger", w.UUID, w.TaskName)
				requireSameRecord(t, w, sink.get(w.UUID), "record %s of %s rebuilt in process", w.UUID, w.TaskName)
				matched++
			}
		}
		require.Equal(t, len(records), matched)
		t.Logf("jaeger round trip: fetched %d traces, matched %d/%d records", len(ids), matched, len(records))
	})

	t.Run("hive rebuild", func(t *testing.T) {
		if len(roundTrip) == 0 {
			t.Skip("needs the round trip's traces")
		}
		ids, _, byTrace := traces(t, roundTrip)
		env := hiveEnv()
		code, stdout, stderr := runHive(t, env, append([]string{"rebuild", "--jaeger", j.QueryURL(), "--json"},
			prefixed("--trace", ids)...)...)
		require.Equal(t, 0, code, stderr)
		got := make(map[string]*otelrecord.ExecutionRecord)
		for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
			var r otelrecord.ExecutionRecord
			require.NoError(t, json.Unmarshal([]byte(line), &r), line)
			got[r.UUID] = &r
		}
		require.Len(t, got, len(roundTrip))
		for _, w := range roundTrip {
			requireSameRecord(t, w, got[w.UUID], "hive rebuild: record %s of %s", w.UUID, w.TaskName)
		}

		// The nested trace, printed for people, then sent to a real Hive.
		nested := ""
		for _, id := range ids {
			if len(byTrace[id]) > 1 {
				nested = id
			}
		}
		require.NotEmpty(t, nested, "the nested run's trace holds several records")
		code, stdout, stderr = runHive(t, env, "rebuild", "--jaeger", j.QueryURL(), "--trace", nested)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "BOUNDARY")
		assert.Equal(t, len(byTrace[nested]), strings.Count(stdout, `"taskName"`))

		srv := startHiveServe(t, "127.0.0.1:0", filepath.Join(t.TempDir(), "hive.db"))
		sendEnv := hiveEnv("HIVE_HOST="+srv.URL, hiveKeyEnv, hiveSecretEnv, "HIVE_PROJECT_UUID="+hiveProject)
		code, stdout, stderr = runHive(t, sendEnv, "rebuild", "--jaeger", j.QueryURL(), "--trace", nested, "--send")
		require.Equal(t, 0, code, stderr)
		for _, w := range byTrace[nested] {
			assert.Contains(t, stdout, "sent "+w.UUID)
			code, out, stderr := runHive(t, sendEnv, "logs", "show", w.TaskName, w.UUID)
			require.Equal(t, 0, code, stderr)
			var stored otelrecord.ExecutionRecord
			require.NoError(t, json.NewDecoder(strings.NewReader(out)).Decode(&stored))
			requireSameRecord(t, w, &stored)
		}

		code, _, stderr = runHive(t, env, "rebuild", "--jaeger", j.QueryURL(), "--trace", "0af7651916cd43dd8448eb211c80319c")
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "not found")
	})

	t.Run("ratio 0", func(t *testing.T) {
		cleanEnv(t)
		resetGlobals(t)
		ctx := context.Background()
		otlp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(j.OTLPGRPCEndpoint()), otlptracegrpc.WithInsecure())
		require.NoError(t, err)
		exp := &countingExporter{SpanExporter: otlp}
		sink := &collector{}
		shutdown, err := otelsetup.Setup(ctx,
			otelsetup.WithSink(sink),
			otelsetup.WithSampler(sdktrace.TraceIDRatioBased(0)),
			otelsetup.WithSpanExporter(exp),
			otelsetup.WithMetricReader(sdkmetric.NewManualReader()))
		require.NoError(t, err)

		s := newScenarios()
		s.run(ctx, t)
		sctx, cancel := context.WithTimeout(ctx, flushTimeout)
		defer cancel()
		require.NoError(t, shutdown(sctx))

		records := s.all()
		for _, w := range records {
			requireSameRecord(t, w, sink.get(w.UUID), "record %s of %s rebuilt in process", w.UUID, w.TaskName)
		}
		assert.Zero(t, exp.spans.Load(), "no span is exported")
		// Jaeger has had every span of the round trip, sent earlier; none of
		// these traces reached it.
		ids, _, _ := traces(t, records)
		for _, id := range ids {
			_, err := j.Trace(sctx, id)
			require.True(t, errors.Is(err, jaegertest.ErrNotFound), "trace %s: %v", id, err)
		}
		t.Logf("ratio 0: %d/%d records rebuilt in process, %d spans exported, %d traces absent from Jaeger",
			len(records), len(records), exp.spans.Load(), len(ids))
	})
}

func prefixed(flag string, values []string) []string {
	var out []string
	for _, v := range values {
		out = append(out, flag, v)
	}
	return out
}
