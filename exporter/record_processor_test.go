package exporter_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/exportertest"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// collector is a sink that keeps what it is given and counts its calls.
type collector struct {
	mu        sync.Mutex
	batches   [][]*otelrecord.ExecutionRecord
	flushes   int
	shutdowns int
	err       error // returned by Deliver
	// entered, when set, is signalled (without blocking) when a Deliver
	// starts; release, when set, is waited for (closed) before it goes on.
	entered chan struct{}
	release chan struct{}
	// waitCtx makes Deliver wait for its ctx to be done.
	waitCtx bool
}

func (c *collector) Deliver(ctx context.Context, recs ...*otelrecord.ExecutionRecord) error {
	if c.entered != nil {
		select {
		case c.entered <- struct{}{}:
		default:
		}
	}
	if c.release != nil {
		<-c.release
	}
	if c.waitCtx {
		<-ctx.Done()
		return ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batches = append(c.batches, recs)
	return c.err
}

func (c *collector) ForceFlush(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flushes++
	return nil
}

func (c *collector) Shutdown(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shutdowns++
	return nil
}

func (c *collector) records() []*otelrecord.ExecutionRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*otelrecord.ExecutionRecord
	for _, b := range c.batches {
		out = append(out, b...)
	}
	return out
}

func (c *collector) batchSizes() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for _, b := range c.batches {
		out = append(out, len(b))
	}
	return out
}

// logCapture is a slog handler keeping every record.
type logCapture struct {
	mu      sync.Mutex
	records []slog.Record
}

func (*logCapture) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCapture) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	return nil
}
func (l *logCapture) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logCapture) WithGroup(string) slog.Handler      { return l }

// warnings returns the attributes of every warning.
func (l *logCapture) warnings() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, r := range l.records {
		if r.Level != slog.LevelWarn {
			continue
		}
		m := map[string]any{"msg": r.Message}
		r.Attrs(func(a slog.Attr) bool {
			m[a.Key] = a.Value.Any()
			return true
		})
		out = append(out, m)
	}
	return out
}

// pipeline is a TracerProvider with a record processor under test.
type pipeline struct {
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
	sink   *collector
	reader *sdkmetric.ManualReader
	logs   *logCapture
}

func newPipeline(t *testing.T, sink *collector, opts ...exporter.Option) *pipeline {
	t.Helper()
	p := newSinkPipeline(t, sink, opts...)
	p.sink = sink
	return p
}

// newSinkPipeline is newPipeline for any sink; the pipeline's collector is
// nil.
func newSinkPipeline(t *testing.T, sink exporter.Sink, opts ...exporter.Option) *pipeline {
	t.Helper()
	p := &pipeline{reader: sdkmetric.NewManualReader(), logs: &logCapture{}}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(p.reader))
	t.Cleanup(func() { assert.NoError(t, mp.Shutdown(context.Background())) })
	opts = append([]exporter.Option{
		exporter.WithMeterProvider(mp),
		exporter.WithLogger(slog.New(p.logs)),
		exporter.WithBatchTimeout(time.Hour), // deliveries happen on batch size, flush and shutdown only
	}, opts...)
	p.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exporter.NewRecordProcessor(sink, opts...)))
	t.Cleanup(func() { assert.NoError(t, p.tp.Shutdown(context.Background())) })
	p.tracer = p.tp.Tracer("test")
	return p
}

func (p *pipeline) flush(t *testing.T) {
	t.Helper()
	require.NoError(t, p.tp.ForceFlush(context.Background()))
}

// dropped returns the dropped-records counter by reason.
func (p *pipeline) dropped(t *testing.T) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, p.reader.Collect(context.Background(), &rm))
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != exporter.DroppedRecordsCounter {
				continue
			}
			assert.Equal(t, "{record}", m.Unit)
			sum, ok := m.Data.(metricdata.Sum[int64])
			require.True(t, ok, "counter data is %T", m.Data)
			assert.True(t, sum.IsMonotonic)
			for _, dp := range sum.DataPoints {
				reason, _ := dp.Attributes.Value(otelrecord.DropReasonKey)
				out[reason.AsString()] += dp.Value
			}
		}
	}
	return out
}

