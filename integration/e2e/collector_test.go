package e2e_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/integration/internal/jaegertest"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
)

// The schedule of TestCollectorFeedsJaegerAndHive: runs are made for
// collectorUpFor with hive serve up, for collectorOutage with it killed,
// and for collectorUpFor again after it restarted; collectorWorkers make a
// run every collectorRunEvery each (about 200 traces in all).
const (
	collectorUpFor    = 5 * time.Second
	collectorOutage   = 10 * time.Second
	collectorWorkers  = 2
	collectorRunEvery = 200 * time.Millisecond
	collectorSampling = 25 // percent of the traces kept for Jaeger
	collectorDecision = time.Second
	collectorAssembly = 3 * time.Second // hive serve --assembly-wait
	// Bounds on the waits for what the Collector passes on, once the runs
	// are over: a safety net against a hung test, not a performance figure.
	collectorWaitHive   = time.Minute
	collectorWaitJaeger = 30 * time.Second
)

// TestCollectorFeedsJaegerAndHive runs the deployment of
// deploy/otel-collector.yaml with real processes: services export every
// span over OTLP to an OpenTelemetry Collector (the Jaeger binary, a
// Collector distribution), which sends a tail-sampled share of whole
// traces to a Jaeger back end and every span of the convention, and no
// other, to hive serve through a sending queue with retries. hive serve is
// killed with SIGKILL in the middle of the runs and restarted on the same
// database and port after collectorOutage.
//
// The same TracerProvider also feeds the record processor, so the record
// each run gets in process is known. Every one of them must be in Hive,
// equal to the in-process rebuild (the Collector's queue and retries carry
// the runs of the outage); Jaeger must hold about the sampled share of the
// traces, each one whole; and the Collector's own counters must show the
// filter at work: every span received, only the convention's sent to Hive.
func TestCollectorFeedsJaegerAndHive(t *testing.T) {
	ctx := t.Context()
	backend := jaegertest.Start(t) // skipped without the binary (failed when CI=true)
	db := filepath.Join(t.TempDir(), "hive.db")
	assembly := "--assembly-wait=" + collectorAssembly.String()
	srv := startHiveServe(t, "127.0.0.1:0", db, assembly)
	coll := jaegertest.StartProcess(t, collectorAddrs, collectorConfig{
		Jaeger: backend.OTLPGRPCEndpoint(), Hive: srv.URL, Key: hiveKey, Secret: hiveSecret,
		DecisionWait: collectorDecision, SamplingPercentage: collectorSampling,
	}.render)

	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	// The services: every span over OTLP gRPC to the Collector, and to the
	// record processor, whose records are the reference.
	var (
		recMu sync.Mutex
		want  = make(map[string]*otelrecord.ExecutionRecord)
	)
	sink := exporter.SinkFunc(func(_ context.Context, recs ...*otelrecord.ExecutionRecord) error {
		recMu.Lock()
		defer recMu.Unlock()
		for _, r := range recs {
			want[r.UUID] = r
		}
		return nil
	})
	exp, err := otlptracegrpc.New(ctx,
		otlptracegrpc.WithEndpoint(coll.Addrs()[addrOTLPGRPC]), otlptracegrpc.WithInsecure())
	require.NoError(t, err)
	spans := newSpanCounter()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithResource(resource.NewSchemaless(
			attribute.String("service.name", "collector-e2e"),
			otlpspan.ProjectUUIDKey.String(hiveProject),
			otlpspan.ProjectNameKey.String("collector-e2e"),
		)),
		sdktrace.WithSpanProcessor(spans),
		sdktrace.WithBatcher(exp,
			sdktrace.WithBatchTimeout(100*time.Millisecond), sdktrace.WithMaxExportBatchSize(32)),
		sdktrace.WithSpanProcessor(exporter.NewRecordProcessor(sink,
			exporter.WithBatchTimeout(50*time.Millisecond), exporter.WithMeterProvider(noop.NewMeterProvider()))),
	)
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		assert.NoError(t, tp.Shutdown(sctx))
	})
	svc := newCollectorServices(tp)

	// Runs before, during and after the outage.
	const (
		phaseUp = iota
		phaseDown
		phaseUpAgain
	)
	var (
		phase    atomic.Int32
		next     atomic.Int64
		traceMu  sync.Mutex
		traces   = make(map[trace.TraceID]int32) // by phase at the run's start
		stopRuns = make(chan struct{})
		workers  sync.WaitGroup
	)
	for range collectorWorkers {
		workers.Go(func() {
			tick := time.NewTicker(collectorRunEvery)
			defer tick.Stop()
			for {
				select {
				case <-stopRuns:
					return
				case <-tick.C:
				}
				p := phase.Load()
				id := svc.run(ctx, int(next.Add(1)-1))
				traceMu.Lock()
				traces[id] = p
				traceMu.Unlock()
			}
		})
	}
	time.Sleep(collectorUpFor)
	srv.kill(t)
	phase.Store(phaseDown)
	time.Sleep(collectorOutage)
	// What the Collector holds for Hive at the end of the outage: the
	// requests in its sending queue.
	m, err := scrapeCollector(ctx, hc, coll.Addrs()[addrMetrics])
	require.NoError(t, err)
	queued, _ := m.sum("otelcol_exporter_queue_size", `exporter="otlphttp/hive"`)
	srv = startHiveServe(t, srv.Addr, db, assembly)
	phase.Store(phaseUpAgain)
	time.Sleep(collectorUpFor)
	close(stopRuns)
	workers.Wait()
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, tp.ForceFlush(fctx), "every span exported to the Collector, every record rebuilt")

	runs := int(next.Load())
	require.Len(t, traces, runs, "one trace per top-level run")
	recMu.Lock()
	reference := maps.Clone(want)
	recMu.Unlock()
	require.Equal(t, expectedRecords(runs), len(reference), "the record processor rebuilt every run")
	outageTraces, outageRecords := 0, 0
	for _, p := range traces {
		if p == phaseDown {
			outageTraces++
		}
	}
	for _, r := range reference {
		id, _ := trace.TraceIDFromHex(r.Metadata[otelrecord.MetadataTraceID])
		if p, ok := traces[id]; ok && p == phaseDown {
			outageRecords++
		}
	}
	require.Positive(t, outageRecords, "runs were made while hive serve was down")
	truncated := 0
	for _, r := range reference {
		for _, calls := range r.Boundaries {
			for _, c := range calls {
				if _, ok := otelrecord.IsTruncated(c.Output); ok {
					truncated++
				}
			}
		}
	}
	require.Positive(t, truncated, "some payloads were past the limit")

	// Hive: every record, equal to the in-process rebuild.
	began := time.Now()
	cmp := waitForHive(t, hc, srv.URL, reference)
	t.Logf("runs %d (traces), records %d (%d payloads truncated): in Hive %d, equal %d (%d incomplete, %d different, %d missing, %d extra) %v after the last run",
		runs, len(reference), truncated, cmp.stored, cmp.equal, cmp.incomplete, cmp.different, cmp.missing, cmp.extra, time.Since(began).Round(time.Millisecond))
	t.Logf("outage of hive serve %v: %d runs, %d records made meanwhile; %v requests in the Collector's queue for Hive at its end",
		collectorOutage, outageTraces, outageRecords, queued)
	assert.Positive(t, queued, "the Collector queued the spans of the outage")
	assert.Equal(t, len(reference), cmp.equal, "every record in Hive, equal to the in-process rebuild; first difference: %s", cmp.firstDiff)
	assert.Zero(t, cmp.extra, "no record in Hive the runs did not make")

	// Jaeger: the sampled share of the traces, each one whole.
	sampled, decided := waitForSampler(t, hc, coll.Addrs()[addrMetrics], runs)
	inJaeger := tracesInJaeger(t, backend, traces, int(sampled))
	share := 100 * float64(len(inJaeger)) / float64(runs)
	t.Logf("traces in Jaeger %d of %d: %.1f %% (tail sampling keeps %d %%; the sampler kept %v of %v)",
		len(inJaeger), runs, share, collectorSampling, sampled, decided)
	assert.Equal(t, int(sampled), len(inJaeger), "Jaeger holds every trace the sampler kept")
	assert.True(t, share >= 10 && share <= 45, "share of traces in Jaeger %.1f %% for %d %% sampling", share, collectorSampling)
	jctx, cancelJaeger := context.WithTimeout(ctx, collectorWaitJaeger)
	defer cancelJaeger()
	for _, id := range inJaeger {
		n := spans.all(id)
		got, err := backend.WaitTrace(jctx, id.String(), n)
		require.NoError(t, err, "trace %s whole in Jaeger", id)
		assert.Len(t, got, n, "trace %s", id)
	}

	// The Collector's counters: every span received, only the convention's
	// sent to Hive (each once, though some were sent again after the kill).
	m, err = scrapeCollector(ctx, hc, coll.Addrs()[addrMetrics])
	require.NoError(t, err)
	total, convention := spans.totals()
	accepted, _ := m.sum("otelcol_receiver_accepted_spans_total")
	toHive, _ := m.sum("otelcol_exporter_sent_spans_total", `exporter="otlphttp/hive"`)
	failed, _ := m.sum("otelcol_exporter_send_failed_spans_total", `exporter="otlphttp/hive"`)
	t.Logf("spans %d, of the convention %d; the Collector accepted %v, sent %v to Hive (%v failed for good)",
		total, convention, accepted, toHive, failed)
	assert.InDelta(t, float64(total), accepted, 0, "the Collector received every span")
	assert.InDelta(t, float64(convention), toHive, 0, "the filter passes the convention's spans to Hive, and only them")
	assert.Zero(t, failed, "no span given up on")
}

