package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// ScopeName is the instrumentation scope of the record processor's own
// instruments.
const ScopeName = "github.com/hivetrace/hivetrace/exporter"

// recordProcessor is the SpanProcessor returned by NewRecordProcessor and
// NewRunSpanProcessor; its transport says what it delivers.
type recordProcessor struct {
	tr      transport // nil: the processor does nothing
	cfg     config
	pending *pendingRuns
	queue   *recordQueue

	stopped     atomic.Bool   // OnEnd does nothing from then on
	stopping    chan struct{} // closed by Shutdown: drain, then stop
	produced    chan struct{} // closed once the rebuilder and the spool loader are gone
	prodWG      sync.WaitGroup
	runCtx      context.Context
	cancel      context.CancelFunc // ends every Deliver and backoff in flight
	wg          sync.WaitGroup     // the rebuilder, the senders, the spool loader
	stopOnce    sync.Once
	flushing    atomic.Int32 // ForceFlush calls in progress: senders do not wait for full batches
	failures    atomic.Int32 // failed deliveries since the last success (backoff)
	pausedUntil atomic.Int64 // Unix nanoseconds before which no sender takes a batch (Retry-After)

	dropped     [len(dropReasons)]atomic.Int64
	droppedOpts [len(dropReasons)][]metric.AddOption
	counter     metric.Int64Counter

	errMu       sync.Mutex // guards the rate limits of warnings and reports, and flushErr
	warnedTotal int64
	lastWarn    time.Time
	lastReport  time.Time
	unreported  int
	flushErr    error // delivery errors while a ForceFlush is in progress
}

var _ sdktrace.SpanProcessor = (*recordProcessor)(nil)

// NewRecordProcessor returns a SpanProcessor that rebuilds the
// ExecutionRecord of every task run from its spans and delivers it to sink.
// A nil sink yields a processor that does nothing.
//
// It follows the SDK's BatchSpanProcessor. OnEnd never blocks and never does
// I/O: it keeps each boundary span of a run (otelrecord.Classify) under the
// run's uuid and, when the run's task-run span ends, puts the run on the
// queue; other spans are ignored. A rebuilder goroutine turns runs into
// records (otelrecord.RebuildRun; a record found incomplete carries the
// otelrecord.MetadataIncomplete marker and is delivered all the same), and
// WithSenders goroutines deliver them to the sink in batches of at most
// WithMaxExportBatchSize records and WithMaxExportBatchBytes bytes, a batch
// leaving at the latest WithBatchTimeout after its oldest record was ready,
// each Deliver bounded by WithExportTimeout.
//
// The queue is the only one between a run and the sink, and it is bounded in
// bytes (WithMaxQueueBytes; a run counts the size of its payload attributes
// until its record is delivered or dropped). When a run does not fit, it is
// dropped (the newest, as the SDK's processor does). The sink sends
// synchronously (see Sink). Records it hands back in a DeliveryError (the
// receiver unreachable, overloaded, or the export timeout) stay queued,
// ahead of the others, and are delivered again after a backoff with full
// jitter (WithBackoff), which the first successful delivery resets; records
// it refused or could not account for are dropped.
//
// With WithSpool, each record is written to the spool before it counts as
// queued and removed once delivered or dropped for good; the records an
// earlier process left in the spool are delivered first, read back as room
// in the queue allows. A record the spool has no room for is dropped.
//
// Every drop is counted by the one DroppedRecordsCounter instrument, by
// reason (otelrecord.DropReasonKey), and reported by a slog warning at most
// once per DefaultDropWarnInterval, carrying the counts by reason. Delivery
// errors go to otel.Handle at the same rate at most, with the number left
// unreported.
//
// The boundary spans of runs whose task-run span has not ended are held in
// memory, bounded by WithMaxPendingRuns (the oldest run is evicted first) and
// WithPendingRunTTL; evicted runs are counted as dropped. A boundary span
// that ends after the task-run span of its run (a goroutine that outlived
// the run) is not part of the record; it is counted under
// DropReasonLateBoundary, and the record is complete or not according to the
// hive.task.boundary_calls count on the task-run span. Runs are remembered as
// finished for as long as WithMaxPendingRuns runs.
//
// ForceFlush delivers every run queued before the call (or drops it, as
// above), then calls the sink's ForceFlush when it is a Flusher. Shutdown,
// which runs once, stops OnEnd, delivers what is queued, calls the sink's
// Shutdown when it is a Shutdowner, and stops every goroutine. Both honour
// their ctx; Shutdown with a ctx without deadline stops after
// WithShutdownTimeout. What Shutdown could not deliver is dropped, or stays
// in the spool for the next start, and its error (a *ShutdownError) says how
// many of each.
//
// Defaults: DefaultMaxQueueBytes (64 MiB) queued; DefaultSenders (4)
// senders; batches of DefaultMaxExportBatchSize (500) records and
// DefaultMaxExportBatchBytes (4 MiB), sent after DefaultBatchTimeout (1 s) at
// the latest; DefaultExportTimeout (30 s) per Deliver; backoff from
// DefaultInitialBackoff (100 ms) to DefaultMaxBackoff (5 s);
// DefaultShutdownTimeout (10 s); DefaultMaxPendingRuns (4096) pending runs
// for at most DefaultPendingRunTTL (15 min); no spool; the global
// MeterProvider; slog.Default().
func NewRecordProcessor(sink Sink, opts ...Option) sdktrace.SpanProcessor {
	cfg := newConfig(opts)
	var tr transport
	if sink != nil {
		tr = recordTransport{sink: sink, logger: cfg.log}
	}
	return newProcessor(tr, cfg)
}