func assertSameRecord(t *testing.T, want, got *otelrecord.ExecutionRecord) {
	t.Helper()
	wb, err := want.MarshalJSON()
	require.NoError(t, err)
	gb, err := got.MarshalJSON()
	require.NoError(t, err)
	assert.JSONEq(t, string(wb), string(gb))
}

func byUUID(recs []*otelrecord.ExecutionRecord) map[string]*otelrecord.ExecutionRecord {
	m := make(map[string]*otelrecord.ExecutionRecord, len(recs))
	for _, r := range recs {
		m[r.UUID] = r
	}
	return m
}

func TestRecordProcessorRebuildsEveryRun(t *testing.T) {
	p := newPipeline(t, &collector{})
	ctx := context.Background()

	ok := emitRun(ctx, t, p.tracer, sampleRun("getUserReport"))
	failed := emitRun(ctx, t, p.tracer, fakeRun{
		task: "charge", input: `{"amount":5}`, err: "card declined",
		declared: []string{"bank"},
		calls:    []fakeCall{{name: "bank", input: `[5]`, err: "declined"}},
	})
	// A nested task: the inner run's spans are children of the outer run's
	// span but carry their own run uuid, so each record holds only its own
	// calls.
	outer := startRun(ctx, t, p.tracer, fakeRun{task: "outer", declared: []string{"inner", "db"}})
	outer.call(fakeCall{name: "db", input: `["select"]`, output: `[]`})
	inner := emitRun(outer.ctx, t, p.tracer, fakeRun{
		task: "inner", declared: []string{"db"},
		calls: []fakeCall{{name: "db", input: `["insert"]`, output: `1`}},
	})
	outer.call(fakeCall{name: "inner", input: `[{}]`, output: `null`})
	outerWant := outer.end()

	// Spans outside the convention are ignored.
	_, plain := p.tracer.Start(ctx, "plain", trace.WithAttributes(attribute.String("http.method", "GET")))
	plain.End()
	_, anon := p.tracer.Start(ctx, "anonymous boundary", trace.WithAttributes(otelrecord.KindKey.String(otelrecord.KindBoundary)))
	anon.End()

	p.flush(t)
	got := byUUID(p.sink.records())
	require.Len(t, got, 4)
	for _, want := range []*otelrecord.ExecutionRecord{ok, failed, inner, outerWant} {
		require.Contains(t, got, want.UUID)
		assertSameRecord(t, want, got[want.UUID])
		assert.NotContains(t, got[want.UUID].Metadata, otelrecord.MetadataIncomplete)
	}
	assert.Len(t, got[outerWant.UUID].Boundaries["db"], 1, "the inner run's db call is not the outer run's")
	assert.Equal(t, 1, p.sink.flushes, "ForceFlush flushes the sink")

	require.NoError(t, p.tp.Shutdown(ctx))
	assert.Empty(t, p.dropped(t), "ignored spans leave no pending state behind")
	assert.Equal(t, 1, p.sink.shutdowns)
}

func TestRecordProcessorBatches(t *testing.T) {
	p := newPipeline(t, &collector{}, exporter.WithMaxExportBatchSize(2))
	for i := range 5 {
		emitRun(context.Background(), t, p.tracer, fakeRun{task: fmt.Sprint("t", i)})
	}
	p.flush(t)
	assert.ElementsMatch(t, []int{2, 2, 1}, p.sink.batchSizes(), "several senders: batches in any order")
}