// waitForHive reads the records of collectorTasks from Hive until every
// reference record is there, equal, and nothing else, or collectorWaitHive
// has passed, and returns the last comparison.
func waitForHive(t *testing.T, hc *http.Client, base string, reference map[string]*otelrecord.ExecutionRecord) recordComparison {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), collectorWaitHive)
	defer cancel()
	var cmp recordComparison
	for {
		got, err := hiveRecords(ctx, hc, base, hiveProject, collectorTasks...)
		if err == nil {
			cmp = compareRecords(reference, got)
			if cmp.equal == len(reference) && cmp.extra == 0 {
				return cmp
			}
		}
		select {
		case <-ctx.Done():
			if err != nil {
				t.Logf("read the records in Hive: %v", err)
			}
			return cmp
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// waitForSampler reads the tail sampler's counters from the Collector's
// metrics at addr until it decided every one of the traces, and returns how
// many it kept and how many it decided.
func waitForSampler(t *testing.T, hc *http.Client, addr string, traces int) (sampled, decided float64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), collectorWaitJaeger)
	defer cancel()
	const name = "otelcol_processor_tail_sampling_global_count_traces_sampled_total"
	for {
		m, err := scrapeCollector(ctx, hc, addr)
		if err == nil {
			sampled, _ = m.sum(name, `sampled="true"`)
			decided, _ = m.sum(name)
			if int(decided) >= traces {
				return sampled, decided
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the tail sampler decided %v of %d traces (last scrape: %v)", decided, traces, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// tracesInJaeger asks Jaeger for each of the traces until it holds want of
// them or collectorWaitJaeger has passed, and returns those it holds.
func tracesInJaeger(t *testing.T, j *jaegertest.Jaeger, traces map[trace.TraceID]int32, want int) []trace.TraceID {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), collectorWaitJaeger)
	defer cancel()
	held := make(map[trace.TraceID]bool)
	for {
		for id := range traces {
			if held[id] {
				continue
			}
			_, err := j.Trace(ctx, id.String())
			switch {
			case err == nil:
				held[id] = true
			case ctx.Err() == nil && !errors.Is(err, jaegertest.ErrNotFound):
				require.NoError(t, err)
			}
		}
		if len(held) >= want || ctx.Err() != nil {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	out := make([]trace.TraceID, 0, len(held))
	for id := range held {
		out = append(out, id)
	}
	return out
}

// expectedRecords is how many records the first n runs of the mix make: one
// each, and three more for each nightly batch (its nested orders).
func expectedRecords(n int) int {
	total := n
	for i := range n {
		if i%6 == 4 {
			total += 3
		}
	}
	return total
}
