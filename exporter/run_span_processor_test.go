package exporter_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/exportertest"
	"github.com/hivetrace/hivetrace/exporter/otlpsink"
	"github.com/hivetrace/hivetrace/exporter/spool"
	"github.com/hivetrace/hivetrace/internal/fidelity"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// newSpanPipeline is newSinkPipeline for a run-span processor.
func newSpanPipeline(t *testing.T, sink exporter.SpanSink, opts ...exporter.Option) *pipeline {
	t.Helper()
	p := &pipeline{reader: sdkmetric.NewManualReader(), logs: &logCapture{}}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(p.reader))
	t.Cleanup(func() { assert.NoError(t, mp.Shutdown(context.Background())) })
	opts = append([]exporter.Option{
		exporter.WithMeterProvider(mp),
		exporter.WithLogger(slog.New(p.logs)),
		exporter.WithBatchTimeout(time.Hour), // deliveries happen on batch size, flush and shutdown only
	}, opts...)
	p.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exporter.NewRunSpanProcessor(sink, opts...)))
	t.Cleanup(func() { assert.NoError(t, p.tp.Shutdown(context.Background())) })
	p.tracer = p.tp.Tracer("test")
	return p
}

// newOTLPSink returns an OTLP sink sending to recv.
func newOTLPSink(t *testing.T, recv *exportertest.OTLPReceiver) *otlpsink.Sink {
	t.Helper()
	s, err := otlpsink.New(recv.Endpoint())
	require.NoError(t, err)
	return s
}

// assertRecords requires got to hold exactly want, each equal to its want
// (fidelity.AssertInRedacted without redaction: the fake runs carry no
// sensitive keys).
func assertRecords(t *testing.T, got []*otelrecord.ExecutionRecord, want ...*otelrecord.ExecutionRecord) {
	t.Helper()
	require.Len(t, got, len(want), "records: %v", fidelity.UUIDs(got))
	for _, w := range want {
		fidelity.AssertInRedacted(t, got, w, nil)
	}
}

// The spans of every run reach the receiver, which rebuilds the same
// records the runs must rebuild to; spans outside the convention do not.
func TestRunSpanProcessorDeliversRuns(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	p := newSpanPipeline(t, newOTLPSink(t, recv))
	ctx, plain := p.tracer.Start(context.Background(), "http.request")
	var want []*otelrecord.ExecutionRecord
	for i := range 5 {
		want = append(want, emitRun(ctx, t, p.tracer, sampleRun(fmt.Sprint("task", i))))
	}
	plain.End()
	p.flush(t)
	assertRecords(t, recv.Records(), want...)
	spans := 0
	for _, r := range recv.Requests() {
		spans += r.Spans
	}
	assert.Equal(t, 5*4, spans, "the task-run span and 3 boundary spans of each run, nothing else")
	assert.Empty(t, p.dropped(t))
}

// Spans the trace sampler drops are recorded (RecordHiveSpans) and reach
// the receiver all the same, while the trace exporter gets none.
func TestRunSpanProcessorExportsUnsampledSpans(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	traces := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(exporter.RecordHiveSpans(sdktrace.TraceIDRatioBased(0))),
		sdktrace.WithSpanProcessor(exporter.NewRunSpanProcessor(newOTLPSink(t, recv))),
		sdktrace.WithBatcher(traces),
	)
	var want []*otelrecord.ExecutionRecord
	for i := range 10 {
		want = append(want, emitRun(context.Background(), t, tp.Tracer("test"), sampleRun(fmt.Sprint("t", i))))
	}
	require.NoError(t, tp.ForceFlush(context.Background()))
	require.NoError(t, tp.Shutdown(context.Background()))
	assert.Empty(t, traces.GetSpans(), "no span was sampled")
	assertRecords(t, recv.Records(), want...)
	for _, r := range recv.Requests() {
		for _, rs := range r.Body.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					assert.Zero(t, s.GetFlags()&1, "the span says it was not sampled")
				}
			}
		}
	}
}