func TestRecordProcessorBatchTimeout(t *testing.T) {
	sink := &collector{entered: make(chan struct{}, 1)}
	p := newPipeline(t, sink, exporter.WithBatchTimeout(time.Millisecond))
	want := emitRun(context.Background(), t, p.tracer, sampleRun("timed"))
	<-sink.entered // delivered without a flush, by the batch timeout
	p.flush(t)
	require.Len(t, sink.records(), 1)
	assertSameRecord(t, want, sink.records()[0])
}

func TestRecordProcessorQueueFullDropsNewest(t *testing.T) {
	sink := &collector{entered: make(chan struct{}, 1), release: make(chan struct{})}
	// A bound of one byte: the first run fits the empty queue, and holds
	// its bytes until delivered; every run ending meanwhile is dropped.
	p := newPipeline(t, sink, exporter.WithMaxQueueBytes(1), exporter.WithMaxExportBatchSize(1))
	ctx := context.Background()

	first := emitRun(ctx, t, p.tracer, fakeRun{task: "first"})
	<-sink.entered // a sender is stuck delivering the first record
	var dropped []*otelrecord.ExecutionRecord
	for i := range 4 {
		dropped = append(dropped, emitRun(ctx, t, p.tracer, fakeRun{task: fmt.Sprint("next", i)}))
	}
	assert.Equal(t, map[string]int64{exporter.DropReasonQueueFull: 4}, p.dropped(t))

	close(sink.release)
	p.flush(t)
	later := emitRun(ctx, t, p.tracer, fakeRun{task: "later"})
	p.flush(t)

	got := byUUID(sink.records())
	assert.Contains(t, got, first.UUID)
	assert.Contains(t, got, later.UUID, "room is freed once the first record is delivered")
	for _, r := range dropped {
		assert.NotContains(t, got, r.UUID, "the newest runs are the ones dropped")
	}
	warns := p.logs.warnings()
	require.Len(t, warns, 1)
	assert.EqualValues(t, 4, warns[0]["dropped"])
	assert.EqualValues(t, 4, warns[0][exporter.DropReasonQueueFull])
}

func TestRecordProcessorPendingLimitEvictsOldest(t *testing.T) {
	p := newPipeline(t, &collector{}, exporter.WithMaxPendingRuns(2))
	ctx := context.Background()
	var runs []*openRun
	for i := range 3 {
		o := startRun(ctx, t, p.tracer, fakeRun{task: fmt.Sprint("open", i), declared: []string{"db"}})
		o.call(fakeCall{name: "db", input: `[1]`, output: `1`})
		runs = append(runs, o)
	}
	assert.Equal(t, map[string]int64{exporter.DropReasonPendingLimit: 1}, p.dropped(t))

	var wants []*otelrecord.ExecutionRecord
	for _, o := range runs {
		wants = append(wants, o.end())
	}
	p.flush(t)
	got := byUUID(p.sink.records())
	require.Len(t, got, 3)
	evicted := got[wants[0].UUID]
	assert.Empty(t, evicted.Boundaries["db"], "the oldest run lost its held boundary span")
	assert.Contains(t, evicted.Metadata[otelrecord.MetadataIncomplete], "boundary spans",
		"a run that lost calls is delivered marked incomplete")
	for _, w := range wants[1:] {
		assertSameRecord(t, w, got[w.UUID])
	}
}