// NewRunSpanProcessor returns a SpanProcessor that delivers the convention
// spans of every finished task run to sink, encoded as OTLP, for a receiver
// that rebuilds the records itself (Hive's OTLP endpoint: see package
// otlpsink). A nil sink yields a processor that does nothing.
//
// It is NewRecordProcessor with spans where that one has records, and
// takes the same options. OnEnd keeps the boundary spans of each run and
// queues the run when its task-run span ends; the rebuilder goroutine
// encodes the run's spans (the task-run span and the boundary spans of its
// record, each under its resource and instrumentation scope, with
// everything the SDK's OTLP exporters send) as one RunSpans instead of
// rebuilding its record; the senders deliver batches of runs to the sink.
// The spans reach it whether or not they were sampled: RecordHiveSpans
// records the task-run and boundary spans a sampler drops, and a span
// processor sees every span that is recorded. Late boundary spans are left
// out, as they are from a record.
//
// The guarantees are those of NewRecordProcessor, counted in runs: one
// queue bounded in bytes (a run that does not fit is dropped,
// DropReasonQueueFull), the same batching, export timeout and backoff,
// runs the sink hands back (DeliveryError.Runs) delivered again, the
// receiver's Retry-After honoured by every sender (DeliveryError.RetryAfter),
// the spool (WithSpool: each run's encoded spans are spooled before they
// count as queued), the one DroppedRecordsCounter by reason, and a bounded
// Shutdown whose *ShutdownError counts runs. A receiver that accepted a
// batch but rejected some spans (*PartialSuccessError) has the batch count
// as delivered, the rejected spans counted under DropReasonPartialSuccess.
//
// The record a receiver rebuilds from the spans is the one
// NewRecordProcessor rebuilds in process: payloads are redacted and cut to
// their limit before they are written to the spans (see package otelrecord),
// so both hold them in the same form, and the spans travel whole. A spool
// may be shared with a record processor across restarts: a record
// processor delivers the runs a run-span processor left in it (rebuilding
// their records), while the records a record processor left stay in the
// spool for one.
func NewRunSpanProcessor(sink SpanSink, opts ...Option) sdktrace.SpanProcessor {
	cfg := newConfig(opts)
	var tr transport
	if sink != nil {
		tr = spanTransport{sink: sink, enc: &runEncoder{}}
	}
	return newProcessor(tr, cfg)
}

// newProcessor starts a processor delivering through tr; with a nil tr it
// does nothing.
func newProcessor(tr transport, cfg config) *recordProcessor {
	runCtx, cancel := context.WithCancel(context.Background())
	p := &recordProcessor{
		tr:       tr,
		cfg:      cfg,
		pending:  newPendingRuns(cfg.maxPendingRuns, cfg.pendingRunTTL),
		queue:    newRecordQueue(cfg.maxQueueBytes),
		stopping: make(chan struct{}),
		produced: make(chan struct{}),
		runCtx:   runCtx,
		cancel:   cancel,
	}
	p.initCounter()
	if tr == nil {
		p.stopped.Store(true)
		return p
	}
	p.wg.Add(1 + cfg.senders)
	if cfg.spool != nil {
		// What an earlier process left ends at the spool's newest entry now,
		// before the rebuilder spools anything of this process.
		last, err := cfg.spool.Last(runCtx)
		if err != nil {
			p.report(fmt.Errorf("exporter: read the spool: %w", err), false)
		}
		p.prodWG.Add(1)
		go p.loadSpool(last)
	}
	p.prodWG.Add(1)
	go p.rebuilder()
	go func() { defer p.wg.Done(); p.prodWG.Wait(); close(p.produced) }()
	for range cfg.senders {
		go p.sender()
	}
	return p
}

