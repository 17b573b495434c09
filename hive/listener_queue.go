package hive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// ScopeName is the instrumentation scope of the Sink's metrics.
const ScopeName = "github.com/hivetrace/hivetrace/hive"

// SinkStats counts what a Sink did with the records it was given.
type SinkStats struct {
	// Delivered records were stored by the server.
	Delivered uint64
	// Dropped records were never sent to the end: the queue was full, Deliver
	// came after Shutdown, or Shutdown's deadline passed first.
	Dropped uint64
	// Failed records were given up: the server rejected them (4xx other than
	// 408 and 429) or they could not be delivered within the max elapsed
	// time.
	Failed uint64
	// Retries counts the attempts made after a first failed one.
	Retries uint64
	// Queued records are waiting or being sent.
	Queued uint64
	// Silent records were discarded because the client is silent.
	Silent uint64
}

// Sink delivers records to a Hive server through a LogClient without ever
// blocking the caller. It implements the Sink, Flusher and Shutdowner
// interfaces of package exporter.
//
// Deliver only enqueues into a bounded in-memory queue; one goroutine takes
// batches from it and sends each record with SendLog (the API has no batch
// endpoint), retrying network errors, 5xx, 408 and 429 answers with
// exponential backoff and full jitter (a Retry-After header sets a longer
// delay), until the record has waited for the max elapsed time since it was
// queued. Other 4xx answers are not retried. A record without a uuid gets a
// UUID v7 before its first attempt, kept across retries: the server's ingest
// is idempotent by uuid, so a retry never stores a record twice.
//
// All methods are safe for concurrent use.
type Sink struct {
	client *LogClient
	cfg    sinkConfig
	logger *slog.Logger
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

	delivered, dropped, failed, retries, silent atomic.Uint64
}

type queued struct {
	rec *otelrecord.ExecutionRecord
	at  time.Time
}