func TestRecordProcessorPendingTTL(t *testing.T) {
	var mu sync.Mutex
	now := testEpoch
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	p := newPipeline(t, &collector{}, exporter.WithPendingRunTTL(time.Minute), exporter.WithClock(clock))
	ctx := context.Background()

	stale := startRun(ctx, t, p.tracer, fakeRun{task: "stale", declared: []string{"db"}})
	stale.call(fakeCall{name: "db", input: `[1]`, output: `1`})
	mu.Lock()
	now = now.Add(30 * time.Second)
	mu.Unlock()
	young := startRun(ctx, t, p.tracer, fakeRun{task: "young", declared: []string{"db"}})
	young.call(fakeCall{name: "db", input: `[1]`, output: `1`})
	assert.Empty(t, p.dropped(t), "nothing is older than the TTL yet")

	mu.Lock()
	now = now.Add(45 * time.Second) // stale is 75 s old, young 45 s
	mu.Unlock()
	fresh := startRun(ctx, t, p.tracer, fakeRun{task: "fresh", declared: []string{"db"}})
	fresh.call(fakeCall{name: "db", input: `[1]`, output: `1`})
	assert.Equal(t, map[string]int64{exporter.DropReasonPendingTTL: 1}, p.dropped(t))

	youngWant, freshWant := young.end(), fresh.end()
	p.flush(t)
	got := byUUID(p.sink.records())
	assertSameRecord(t, youngWant, got[youngWant.UUID])
	assertSameRecord(t, freshWant, got[freshWant.UUID])

	// The stale run's task span never ends: at shutdown nothing is pending.
	require.NoError(t, p.tp.Shutdown(ctx))
	assert.Equal(t, map[string]int64{exporter.DropReasonPendingTTL: 1}, p.dropped(t))
}

func TestRecordProcessorShutdownDropsOpenRuns(t *testing.T) {
	p := newPipeline(t, &collector{})
	o := startRun(context.Background(), t, p.tracer, fakeRun{task: "open", declared: []string{"db"}})
	o.call(fakeCall{name: "db", input: `[1]`, output: `1`})
	require.NoError(t, p.tp.Shutdown(context.Background()))
	assert.Equal(t, map[string]int64{exporter.DropReasonShutdown: 1}, p.dropped(t))
	warns := p.logs.warnings()
	require.Len(t, warns, 1, "the final warning is not rate-limited")
	assert.EqualValues(t, 1, warns[0][exporter.DropReasonShutdown])
}

func TestRecordProcessorLateBoundarySpan(t *testing.T) {
	p := newPipeline(t, &collector{})
	o := startRun(context.Background(), t, p.tracer, sampleRun("outlived"))
	o.callAll()
	want := o.end()
	// A goroutine of the run calls a boundary after the run ended.
	o.call(fakeCall{name: "now", input: `[]`, output: `1`})
	p.flush(t)

	recs := p.sink.records()
	require.Len(t, recs, 1)
	assertSameRecord(t, want, recs[0])
	require.NoError(t, p.tp.Shutdown(context.Background()))
	assert.Equal(t, map[string]int64{exporter.DropReasonLateBoundary: 1}, p.dropped(t),
		"the late span is discarded at once, not held as a pending run")
}

func TestRecordProcessorIncompleteRunIsDelivered(t *testing.T) {
	p := newPipeline(t, &collector{})
	r := sampleRun("partial")
	r.missingCalls = 1
	emitRun(context.Background(), t, p.tracer, r)
	p.flush(t)
	recs := p.sink.records()
	require.Len(t, recs, 1)
	assert.Equal(t, "have 3 of 4 boundary spans", recs[0].Metadata[otelrecord.MetadataIncomplete])
}

func TestRecordProcessorDropWarningIsRateLimited(t *testing.T) {
	var mu sync.Mutex
	now := testEpoch
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	p := newPipeline(t, &collector{},
		exporter.WithMaxPendingRuns(1), exporter.WithClock(clock), exporter.WithDropWarnInterval(time.Minute))
	ctx := context.Background()
	evict := func(n int) { // each new open run evicts the previous one
		for range n {
			startRun(ctx, t, p.tracer, fakeRun{task: "open"}).call(fakeCall{name: "db", input: `[]`, output: `1`})
		}
	}

	evict(3) // 2 evictions
	p.flush(t)
	require.Len(t, p.logs.warnings(), 1)

	evict(2) // 2 more, within the interval: no warning
	p.flush(t)
	require.Len(t, p.logs.warnings(), 1)

	advance(time.Minute)
	p.flush(t)
	warns := p.logs.warnings()
	require.Len(t, warns, 2)
	assert.EqualValues(t, 2, warns[0]["dropped"])
	assert.EqualValues(t, 2, warns[1]["dropped"], "the count since the last warning")
	assert.EqualValues(t, 4, warns[1]["total"])
	assert.EqualValues(t, 4, warns[1][exporter.DropReasonPendingLimit])

	p.flush(t) // nothing new
	assert.Len(t, p.logs.warnings(), 2)
}