func (p *recordProcessor) initCounter() {
	mp := p.cfg.meterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	counter, err := mp.Meter(ScopeName).Int64Counter(DroppedRecordsCounter,
		metric.WithUnit("{record}"),
		metric.WithDescription("Task-run records the record processor dropped or could not deliver, by reason "+
			"(for reason late_boundary: boundary calls that ended after their run; for partial_success: spans the receiver rejected)."))
	if err != nil {
		otel.Handle(err)
	}
	p.counter = counter
	for i, r := range dropReasons {
		p.droppedOpts[i] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(otelrecord.DropReasonKey.String(r)))}
	}
}

// OnStart does nothing.
func (*recordProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd keeps a boundary span of a run, or queues a finished task run. It
// never blocks and is safe for concurrent use.
//
// A span handed over again (the SDK ends a span once, but a processor
// registered twice, or a caller, may repeat OnEnd) changes nothing: the
// second task-run span of a run is ignored while the run is remembered as
// finished (see NewRecordProcessor), and a boundary span held twice for a
// run is one call of its record (otelrecord.RebuildRun counts a span once).
// A boundary span repeated after its run finished is counted as late each
// time.
func (p *recordProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	if p.stopped.Load() || s == nil {
		return
	}
	kind, run := otelrecord.Classify(s.Attributes())
	if run == "" {
		return
	}
	switch kind {
	case otelrecord.KindBoundary:
		late, expired, evicted := p.pending.Keep(run, s, p.cfg.now)
		if late {
			p.drop(dropLateBoundary, 1)
		}
		p.drop(dropPendingTTL, expired)
		p.drop(dropPendingLimit, evicted)
	case otelrecord.KindTask:
		boundaries, size, again := p.pending.Finish(run)
		if again {
			return // a run has one record: the first task-run span's
		}
		it := &item{id: run, task: s, boundaries: boundaries, size: spanSize(s) + size}
		if !p.queue.PushRun(it) {
			p.drop(dropQueueFull, 1)
		}
	}
}

// spanSize estimates the bytes a span adds to its run's record: its string
// attributes (the payloads) and a little for the span itself. A run's size
// is the sum over its spans; the boundary spans' are summed as each ends,
// while the span is still in the CPU's cache, not all at once when the run
// ends.
func spanSize(s sdktrace.ReadOnlySpan) int64 {
	const perSpan = 64
	size := int64(perSpan)
	for _, kv := range s.Attributes() {
		if kv.Value.Type() == attribute.STRING {
			size += int64(len(kv.Value.AsString()))
		}
	}
	return size
}

func (p *recordProcessor) drop(r dropReason, n int64) {
	if n <= 0 {
		return
	}
	p.dropped[r].Add(n)
	if p.counter != nil {
		p.counter.Add(context.Background(), n, p.droppedOpts[r]...)
	}
}

func (p *recordProcessor) droppedTotal() int64 {
	var n int64
	for i := range p.dropped {
		n += p.dropped[i].Load()
	}
	return n
}

// ForceFlush delivers (or drops) every run queued before the call and
// flushes the sink. It blocks until then or until ctx is done, is safe for
// concurrent use, and returns the delivery errors met meanwhile.
func (p *recordProcessor) ForceFlush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.stopped.Load() {
		return nil
	}
	target := p.queue.Next()
	// The runs queued so far are rebuilt first, so they leave in full
	// batches.
	if done, err := p.waitFor(ctx, func() bool { return !p.queue.Rebuilding() }); !done {
		return err
	}
	if p.flushing.Add(1) == 1 {
		p.errMu.Lock()
		p.flushErr = nil
		p.errMu.Unlock()
	}
	defer p.flushing.Add(-1)
	p.failures.Store(0) // a flush retries at once
	p.queue.Wake()      // senders leave with what they have
	if done, err := p.waitFor(ctx, func() bool { return p.queue.DoneBefore(target) }); !done {
		return err
	}
	p.errMu.Lock()
	err := p.flushErr
	p.errMu.Unlock()
	p.warnDropped(false)
	if f, ok := p.tr.target().(Flusher); ok {
		if ferr := f.ForceFlush(ctx); ferr != nil {
			err = errors.Join(err, fmt.Errorf("exporter: flush sink: %w", ferr))
		}
	}
	return err
}

