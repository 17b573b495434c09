package hive

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

	"github.com/hivetrace/hivetrace/internal/retry"
	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// ScopeName is the instrumentation scope of the Listener's metrics.
const ScopeName = "github.com/hivetrace/hivetrace/hive"

// Names of the Listener's metrics.
const (
	// ListenerRecordsCounter counts the records handed to the Listener by
	// outcome (otelrecord.OutcomeKey): delivered, failed (rejected by the
	// server, or not delivered within the max elapsed time) or dropped (queue
	// full, or left when Shutdown's deadline passed).
	ListenerRecordsCounter = "hive.listener.records"
	// ListenerRetriesCounter counts the attempts made after a failed one.
	ListenerRetriesCounter = "hive.listener.retries"
	// ListenerQueueSize is the number of records waiting or being sent.
	ListenerQueueSize = "hive.listener.queue.size"
)

// Outcomes of ListenerRecordsCounter.
const (
	outcomeDelivered = "delivered"
	outcomeFailed    = "failed"
	outcomeDropped   = "dropped"
)

var (
	// errQueueFull: Deliver dropped records because the queue was full.
	errQueueFull = errors.New("hive: listener queue full")
	// errQueueClosed: Deliver was called after Shutdown.
	errQueueClosed = errors.New("hive: listener is shut down")
)

// ListenerStats counts what the Listener of a LogClient did with the records
// it was given.
type ListenerStats struct {
	// Delivered records were stored by the server.
	Delivered uint64
	// Dropped records were never sent to the end: the queue was full, they
	// came after Shutdown, or Shutdown's deadline passed first.
	Dropped uint64
	// Failed records were given up: the server rejected them (4xx other than
	// 408 and 429) or they could not be delivered within the max elapsed
	// time.
	Failed uint64
	// Retries counts the attempts made after a failed one.
	Retries uint64
	// Queued records are waiting or being sent.
	Queued uint64
}

// listenerQueue is the queue behind LogClient.Listener, for programs that
// have no record processor: Deliver only enqueues into a bounded in-memory
// queue; one goroutine takes batches from it and sends each record with
// SendLog, retrying network errors, 5xx, 408 and 429 answers with
// exponential backoff and full jitter (a Retry-After header sets a longer
// delay), until the record has waited for the max elapsed time since it was
// queued. Other 4xx answers are not retried. A record without a uuid gets a
// UUID v7 before its first attempt, kept across retries: the server's ingest
// is idempotent by uuid, so a retry never stores a record twice.
//
// It is the only queue between the listener and the server, and the only
// counter of what is lost on the way. All methods are safe for concurrent
// use.
type listenerQueue struct {
	client *LogClient
	cfg    listenerConfig
	warn   *logLimiter

	mu       sync.Mutex
	queue    []queued
	pending  int    // accepted and not finished: queued or in flight
	accepted uint64 // records ever accepted
	finished uint64 // records ever finished (delivered, failed or dropped)
	progress chan struct{}
	closed   bool

	wake     chan struct{}
	ctx      context.Context // cancelled when Shutdown's deadline passes
	cancel   context.CancelFunc
	done     chan struct{}
	shutdown sync.Once
	reg      metric.Registration

	delivered, dropped, failed, retries atomic.Uint64
}

type queued struct {
	rec *otelrecord.ExecutionRecord
	at  time.Time
}

// newListenerQueue returns a running queue that sends through client. Call
// Shutdown to flush it and stop its goroutine.
func newListenerQueue(client *LogClient, cfg listenerConfig) *listenerQueue {
	logger := cfg.logger
	if logger == nil {
		logger = client.s.log()
	}
	ctx, cancel := context.WithCancel(context.Background())
	q := &listenerQueue{
		client:   client,
		cfg:      cfg,
		warn:     newLogLimiter(logger, cfg.logInterval, cfg.now),
		progress: make(chan struct{}),
		wake:     make(chan struct{}, 1),
		ctx:      ctx,
		cancel:   cancel,
		done:     make(chan struct{}),
	}
	q.registerMetrics()
	go q.run()
	return q
}