// With the receiver down (503), runs stay queued and are delivered once it
// is back, none lost and none counted as dropped.
func TestRunSpanProcessorReceiverDownThenUp(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	var down atomic.Bool
	down.Store(true)
	recv.Respond(func(exportertest.OTLPRequest) exportertest.OTLPAnswer {
		if down.Load() {
			return exportertest.OTLPAnswer{Status: http.StatusServiceUnavailable}
		}
		return exportertest.OTLPAnswer{}
	})
	p := newSpanPipeline(t, newOTLPSink(t, recv), exporter.WithBatchTimeout(time.Millisecond),
		exporter.WithBackoff(time.Millisecond, 5*time.Millisecond))
	var want []*otelrecord.ExecutionRecord
	for i := range 20 {
		want = append(want, emitRun(context.Background(), t, p.tracer, fakeRun{task: fmt.Sprint("t", i)}))
	}
	require.Eventually(t, func() bool { return len(recv.Requests()) >= 5 }, 10*time.Second, time.Millisecond,
		"the processor keeps trying while the receiver is down")
	assert.Empty(t, recv.Records())
	down.Store(false)
	p.flush(t)
	assertRecords(t, recv.Records(), want...)
	assert.Empty(t, p.dropped(t))
}

// With a spool, runs spooled while the receiver was unreachable survive a
// restart and are delivered by the next processor.
func TestRunSpanProcessorSpoolSurvivesARestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sp, err := spool.Open(ctx, dir)
	require.NoError(t, err)
	downSink, err := otlpsink.New("http://127.0.0.1:1/v1/traces")
	require.NoError(t, err)
	proc := exporter.NewRunSpanProcessor(downSink, exporter.WithSpool(sp),
		exporter.WithBackoff(time.Millisecond, 10*time.Millisecond), exporter.WithShutdownTimeout(200*time.Millisecond))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(proc))
	var want []*otelrecord.ExecutionRecord
	for i := range 12 {
		want = append(want, emitRun(ctx, t, tp.Tracer("test"), sampleRun(fmt.Sprint("t", i))))
	}
	err = tp.Shutdown(ctx)
	var se *exporter.ShutdownError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 0, se.Undelivered, "nothing lost")
	assert.Equal(t, 12, se.Spooled, "everything stays spooled")
	require.NoError(t, sp.Close())

	sp, err = spool.Open(ctx, dir)
	require.NoError(t, err)
	defer sp.Close()
	recv := exportertest.NewOTLPReceiver(t)
	tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(
		exporter.NewRunSpanProcessor(newOTLPSink(t, recv), exporter.WithSpool(sp), exporter.WithBatchTimeout(time.Millisecond))))
	require.Eventually(t, func() bool { n, _ := sp.Len(); return n == 0 }, 10*time.Second, time.Millisecond,
		"the spooled runs are delivered and removed")
	require.NoError(t, tp.Shutdown(ctx))
	assertRecords(t, recv.Records(), want...)
}