// NewSink returns a running Sink that sends through client. Call Shutdown to
// flush it and stop its goroutine. A nil client behaves as a silent one.
//
// Defaults: queue of DefaultQueueSize records, batches of DefaultBatchSize,
// backoff from DefaultInitialBackoff to DefaultMaxBackoff, DefaultMaxElapsed
// per record, DefaultAttemptTimeout per attempt, the client's logger with at
// most one warning of a kind per DefaultLogInterval, counters on the global
// MeterProvider.
func NewSink(client *LogClient, opts ...SinkOption) *Sink {
	if client == nil { // behave as a silent client rather than panic later
		client = &LogClient{s: &settings{}}
	}
	cfg := newSinkConfig(opts)
	logger := cfg.logger
	if logger == nil {
		logger = client.s.log()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sink{
		client:   client,
		cfg:      cfg,
		logger:   logger,
		warn:     newLogLimiter(logger, cfg.logInterval, cfg.now),
		progress: make(chan struct{}),
		wake:     make(chan struct{}, 1),
		ctx:      ctx,
		cancel:   cancel,
		done:     make(chan struct{}),
	}
	s.registerMetrics()
	go s.run()
	return s
}

// Deliver queues records for delivery and returns at once; it never blocks on
// the network. Nil records are skipped. When the queue is full the records
// that do not fit are dropped and counted, and the error wraps ErrQueueFull;
// after Shutdown every record is dropped and the error wraps ErrSinkClosed. A
// silent client's records are counted as Silent and discarded. ctx is not
// used: delivery happens later, on the sink's own goroutine.
func (s *Sink) Deliver(_ context.Context, records ...*otelrecord.ExecutionRecord) error {
	n := 0
	for _, r := range records {
		if r != nil {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	if s.client.IsSilent() {
		s.silent.Add(uint64(n))
		return nil
	}
	now := s.cfg.now()
	dropped := 0
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.dropped.Add(uint64(n))
		s.warn.log(slog.LevelWarn, "closed", "hive: records delivered after shutdown were dropped", slog.Int("records", n))
		return fmt.Errorf("%w: %d records dropped", ErrSinkClosed, n)
	}
	for _, r := range records {
		if r == nil {
			continue
		}
		if s.pending >= s.cfg.queueSize {
			dropped++
			continue
		}
		s.queue = append(s.queue, queued{rec: r, at: now})
		s.pending++
		s.accepted++
	}
	s.mu.Unlock()
	if dropped < n {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	if dropped > 0 {
		s.dropped.Add(uint64(dropped))
		s.warn.log(slog.LevelWarn, "full", "hive: delivery queue full, records dropped",
			slog.Int("records", dropped), slog.Int("queueSize", s.cfg.queueSize),
			slog.Uint64("droppedTotal", s.dropped.Load()))
		return fmt.Errorf("%w: %d of %d records dropped", ErrQueueFull, dropped, n)
	}
	return nil
}

// ForceFlush waits until every record accepted before the call has been
// delivered or given up, or until ctx is done (then it returns ctx's error
// and the records stay queued). It blocks.
func (s *Sink) ForceFlush(ctx context.Context) error {
	s.mu.Lock()
	target := s.accepted
	s.mu.Unlock()
	for {
		s.mu.Lock()
		if s.finished >= target {
			s.mu.Unlock()
			return nil
		}
		ch := s.progress
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("hive: sink flush: %w", ctx.Err())
		}
	}
}

// Shutdown stops accepting records, waits for the queued ones to be delivered
// or given up, and stops the sink's goroutine. When ctx is done first, the
// attempt in flight is cancelled, the records left are dropped and counted,
// and the error wraps ctx's error. It blocks until the goroutine has stopped;
// calls after the first return nil at once.
func (s *Sink) Shutdown(ctx context.Context) error {
	var err error
	s.shutdown.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
		select {
		case <-s.done:
		case <-ctx.Done():
			before := s.dropped.Load()
			s.cancel()
			<-s.done
			err = fmt.Errorf("hive: sink shutdown: %d records dropped: %w", s.dropped.Load()-before, ctx.Err())
		}
		s.cancel()
		if s.reg != nil {
			if uerr := s.reg.Unregister(); uerr != nil {
				otel.Handle(uerr)
			}
		}
	})
	return err
}

// Stats returns the sink's counters. It never blocks on delivery.
func (s *Sink) Stats() SinkStats {
	s.mu.Lock()
	queuedNow := s.pending
	s.mu.Unlock()
	return SinkStats{
		Delivered: s.delivered.Load(),
		Dropped:   s.dropped.Load(),
		Failed:    s.failed.Load(),
		Retries:   s.retries.Load(),
		Queued:    uint64(queuedNow),
		Silent:    s.silent.Load(),
	}
}

// run is the sink's only goroutine: it takes batches and sends them until the
// sink is closed and empty.
func (s *Sink) run() {
	defer close(s.done)
	for {
		batch, closed := s.take()
		if len(batch) == 0 {
			if closed {
				return
			}
			select {
			case <-s.wake:
			case <-s.ctx.Done():
			}
			continue
		}
		for _, q := range batch {
			s.send(q)
			s.finish()
		}
	}
}

// take removes up to a batch of records from the head of the queue.
func (s *Sink) take() ([]queued, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := min(len(s.queue), s.cfg.batchSize)
	batch := make([]queued, n)
	copy(batch, s.queue)
	clear(s.queue[:n]) // let the records be collected once sent
	s.queue = s.queue[n:]
	if len(s.queue) == 0 {
		s.queue = nil
	}
	return batch, s.closed
}

// finish marks one record as done and wakes ForceFlush.
func (s *Sink) finish() {
	s.mu.Lock()
	s.pending--
	s.finished++
	close(s.progress)
	s.progress = make(chan struct{})
	s.mu.Unlock()
}

