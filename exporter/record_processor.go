package exporter

import (
	"container/list"
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

	"github.com/hivetrace/hivetrace/internal/instrument"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
)

// recordProcessor is the SpanProcessor returned by NewRecordProcessor.
type recordProcessor struct {
	sink Sink
	cfg  config

	mu       sync.Mutex
	pending  map[string]*pendingRun
	order    list.List           // of *pendingRun, oldest first
	finished map[string]struct{} // recently finished runs
	ring     []string            // finished runs in finishing order
	ringNext int

	queue    chan *unit
	stopCh   chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	stopped  atomic.Bool
	// Written by Shutdown before stopCh is closed, read by the worker after.
	shutdownCtx context.Context
	// Written by the worker before done is closed, read by Shutdown after.
	shutdownErr error

	dropped     [len(dropReasons)]atomic.Int64
	droppedOpts [len(dropReasons)][]metric.AddOption
	counter     metric.Int64Counter

	// Worker-only state of the rate-limited drop warning and error reports.
	warnedTotal int64
	lastWarn    time.Time
	lastReport  time.Time
	unreported  int
}

var _ sdktrace.SpanProcessor = (*recordProcessor)(nil)

// pendingRun holds the boundary spans of a run whose task-run span is open.
// Spans are kept as the SDK hands them over (immutable snapshots) and
// converted by the worker, so OnEnd stays short.
type pendingRun struct {
	uuid    string
	spans   []sdktrace.ReadOnlySpan
	created time.Time
	elem    *list.Element
}

// unit is one queue entry: a finished run, or a flush request.
type unit struct {
	task       sdktrace.ReadOnlySpan
	boundaries []sdktrace.ReadOnlySpan
	flush      *flushRequest
}

type flushRequest struct {
	ctx  context.Context
	err  error // written by the worker before done is closed
	done chan struct{}
}

// NewRecordProcessor returns a SpanProcessor that rebuilds the
// ExecutionRecord of every task run from its spans and delivers it to sink.
// A nil sink yields a processor that does nothing.
//
// It follows the SDK's BatchSpanProcessor. OnEnd never blocks and never does
// I/O: it keeps each boundary span of a run (otelrecord.Classify) under the
// run's uuid and, when the run's task-run span ends, puts the run on a
// bounded queue; other spans are ignored. One worker goroutine rebuilds each
// run (otelrecord.RebuildRun) and delivers the records to the sink in batches,
// each Deliver bounded by the export timeout. A record RebuildRun finds
// incomplete (it carries the otelrecord.MetadataIncomplete marker) is
// delivered all the same.
//
// The processor's queue is the only one between a run and the sink: the sink
// sends synchronously and retries, if at all, within Deliver's context (see
// Sink). Records the sink could not deliver are counted as dropped, exactly
// as many as its DeliveryError says (the whole batch for any other error),
// under DropReasonRejected, DropReasonExportTimeout or DropReasonExportFailed;
// the processor does not send them again. Deliver errors of the worker's own
// batches are reported through otel.Handle at most once per
// DefaultDropWarnInterval, with the number of errors left unreported since.
//
// When the queue is full, the newest run (the one whose task-run span is
// ending) is dropped, as the SDK's processor does. Every drop is counted by
// the one DroppedRecordsCounter instrument (reason under
// otelrecord.DropReasonKey) and reported by a slog warning at most once per
// DefaultDropWarnInterval, carrying the counts by reason.
//
// The boundary spans of runs whose task-run span has not ended are held in
// memory, bounded by WithMaxPendingRuns (the oldest run is evicted first) and
// WithPendingRunTTL; evicted runs are counted as dropped.
//
// A boundary span that ends after the task-run span of its run (a goroutine
// that outlived the run) is not part of the record: by then the record has
// been queued without it. It is discarded and counted under
// DropReasonLateBoundary; the record is complete or not according to the
// hive.task.boundary_calls count on the task-run span (RebuildRun marks it
// incomplete when it holds fewer calls than that count). Runs are remembered
// as finished for as long as WithMaxPendingRuns runs; a boundary span later
// than that waits as a pending run and expires.
//
// ForceFlush delivers every run queued before the call, then calls the sink's
// ForceFlush when it is a Flusher. Shutdown, which runs once, stops OnEnd,
// delivers what is queued, calls the sink's Shutdown when it is a
// Shutdowner, and stops the worker. Both honour their ctx and return delivery
// errors to the caller.
//
// Defaults: queue DefaultMaxQueueSize (2048) runs; batches of at most
// DefaultMaxExportBatchSize (512) records, delivered at the latest after
// DefaultBatchTimeout (1 s); DefaultExportTimeout (30 s) per Deliver;
// DefaultMaxPendingRuns (4096) pending runs for at most DefaultPendingRunTTL
// (15 min); the global MeterProvider; slog.Default().
func NewRecordProcessor(sink Sink, opts ...Option) sdktrace.SpanProcessor {
	cfg := newConfig(opts)
	p := &recordProcessor{
		sink:     sink,
		cfg:      cfg,
		pending:  make(map[string]*pendingRun),
		finished: make(map[string]struct{}),
		ring:     make([]string, cfg.maxPendingRuns),
		queue:    make(chan *unit, cfg.maxQueueSize),
		stopCh:   make(chan struct{}),
		done:     make(chan struct{}),
	}
	mp := cfg.meterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	counter, err := mp.Meter(instrument.ScopeName).Int64Counter(DroppedRecordsCounter,
		metric.WithUnit("{record}"),
		metric.WithDescription("Task-run records the record processor dropped or its sink could not deliver, "+
			"by reason (for reason late_boundary: boundary calls that ended after their run)."))
	if err != nil {
		otel.Handle(err)
	}
	p.counter = counter
	for i, r := range dropReasons {
		p.droppedOpts[i] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(otelrecord.DropReasonKey.String(r)))}
	}
	if sink == nil {
		p.stopped.Store(true)
		close(p.done)
		return p
	}
	go p.work()
	return p
}