// A spool is shared across transports: a record processor delivers the
// runs a run-span processor spooled (rebuilding their records); a run-span
// processor leaves the records a record processor spooled where they are,
// and says so.
func TestSpoolSharedAcrossTransports(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sp, err := spool.Open(ctx, dir)
	require.NoError(t, err)
	defer sp.Close()

	// Spans spooled by a run-span processor whose receiver is down.
	downSink, err := otlpsink.New("http://127.0.0.1:1/v1/traces")
	require.NoError(t, err)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exporter.NewRunSpanProcessor(downSink, exporter.WithSpool(sp),
		exporter.WithBackoff(time.Millisecond, 10*time.Millisecond), exporter.WithShutdownTimeout(100*time.Millisecond))))
	spans := []*otelrecord.ExecutionRecord{
		emitRun(ctx, t, tp.Tracer("test"), sampleRun("a")),
		emitRun(ctx, t, tp.Tracer("test"), sampleRun("b")),
	}
	var se *exporter.ShutdownError
	require.ErrorAs(t, tp.Shutdown(ctx), &se)
	require.Equal(t, 2, se.Spooled)

	// Records spooled by a record processor whose sink is down.
	down := &flakySink{}
	down.down.Store(true)
	tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exporter.NewRecordProcessor(down, exporter.WithSpool(sp),
		exporter.WithBackoff(time.Millisecond, 10*time.Millisecond), exporter.WithShutdownTimeout(100*time.Millisecond))))
	records := []*otelrecord.ExecutionRecord{emitRun(ctx, t, tp.Tracer("test"), sampleRun("c"))}
	require.ErrorAs(t, tp.Shutdown(ctx), &se)
	n, _ := sp.Len()
	require.Equal(t, 3, n)

	// A run-span processor delivers the spans and leaves the record.
	recv := exportertest.NewOTLPReceiver(t)
	logs := &logCapture{}
	tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exporter.NewRunSpanProcessor(newOTLPSink(t, recv),
		exporter.WithSpool(sp), exporter.WithBatchTimeout(time.Millisecond), exporter.WithLogger(slog.New(logs)))))
	require.Eventually(t, func() bool { n, _ := sp.Len(); return n == 1 }, 10*time.Second, time.Millisecond)
	require.NoError(t, tp.Shutdown(ctx))
	assertRecords(t, recv.Records(), spans...)
	warned := false
	for _, w := range logs.warnings() {
		if w["records"] == int64(1) {
			warned = true
		}
	}
	assert.True(t, warned, "a warning counts the records left in the spool: %v", logs.warnings())

	// A record processor delivers the record, and would the spans as well.
	up := &flakySink{}
	tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exporter.NewRecordProcessor(up, exporter.WithSpool(sp),
		exporter.WithBatchTimeout(time.Millisecond))))
	require.Eventually(t, func() bool { n, _ := sp.Len(); return n == 0 }, 10*time.Second, time.Millisecond)
	require.NoError(t, tp.Shutdown(ctx))
	assert.Equal(t, 1, up.count(records[0].UUID))
}

// A record processor rebuilds the records of runs a run-span processor
// spooled, exactly as the receiver of the spans would.
func TestRecordProcessorDeliversSpooledSpans(t *testing.T) {
	ctx := context.Background()
	sp, err := spool.Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer sp.Close()
	downSink, err := otlpsink.New("http://127.0.0.1:1/v1/traces")
	require.NoError(t, err)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exporter.NewRunSpanProcessor(downSink, exporter.WithSpool(sp),
		exporter.WithBackoff(time.Millisecond, 10*time.Millisecond), exporter.WithShutdownTimeout(100*time.Millisecond))))
	var want []*otelrecord.ExecutionRecord
	for i := range 3 {
		want = append(want, emitRun(ctx, t, tp.Tracer("test"), sampleRun(fmt.Sprint("t", i))))
	}
	require.Error(t, tp.Shutdown(ctx))

	sink := &collector{}
	tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exporter.NewRecordProcessor(sink, exporter.WithSpool(sp),
		exporter.WithBatchTimeout(time.Millisecond))))
	require.Eventually(t, func() bool { n, _ := sp.Len(); return n == 0 }, 10*time.Second, time.Millisecond)
	require.NoError(t, tp.Shutdown(ctx))
	assertRecords(t, sink.records(), want...)
}