func TestRecordProcessorForceFlushReturnsDeliveryErrors(t *testing.T) {
	errDown := errors.New("store down")
	p := newPipeline(t, &collector{err: errDown})
	emitRun(context.Background(), t, p.tracer, fakeRun{task: "t"})
	err := p.tp.ForceFlush(context.Background())
	require.ErrorIs(t, err, errDown)
}

func TestRecordProcessorReportsBackgroundErrors(t *testing.T) {
	errDown := errors.New("store down")
	handled := make(chan error, 10)
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		select {
		case handled <- err:
		default:
		}
	}))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })

	p := newPipeline(t, &collector{err: errDown}, exporter.WithBatchTimeout(time.Millisecond))
	emitRun(context.Background(), t, p.tracer, fakeRun{task: "t"})
	require.ErrorIs(t, <-handled, errDown)
}

func TestRecordProcessorForceFlushHonoursContext(t *testing.T) {
	sink := &collector{waitCtx: true}
	// The sink waits for its ctx: the export timeout ends each Deliver.
	p := newPipeline(t, sink, exporter.WithExportTimeout(100*time.Millisecond))
	emitRun(context.Background(), t, p.tracer, fakeRun{task: "t"})

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, p.tp.ForceFlush(cancelled), context.Canceled)

	// The sink waits for its ctx: the flush's deadline ends the wait.
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	require.ErrorIs(t, p.tp.ForceFlush(short), context.DeadlineExceeded)
}

func TestRecordProcessorShutdownHonoursContext(t *testing.T) {
	sink := &collector{waitCtx: true, entered: make(chan struct{}, 1)}
	proc := exporter.NewRecordProcessor(sink, exporter.WithBatchTimeout(time.Hour))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(proc))
	emitRun(context.Background(), t, tp.Tracer("test"), fakeRun{task: "t"})

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-sink.entered // the queued record is being delivered with Shutdown's ctx
		cancel()
	}()
	require.ErrorIs(t, proc.Shutdown(ctx), context.Canceled)
	require.NoError(t, proc.Shutdown(context.Background()), "Shutdown runs once")
}

func TestRecordProcessorAfterShutdown(t *testing.T) {
	sink := &collector{}
	p := newPipeline(t, sink)
	want := emitRun(context.Background(), t, p.tracer, sampleRun("queued"))
	require.NoError(t, p.tp.Shutdown(context.Background()), "Shutdown delivers what is queued")
	recs := sink.records()
	require.Len(t, recs, 1)
	assertSameRecord(t, want, recs[0])
	assert.Equal(t, 1, sink.shutdowns)

	// The provider no longer calls its processors: call this one directly.
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	emitRun(context.Background(), t, tp.Tracer("test"), sampleRun("late"))
	proc := exporter.NewRecordProcessor(sink)
	require.NoError(t, proc.Shutdown(context.Background()))
	for _, s := range exp.GetSpans().Snapshots() {
		proc.OnEnd(s)
	}
	require.NoError(t, proc.ForceFlush(context.Background()))
	require.NoError(t, proc.Shutdown(context.Background()))
	assert.Len(t, sink.records(), 1, "OnEnd after Shutdown does nothing")
	assert.Equal(t, 2, sink.shutdowns, "each processor shuts its sink down once")
	require.NoError(t, tp.Shutdown(context.Background()))
}