// OnStart does nothing.
func (*recordProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd keeps a boundary span of a run, or queues a finished task run. It
// never blocks and is safe for concurrent use.
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
		p.keepBoundary(run, s)
	case otelrecord.KindTask:
		p.finishRun(run, s)
	}
}

func (p *recordProcessor) keepBoundary(run string, sp sdktrace.ReadOnlySpan) {
	var expired, evicted int64
	p.mu.Lock()
	if _, ok := p.finished[run]; ok {
		p.mu.Unlock()
		p.drop(dropLateBoundary, 1)
		return
	}
	pr := p.pending[run]
	if pr == nil {
		now := p.cfg.now()
		expired = p.expireLocked(now)
		for len(p.pending) >= p.cfg.maxPendingRuns {
			p.removeLocked(p.order.Front().Value.(*pendingRun))
			evicted++
		}
		pr = &pendingRun{uuid: run, created: now}
		pr.elem = p.order.PushBack(pr)
		p.pending[run] = pr
	}
	pr.spans = append(pr.spans, sp)
	p.mu.Unlock()
	p.drop(dropPendingTTL, expired)
	p.drop(dropPendingLimit, evicted)
}

func (p *recordProcessor) finishRun(run string, task sdktrace.ReadOnlySpan) {
	u := &unit{task: task}
	p.mu.Lock()
	if pr := p.pending[run]; pr != nil {
		u.boundaries = pr.spans
		p.removeLocked(pr)
	}
	p.rememberFinishedLocked(run)
	p.mu.Unlock()

	select {
	case p.queue <- u:
	default:
		p.drop(dropQueueFull, 1)
	}
}

// expireLocked evicts the pending runs older than the TTL and returns how
// many it evicted.
func (p *recordProcessor) expireLocked(now time.Time) int64 {
	var n int64
	for e := p.order.Front(); e != nil; e = p.order.Front() {
		pr := e.Value.(*pendingRun)
		if now.Sub(pr.created) < p.cfg.pendingRunTTL {
			break
		}
		p.removeLocked(pr)
		n++
	}
	return n
}

func (p *recordProcessor) removeLocked(pr *pendingRun) {
	p.order.Remove(pr.elem)
	delete(p.pending, pr.uuid)
}

func (p *recordProcessor) rememberFinishedLocked(run string) {
	if old := p.ring[p.ringNext]; old != "" {
		delete(p.finished, old)
	}
	p.ring[p.ringNext] = run
	p.finished[run] = struct{}{}
	p.ringNext = (p.ringNext + 1) % len(p.ring)
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

// ForceFlush delivers every run queued before the call and flushes the sink.
// It blocks until then or until ctx is done, and is safe for concurrent use.
func (p *recordProcessor) ForceFlush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.stopped.Load() {
		return nil
	}
	req := &flushRequest{ctx: ctx, done: make(chan struct{})}
	select {
	case p.queue <- &unit{flush: req}:
	case <-ctx.Done():
		return ctx.Err()
	case <-p.stopCh:
		return nil
	}
	select {
	case <-req.done:
	case <-ctx.Done():
		return ctx.Err()
	case <-p.done:
		return nil
	}
	err := req.err
	if f, ok := p.sink.(Flusher); ok {
		if ferr := f.ForceFlush(ctx); ferr != nil {
			err = errors.Join(err, fmt.Errorf("exporter: flush sink: %w", ferr))
		}
	}
	return err
}

// Shutdown stops the processor once: later calls, and OnEnd from then on, do
// nothing. It delivers what is queued, shuts the sink down and stops the
// worker, blocking until then or until ctx is done.
func (p *recordProcessor) Shutdown(ctx context.Context) error {
	var err error
	p.stopOnce.Do(func() {
		if p.stopped.Swap(true) { // nil sink: nothing runs
			return
		}
		p.shutdownCtx = ctx
		close(p.stopCh)
		select {
		case <-p.done:
			err = p.shutdownErr
		case <-ctx.Done():
			err = ctx.Err()
		}
	})
	return err
}