// A partial success counts the rejected spans, by reason, and the batch is
// not sent again.
func TestRunSpanProcessorCountsPartialSuccess(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	recv.Respond(func(exportertest.OTLPRequest) exportertest.OTLPAnswer {
		return exportertest.OTLPAnswer{RejectedSpans: 2, Message: "span too old"}
	})
	var handled []error
	var mu sync.Mutex
	withErrorHandler(t, func(err error) { mu.Lock(); handled = append(handled, err); mu.Unlock() })
	p := newSpanPipeline(t, newOTLPSink(t, recv))
	for i := range 3 {
		emitRun(context.Background(), t, p.tracer, sampleRun(fmt.Sprint("t", i)))
	}
	err := p.tp.ForceFlush(context.Background())
	var ps *exporter.PartialSuccessError
	require.ErrorAs(t, err, &ps, "ForceFlush returns it: spans were lost")
	assert.Len(t, recv.Requests(), 1, "not sent again")
	assert.Equal(t, map[string]int64{exporter.DropReasonPartialSuccess: 2}, p.dropped(t))
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, handled, 1, "reported once")
	assert.Contains(t, handled[0].Error(), "receiver rejected 2 spans: span too old")
}

// A 400 refuses the batch for good: counted as rejected, never sent again.
func TestRunSpanProcessorBadRequestIsNotRetried(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	recv.Respond(func(exportertest.OTLPRequest) exportertest.OTLPAnswer {
		return exportertest.OTLPAnswer{Status: http.StatusBadRequest, Message: "bad spans"}
	})
	withErrorHandler(t, func(error) {})
	p := newSpanPipeline(t, newOTLPSink(t, recv), exporter.WithBackoff(time.Millisecond, time.Millisecond))
	for i := range 4 {
		emitRun(context.Background(), t, p.tracer, sampleRun(fmt.Sprint("t", i)))
	}
	err := p.tp.ForceFlush(context.Background())
	require.ErrorIs(t, err, exporter.ErrRejected)
	assert.Contains(t, err.Error(), "bad spans")
	time.Sleep(20 * time.Millisecond)
	assert.Len(t, recv.Requests(), 1)
	assert.Equal(t, map[string]int64{exporter.DropReasonRejected: 4}, p.dropped(t))
}

// A Retry-After holds every sender back for that long, past the
// processor's own backoff; then the runs are delivered.
func TestRunSpanProcessorHonoursRetryAfter(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	var calls atomic.Int32
	recv.Respond(func(exportertest.OTLPRequest) exportertest.OTLPAnswer {
		if calls.Add(1) == 1 {
			return exportertest.OTLPAnswer{Status: http.StatusTooManyRequests, RetryAfter: "1"}
		}
		return exportertest.OTLPAnswer{}
	})
	reported := make(chan error, 10)
	withErrorHandler(t, func(err error) {
		select {
		case reported <- err:
		default:
		}
	})
	p := newSpanPipeline(t, newOTLPSink(t, recv), exporter.WithBatchTimeout(time.Millisecond),
		exporter.WithBackoff(time.Millisecond, time.Millisecond), exporter.WithMaxExportBatchSize(1), exporter.WithSenders(4))
	want := []*otelrecord.ExecutionRecord{emitRun(context.Background(), t, p.tracer, sampleRun("first"))}
	select {
	case err := <-reported: // the 429 was handled: the pause is on
		require.ErrorContains(t, err, "429 Too Many Requests")
	case <-time.After(10 * time.Second):
		t.Fatal("the 429 was not reported")
	}
	for i := range 3 {
		want = append(want, emitRun(context.Background(), t, p.tracer, sampleRun(fmt.Sprint("t", i))))
	}
	require.Eventually(t, func() bool { return len(recv.Records()) == 4 }, 10*time.Second, 5*time.Millisecond)
	reqs := recv.Requests()
	require.Len(t, reqs, 5, "the first run twice, the others once")
	for _, r := range reqs[1:] {
		assert.GreaterOrEqual(t, r.At.Sub(reqs[0].At), 950*time.Millisecond, "no sender sends before the Retry-After is over")
	}
	assertRecords(t, recv.Records(), want...)
	assert.Empty(t, p.dropped(t))
}

// blockingSpanSink holds every delivery until released.
type blockingSpanSink struct {
	release chan struct{}
	mu      sync.Mutex
	runs    int
}