// Deliver queues records for delivery and returns at once; it never blocks on
// the network. Nil records are skipped. When the queue is full the records
// that do not fit are dropped and counted, and the error wraps errQueueFull;
// after Shutdown every record is dropped and the error wraps errQueueClosed.
func (q *listenerQueue) Deliver(records ...*otelrecord.ExecutionRecord) error {
	n := 0
	for _, r := range records {
		if r != nil {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	now := q.cfg.now()
	dropped := 0
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		q.dropped.Add(uint64(n))
		q.warn.log(slog.LevelWarn, "closed", "hive: records given to the listener after shutdown were dropped", slog.Int("records", n))
		return fmt.Errorf("%w: %d records dropped", errQueueClosed, n)
	}
	for _, r := range records {
		if r == nil {
			continue
		}
		if q.pending >= q.cfg.queueSize {
			dropped++
			continue
		}
		q.queue = append(q.queue, queued{rec: r, at: now})
		q.pending++
		q.accepted++
	}
	q.mu.Unlock()
	if dropped < n {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	if dropped > 0 {
		q.dropped.Add(uint64(dropped))
		q.warn.log(slog.LevelWarn, "full", "hive: listener queue full, records dropped",
			slog.Int("records", dropped), slog.Int("queueSize", q.cfg.queueSize),
			slog.Uint64("droppedTotal", q.dropped.Load()))
		return fmt.Errorf("%w: %d of %d records dropped", errQueueFull, dropped, n)
	}
	return nil
}

// ForceFlush waits until every record accepted before the call has been
// delivered or given up, or until ctx is done (then it returns ctx's error
// and the records stay queued). It blocks.
func (q *listenerQueue) ForceFlush(ctx context.Context) error {
	q.mu.Lock()
	target := q.accepted
	q.mu.Unlock()
	for {
		q.mu.Lock()
		if q.finished >= target {
			q.mu.Unlock()
			return nil
		}
		ch := q.progress
		q.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("hive: listener flush: %w", ctx.Err())
		}
	}
}

// Shutdown stops accepting records, waits for the queued ones to be delivered
// or given up, and stops the goroutine. When ctx is done first, the attempt
// in flight is cancelled, the records left are dropped and counted, and the
// error wraps ctx's error. It blocks until the goroutine has stopped; calls
// after the first return nil at once.
func (q *listenerQueue) Shutdown(ctx context.Context) error {
	var err error
	q.shutdown.Do(func() {
		q.mu.Lock()
		q.closed = true
		q.mu.Unlock()
		select {
		case q.wake <- struct{}{}:
		default:
		}
		select {
		case <-q.done:
		case <-ctx.Done():
			before := q.dropped.Load()
			q.cancel()
			<-q.done
			err = fmt.Errorf("hive: listener shutdown: %d records dropped: %w", q.dropped.Load()-before, ctx.Err())
		}
		q.cancel()
		if q.reg != nil {
			if uerr := q.reg.Unregister(); uerr != nil {
				otel.Handle(uerr)
			}
		}
	})
	return err
}

// Stats returns the counters. It never blocks on delivery.
func (q *listenerQueue) Stats() ListenerStats {
	q.mu.Lock()
	queuedNow := q.pending
	q.mu.Unlock()
	return ListenerStats{
		Delivered: q.delivered.Load(),
		Dropped:   q.dropped.Load(),
		Failed:    q.failed.Load(),
		Retries:   q.retries.Load(),
		Queued:    uint64(queuedNow),
	}
}

// run is the only goroutine: it takes batches and sends them until the queue
// is closed and empty.
func (q *listenerQueue) run() {
	defer close(q.done)
	for {
		batch, closed := q.take()
		if len(batch) == 0 {
			if closed {
				return
			}
			select {
			case <-q.wake:
			case <-q.ctx.Done():
			}
			continue
		}
		for _, e := range batch {
			q.send(e)
			q.finish()
		}
	}
}

// take removes up to a batch of records from the head of the queue.
func (q *listenerQueue) take() ([]queued, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(q.queue), q.cfg.batchSize)
	batch := make([]queued, n)
	copy(batch, q.queue)
	clear(q.queue[:n]) // let the records be collected once sent
	q.queue = q.queue[n:]
	if len(q.queue) == 0 {
		q.queue = nil
	}
	return batch, q.closed
}