// work is the worker goroutine: it rebuilds queued runs and delivers them in
// batches until Shutdown.
func (p *recordProcessor) work() {
	defer close(p.done)
	ctx := context.Background()
	timer := time.NewTimer(p.cfg.batchTimeout)
	defer timer.Stop()
	var batch []*otelrecord.ExecutionRecord
	for {
		select {
		case <-p.stopCh:
			p.shutdownErr = p.drain(batch)
			return
		case <-timer.C:
			var err error
			if batch, err = p.deliver(ctx, batch); err != nil {
				p.report(err)
			}
			p.expire()
			p.warnDropped(false)
			timer.Reset(p.cfg.batchTimeout)
		case u := <-p.queue:
			if u.flush != nil {
				batch, u.flush.err = p.deliver(u.flush.ctx, batch)
				p.warnDropped(false)
				close(u.flush.done)
				continue
			}
			if rec := p.rebuild(u); rec != nil {
				batch = append(batch, rec)
			}
			if len(batch) >= p.cfg.maxExportBatchSize {
				var err error
				if batch, err = p.deliver(ctx, batch); err != nil {
					p.report(err)
				}
				p.warnDropped(false)
				timer.Reset(p.cfg.batchTimeout)
			}
		}
	}
}

// drain delivers everything queued, then shuts the sink down, with the ctx
// given to Shutdown.
func (p *recordProcessor) drain(batch []*otelrecord.ExecutionRecord) error {
	ctx := p.shutdownCtx
	var errs []error
queued:
	for {
		select {
		case u := <-p.queue:
			if u.flush != nil {
				close(u.flush.done)
				continue
			}
			if rec := p.rebuild(u); rec != nil {
				batch = append(batch, rec)
			}
			if len(batch) >= p.cfg.maxExportBatchSize {
				var err error
				batch, err = p.deliver(ctx, batch)
				errs = append(errs, err)
			}
		default:
			break queued
		}
	}
	_, err := p.deliver(ctx, batch)
	errs = append(errs, err)

	p.mu.Lock()
	open := int64(len(p.pending))
	clear(p.pending)
	p.order.Init()
	p.mu.Unlock()
	p.drop(dropShutdown, open)
	p.warnDropped(true)

	if s, ok := p.sink.(Shutdowner); ok {
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("exporter: shut down sink: %w", err))
		}
	}
	return errors.Join(errs...)
}

// rebuild turns a finished run into its record; nil when it cannot.
func (p *recordProcessor) rebuild(u *unit) *otelrecord.ExecutionRecord {
	rec, err := otelrecord.RebuildRun(sdkspan.Span(u.task), sdkspan.Spans(u.boundaries))
	switch {
	case rec == nil:
		if err == nil {
			err = errors.New("no record")
		}
		p.drop(dropRebuildFailed, 1)
		p.report(fmt.Errorf("exporter: rebuild run of span %s: %w", u.task.SpanContext().SpanID(), err))
	case err != nil:
		p.logger().Debug("hivetrace: rebuilt an incomplete record",
			"task", rec.TaskName, "uuid", rec.UUID, "error", err)
	}
	return rec
}

// errExportTimeout is the cause of a Deliver context that ran out of time.
var errExportTimeout = errors.New("exporter: record export timeout")

// deliver hands batch to the sink with the export timeout, counts the
// records it could not deliver, and returns the error and a fresh batch: the
// records, and the slice, belong to the sink.
func (p *recordProcessor) deliver(ctx context.Context, batch []*otelrecord.ExecutionRecord) ([]*otelrecord.ExecutionRecord, error) {
	if len(batch) == 0 {
		return batch, nil
	}
	ctx, cancel := context.WithTimeoutCause(ctx, p.cfg.exportTimeout, errExportTimeout)
	defer cancel()
	err := p.sink.Deliver(ctx, batch...)
	if err == nil {
		return nil, nil
	}
	for r, n := range undelivered(ctx, err, len(batch)) {
		p.drop(r, n)
	}
	return nil, fmt.Errorf("exporter: deliver %d records: %w", len(batch), err)
}

// report hands a background error to otel.Handle, at most once per drop
// warning interval; the errors in between are counted and their number is
// reported with the next one. Worker only.
func (p *recordProcessor) report(err error) {
	now := p.cfg.now()
	if !p.lastReport.IsZero() && now.Sub(p.lastReport) < p.cfg.dropWarnInterval {
		p.unreported++
		return
	}
	if p.unreported > 0 {
		err = fmt.Errorf("%w (and %d more errors since the last report)", err, p.unreported)
	}
	p.unreported = 0
	p.lastReport = now
	otel.Handle(err)
}

// expire evicts the pending runs older than the TTL.
func (p *recordProcessor) expire() {
	p.mu.Lock()
	n := p.expireLocked(p.cfg.now())
	p.mu.Unlock()
	p.drop(dropPendingTTL, n)
}

// warnDropped logs the drops since the last warning, at most once per
// interval unless final.
func (p *recordProcessor) warnDropped(final bool) {
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