func (s *blockingSpanSink) DeliverSpans(ctx context.Context, runs ...*exporter.RunSpans) error {
	select {
	case <-s.release:
	case <-ctx.Done():
		return &exporter.DeliveryError{Failed: len(runs), Runs: runs, Err: ctx.Err()}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs += len(runs)
	return nil
}

// The queue is bounded in bytes: a run that does not fit is dropped, the
// newest first, and counted as queue_full.
func TestRunSpanProcessorQueueBound(t *testing.T) {
	sink := &blockingSpanSink{release: make(chan struct{})}
	p := newSpanPipeline(t, sink, exporter.WithMaxQueueBytes(4<<10), exporter.WithMaxExportBatchSize(1),
		exporter.WithSenders(1), exporter.WithBatchTimeout(time.Millisecond))
	for i := range 40 {
		emitRun(context.Background(), t, p.tracer, sampleRun(fmt.Sprint("t", i)))
	}
	dropped := p.dropped(t)[exporter.DropReasonQueueFull]
	assert.Positive(t, dropped)
	close(sink.release)
	p.flush(t)
	sink.mu.Lock()
	defer sink.mu.Unlock()
	assert.Equal(t, int64(40), int64(sink.runs)+dropped, "every run delivered or counted")
}

// Shutdown with the receiver down: bounded, and its error counts the runs
// lost.
func TestRunSpanProcessorShutdownCounts(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	recv.Respond(func(exportertest.OTLPRequest) exportertest.OTLPAnswer {
		return exportertest.OTLPAnswer{Status: http.StatusBadGateway}
	})
	withErrorHandler(t, func(error) {})
	proc := exporter.NewRunSpanProcessor(newOTLPSink(t, recv), exporter.WithBackoff(time.Millisecond, 10*time.Millisecond),
		exporter.WithShutdownTimeout(200*time.Millisecond))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(proc))
	for i := range 5 {
		emitRun(context.Background(), t, tp.Tracer("test"), fakeRun{task: fmt.Sprint("t", i)})
	}
	err := tp.Shutdown(context.Background())
	var se *exporter.ShutdownError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 5, se.Undelivered)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestRunSpanProcessorNilSink(t *testing.T) {
	p := exporter.NewRunSpanProcessor(nil)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p))
	emitRun(context.Background(), t, tp.Tracer("test"), fakeRun{})
	require.NoError(t, tp.ForceFlush(context.Background()))
	require.NoError(t, tp.Shutdown(context.Background()))
}

// A sink's partial success joined with a DeliveryError: the partial one is
// counted, the failed runs handed back.
func TestRunSpanProcessorPartialSuccessJoined(t *testing.T) {
	var calls atomic.Int32
	sink := spanSinkFunc(func(_ context.Context, runs ...*exporter.RunSpans) error {
		if calls.Add(1) > 1 {
			return nil
		}
		return errors.Join(&exporter.PartialSuccessError{RejectedSpans: 1},
			&exporter.DeliveryError{Failed: 1, Runs: runs[:1], Err: errors.New("503")})
	})
	withErrorHandler(t, func(error) {})
	p := newSpanPipeline(t, sink, exporter.WithBackoff(time.Millisecond, time.Millisecond))
	emitRun(context.Background(), t, p.tracer, fakeRun{})
	emitRun(context.Background(), t, p.tracer, fakeRun{})
	_ = p.tp.ForceFlush(context.Background())
	p.flush(t)
	assert.Equal(t, int32(2), calls.Load(), "the run handed back is sent again")
	assert.Equal(t, map[string]int64{exporter.DropReasonPartialSuccess: 1}, p.dropped(t))
}

type spanSinkFunc func(ctx context.Context, runs ...*exporter.RunSpans) error

func (f spanSinkFunc) DeliverSpans(ctx context.Context, runs ...*exporter.RunSpans) error {
	return f(ctx, runs...)
}

// withErrorHandler installs fn as the OTel error handler for the test.
func withErrorHandler(t *testing.T, fn func(error)) {
	t.Helper()
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(fn))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
}