// finish marks one record as done and wakes ForceFlush.
func (q *listenerQueue) finish() {
	q.mu.Lock()
	q.pending--
	q.finished++
	close(q.progress)
	q.progress = make(chan struct{})
	q.mu.Unlock()
}

// send delivers one record, retrying as documented on listenerQueue, and
// counts the outcome.
func (q *listenerQueue) send(e queued) {
	if q.ctx.Err() != nil {
		q.dropped.Add(1)
		return
	}
	rec := e.rec
	if rec.UUID == "" { // fix the uuid once, so retries are idempotent
		cp := *rec
		cp.UUID = run.NewUUID()
		rec = &cp
	}
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(q.ctx, q.cfg.attemptTimeout)
		_, err := q.client.SendLog(actx, rec, nil)
		cancel()
		if err == nil || errors.Is(err, ErrSilent) {
			q.delivered.Add(1)
			return
		}
		if q.ctx.Err() != nil {
			q.dropped.Add(1)
			return
		}
		attrs := []slog.Attr{slog.String("uuid", rec.UUID), slog.String("task", rec.TaskName), slog.Any("error", err)}
		var apiErr *APIError
		isAPI := errors.As(err, &apiErr)
		if !errors.Is(err, ErrNetwork) && !Retryable(err) {
			q.failed.Add(1)
			if isAPI {
				attrs = append(attrs, slog.Int("status", apiErr.StatusCode), slog.String("message", apiErr.Message))
			}
			q.warn.log(slog.LevelWarn, "rejected", "hive: record rejected, not retried", attrs...)
			return
		}
		delay := retry.Backoff(attempt, q.cfg.initialBackoff, q.cfg.maxBackoff)
		if isAPI && apiErr.RetryAfter > delay {
			delay = apiErr.RetryAfter
		}
		if q.cfg.now().Add(delay).Sub(e.at) > q.cfg.maxElapsed {
			q.failed.Add(1)
			attrs = append(attrs, slog.Int("attempts", attempt+1), slog.Duration("maxElapsed", q.cfg.maxElapsed))
			q.warn.log(slog.LevelError, "gave-up", "hive: record not delivered in time, given up", attrs...)
			return
		}
		q.retries.Add(1)
		attrs = append(attrs, slog.Int("attempt", attempt+1), slog.Duration("retryIn", delay))
		q.warn.log(slog.LevelWarn, "retry", "hive: delivery failed, retrying", attrs...)
		if err := q.cfg.wait(q.ctx, delay); err != nil {
			q.dropped.Add(1)
			return
		}
	}
}

// registerMetrics reports the counters through observable instruments.
// Failures are reported through otel.Handle and leave the queue without
// metrics.
func (q *listenerQueue) registerMetrics() {
	mp := q.cfg.meterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(ScopeName)
	records, err := m.Int64ObservableCounter(ListenerRecordsCounter,
		metric.WithUnit("{record}"), metric.WithDescription("Records handed to the Hive log client's listener, by outcome."))
	if err != nil {
		otel.Handle(err)
		return
	}
	retries, err := m.Int64ObservableCounter(ListenerRetriesCounter,
		metric.WithUnit("{attempt}"), metric.WithDescription("Delivery attempts made after a failed one."))
	if err != nil {
		otel.Handle(err)
		return
	}
	size, err := m.Int64ObservableUpDownCounter(ListenerQueueSize,
		metric.WithUnit("{record}"), metric.WithDescription("Records waiting or being sent."))
	if err != nil {
		otel.Handle(err)
		return
	}
	outcome := func(o string) metric.ObserveOption {
		return metric.WithAttributeSet(attribute.NewSet(otelrecord.OutcomeKey.String(o)))
	}
	delivered, failed, dropped := outcome(outcomeDelivered), outcome(outcomeFailed), outcome(outcomeDropped)
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := q.Stats()
		o.ObserveInt64(records, int64(st.Delivered), delivered)
		o.ObserveInt64(records, int64(st.Failed), failed)
		o.ObserveInt64(records, int64(st.Dropped), dropped)
		o.ObserveInt64(retries, int64(st.Retries))
		o.ObserveInt64(size, int64(st.Queued))
		return nil
	}, records, retries, size)
	if err != nil {
		otel.Handle(err)
		return
	}
	q.reg = reg
}