// send delivers one record, retrying as documented on Sink, and counts the
// outcome.
func (s *Sink) send(q queued) {
	if s.ctx.Err() != nil {
		s.dropped.Add(1)
		return
	}
	rec := q.rec
	if rec.UUID == "" { // fix the uuid once, so retries are idempotent
		id, err := uuid.NewV7()
		if err == nil {
			cp := *rec
			cp.UUID = id.String()
			rec = &cp
		}
	}
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(s.ctx, s.cfg.attemptTimeout)
		_, err := s.client.SendLog(actx, rec, nil)
		cancel()
		switch {
		case err == nil:
			s.delivered.Add(1)
			return
		case errors.Is(err, ErrSilent):
			s.silent.Add(1)
			return
		}
		if s.ctx.Err() != nil {
			s.dropped.Add(1)
			return
		}
		attrs := []slog.Attr{slog.String("uuid", rec.UUID), slog.String("task", rec.TaskName), slog.Any("error", err)}
		if !errors.Is(err, ErrNetwork) && !Retryable(err) {
			s.failed.Add(1)
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				attrs = append(attrs, slog.Int("status", apiErr.StatusCode), slog.String("message", apiErr.Message))
			}
			s.warn.log(slog.LevelWarn, "rejected", "hive: record rejected, not retried", attrs...)
			return
		}
		delay := backoff(attempt, s.cfg.initialBackoff, s.cfg.maxBackoff)
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.RetryAfter > delay {
			delay = apiErr.RetryAfter
		}
		if s.cfg.now().Add(delay).Sub(q.at) > s.cfg.maxElapsed {
			s.failed.Add(1)
			attrs = append(attrs, slog.Int("attempts", attempt+1), slog.Duration("maxElapsed", s.cfg.maxElapsed))
			s.warn.log(slog.LevelError, "gave-up", "hive: record not delivered in time, given up", attrs...)
			return
		}
		s.retries.Add(1)
		attrs = append(attrs, slog.Int("attempt", attempt+1), slog.Duration("retryIn", delay))
		s.warn.log(slog.LevelWarn, "retry", "hive: delivery failed, retrying", attrs...)
		if err := s.cfg.wait(s.ctx, delay); err != nil {
			s.dropped.Add(1)
			return
		}
	}
}

// registerMetrics reports the counters through observable instruments.
// Failures are reported through otel.Handle and leave the sink without
// metrics.
func (s *Sink) registerMetrics() {
	mp := s.cfg.meterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(ScopeName)
	records, err := m.Int64ObservableCounter("hive.sink.records",
		metric.WithUnit("{record}"), metric.WithDescription("Records handled by the Hive sink, by outcome."))
	if err != nil {
		otel.Handle(err)
		return
	}
	retries, err := m.Int64ObservableCounter("hive.sink.retries",
		metric.WithUnit("{attempt}"), metric.WithDescription("Delivery attempts made after a failed one."))
	if err != nil {
		otel.Handle(err)
		return
	}
	queue, err := m.Int64ObservableUpDownCounter("hive.sink.queue.size",
		metric.WithUnit("{record}"), metric.WithDescription("Records waiting or being sent."))
	if err != nil {
		otel.Handle(err)
		return
	}
	outcome := attribute.Key("hive.outcome")
	sets := map[string]metric.ObserveOption{}
	for _, o := range []string{"delivered", "dropped", "failed", "silent"} {
		sets[o] = metric.WithAttributeSet(attribute.NewSet(outcome.String(o)))
	}
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := s.Stats()
		o.ObserveInt64(records, int64(st.Delivered), sets["delivered"])
		o.ObserveInt64(records, int64(st.Dropped), sets["dropped"])
		o.ObserveInt64(records, int64(st.Failed), sets["failed"])
		o.ObserveInt64(records, int64(st.Silent), sets["silent"])
		o.ObserveInt64(retries, int64(st.Retries))
		o.ObserveInt64(queue, int64(st.Queued))
		return nil
	}, records, retries, queue)
	if err != nil {
		otel.Handle(err)
		return
	}
	s.reg = reg
}