// waitFor waits until cond holds (true), ctx is done (false and its error)
// or Shutdown began (false and nil). cond is checked at every change of the
// queue.
func (p *recordProcessor) waitFor(ctx context.Context, cond func() bool) (bool, error) {
	for {
		changed := p.queue.Changed()
		if cond() {
			return true, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false, ctx.Err()
		case <-p.stopping:
			return false, nil
		}
	}
}

// Shutdown stops the processor once: later calls, and OnEnd from then on, do
// nothing. It delivers what is queued, shuts the sink down and stops every
// goroutine, returning by the time ctx is done, or after the shutdown
// timeout when ctx has no deadline.
func (p *recordProcessor) Shutdown(ctx context.Context) error {
	var err error
	p.stopOnce.Do(func() {
		if p.stopped.Swap(true) { // nil sink: nothing runs
			return
		}
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, p.cfg.shutdownTimeout)
			defer cancel()
		}
		p.drop(dropShutdown, p.pending.Clear())
		close(p.stopping)
		done := make(chan struct{})
		go func() { p.wg.Wait(); close(done) }()
		var cut error
		select {
		case <-done:
		case <-ctx.Done():
			cut = ctx.Err()
			p.cancel() // Deliver and backoff honour it: the goroutines return
			<-done
		}
		p.cancel()
		err = p.finish(ctx, cut)
	})
	return err
}

// finish accounts for what Shutdown could not deliver, warns, and shuts the
// sink down.
func (p *recordProcessor) finish(ctx context.Context, cut error) error {
	var errs []error
	var lost, spooled int
	remaining := p.queue.Remaining()
	for _, it := range remaining {
		if it.spooled {
			spooled++
		} else {
			lost++
		}
	}
	p.queue.Done(remaining)
	p.drop(dropShutdown, int64(lost))
	p.warnDropped(true)
	switch {
	case lost > 0 || spooled > 0:
		errs = append(errs, &ShutdownError{Undelivered: lost, Spooled: spooled, Err: cut})
	case cut != nil:
		errs = append(errs, cut)
	}
	if s, ok := p.tr.target().(Shutdowner); ok {
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("exporter: shut down sink: %w", err))
		}
	}
	return errors.Join(errs...)
}

// report hands a background error to otel.Handle, at most once per drop
// warning interval; the errors in between are counted and their number is
// reported with the next one. The errors of deliveries that began during a
// ForceFlush are kept for it to return.
func (p *recordProcessor) report(err error, forFlush bool) {
	p.errMu.Lock()
	if forFlush && p.flushing.Load() > 0 {
		p.flushErr = errors.Join(p.flushErr, err)
	}
	now := p.cfg.now()
	if !p.lastReport.IsZero() && now.Sub(p.lastReport) < p.cfg.dropWarnInterval {
		p.unreported++
		p.errMu.Unlock()
		return
	}
	if p.unreported > 0 {
		err = fmt.Errorf("%w (and %d more errors since the last report)", err, p.unreported)
	}
	p.unreported = 0
	p.lastReport = now
	p.errMu.Unlock()
	otel.Handle(err)
}

// warnDropped logs the drops since the last warning, at most once per
// interval unless final.
func (p *recordProcessor) warnDropped(final bool) {
	p.errMu.Lock()
	defer p.errMu.Unlock()
	total := p.droppedTotal()
	if total == p.warnedTotal {
		return
	}
	now := p.cfg.now()
	if !final && !p.lastWarn.IsZero() && now.Sub(p.lastWarn) < p.cfg.dropWarnInterval {
		return
	}
	attrs := []any{"dropped", total - p.warnedTotal, "total", total}
	for i, r := range dropReasons {
		if n := p.dropped[i].Load(); n > 0 {
			attrs = append(attrs, r, n)
		}
	}
	p.logger().Warn("hivetrace: record processor dropped records", attrs...)
	p.warnedTotal = total
	p.lastWarn = now
}

func (p *recordProcessor) logger() *slog.Logger {
	return p.cfg.log()
}