func TestRecordProcessorNilSink(t *testing.T) {
	proc := exporter.NewRecordProcessor(nil)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(proc))
	emitRun(context.Background(), t, tp.Tracer("test"), sampleRun("nowhere"))
	require.NoError(t, tp.ForceFlush(context.Background()))
	require.NoError(t, tp.Shutdown(context.Background()))
}

func TestRecordProcessorConcurrentRuns(t *testing.T) {
	h := exportertest.NewHarness(t, exporter.WithMaxExportBatchSize(7))
	tracer := h.TracerProvider().Tracer("test")
	const goroutines, runs = 8, 25
	wants := make([][]*otelrecord.ExecutionRecord, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range runs {
				wants[g] = append(wants[g], emitRun(context.Background(), t, tracer, sampleRun(fmt.Sprintf("g%d-%d", g, i))))
			}
		})
	}
	wg.Wait()
	var all []*otelrecord.ExecutionRecord
	for _, w := range wants {
		all = append(all, w...)
	}
	h.AssertRebuiltAll(t, all...)
	assert.Len(t, h.Records(t), goroutines*runs)
}

func TestRecordProcessorIgnoresRepeatedOnEnd(t *testing.T) {
	ctx := context.Background()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { assert.NoError(t, tp.Shutdown(ctx)) })
	want := emitRun(ctx, t, tp.Tracer("test"), sampleRun("twice"))
	spans := exp.GetSpans().Snapshots()
	require.Len(t, spans, 4, "three boundary spans and the task-run span")

	sink := &collector{}
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { assert.NoError(t, mp.Shutdown(ctx)) })
	proc := exporter.NewRecordProcessor(sink, exporter.WithMeterProvider(mp), exporter.WithBatchTimeout(time.Hour))
	for _, s := range spans {
		proc.OnEnd(s)
		proc.OnEnd(s) // the same ReadOnlySpan again
	}
	proc.OnEnd(spans[len(spans)-1]) // and the task-run span once more, later
	require.NoError(t, proc.ForceFlush(ctx))

	recs := sink.records()
	require.Equal(t, 1, len(recs), "one run, one record")
	assertSameRecord(t, want, recs[0])
	assert.NotContains(t, recs[0].Metadata, otelrecord.MetadataIncomplete, "each boundary span is one call")
	require.NoError(t, proc.Shutdown(ctx))
	p := &pipeline{reader: reader}
	assert.Empty(t, p.dropped(t), "a repeated span is no drop")
}

func TestRecordProcessorRegisteredTwice(t *testing.T) {
	// A provider given the same processor twice hands it every span twice,
	// the repeats of concurrent runs interleaved.
	ctx := context.Background()
	sink := &collector{}
	proc := exporter.NewRecordProcessor(sink, exporter.WithBatchTimeout(time.Hour))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(proc), sdktrace.WithSpanProcessor(proc))
	tracer := tp.Tracer("test")
	const goroutines, runs = 4, 20
	wants := make([][]*otelrecord.ExecutionRecord, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range runs {
				o := startRun(ctx, t, tracer, sampleRun(fmt.Sprintf("g%d-%d", g, i)))
				var calls sync.WaitGroup
				for _, c := range o.r.calls {
					calls.Go(func() { o.call(c) })
				}
				calls.Wait()
				wants[g] = append(wants[g], o.end())
			}
		})
	}
	wg.Wait()
	require.NoError(t, tp.ForceFlush(ctx))
	got := byUUID(sink.records())
	assert.Equal(t, goroutines*runs, len(sink.records()), "one record per run")
	for _, ws := range wants {
		for _, want := range ws {
			require.Contains(t, got, want.UUID)
			assert.NotContains(t, got[want.UUID].Metadata, otelrecord.MetadataIncomplete)
			for name, calls := range want.Boundaries {
				assert.Len(t, got[want.UUID].Boundaries[name], len(calls), "run %s, boundary %s", want.UUID, name)
			}
		}
	}
	require.NoError(t, tp.Shutdown(ctx))
}
