package hivesink

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/internal/retry"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// ScopeName is the instrumentation scope of the sink's counters.
const ScopeName = "github.com/hivetrace/hivetrace/exporter/hivesink"

// Names of the sink's counters. Records it could not deliver are counted by
// the record processor (exporter.DroppedRecordsCounter), not here.
const (
	// DeliveredCounter counts the records the server stored.
	DeliveredCounter = "hive.sink.records.delivered"
	// RetriesCounter counts the attempts to send a record made after a
	// failed one (a batch sent again counts each of its records).
	RetriesCounter = "hive.sink.retries"
	// TrimmedCounter counts the records the server stored trimmed: sent
	// again, after the server refused them as too large, with their largest
	// payloads replaced by truncation markers.
	TrimmedCounter = "hive.sink.records.trimmed"
)

// Sink sends records to a Hive server through a hive.LogClient, in batches
// (POST /api/log-ingest/batch) or, against a server without that route, one
// POST /api/log-ingest each, and returns when they are delivered, failed, or
// its context is done. It is an exporter.Sink for the record processor. All
// methods are safe for concurrent use.
type Sink struct {
	client    *hive.LogClient
	cfg       config
	delivered metric.Int64Counter
	retries   metric.Int64Counter
	trimmed   metric.Int64Counter

	route   atomic.Int32  // a batchRoute: whether the server serves batches
	probe   chan struct{} // held by the one request that finds out
	maxBody atomic.Int64  // the body limit a server stated; 0 until then
}

var _ exporter.Sink = (*Sink)(nil)

// New returns a Sink that sends through client. A nil client, or one without
// credentials (silent), gives a sink that discards every record and reports
// success: a program without Hive credentials runs as usual.
//
// Defaults: DefaultConcurrency requests in flight; batches of at most
// DefaultBatchRecords records and DefaultBatchBytes bytes; backoff from
// DefaultInitialBackoff to DefaultMaxBackoff; counters on the global
// MeterProvider.
func New(client *hive.LogClient, opts ...Option) *Sink {
	s := &Sink{client: client, cfg: newConfig(opts), probe: make(chan struct{}, 1)}
	mp := s.cfg.meterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(ScopeName)
	var err error
	if s.delivered, err = m.Int64Counter(DeliveredCounter,
		metric.WithUnit("{record}"), metric.WithDescription("Records the Hive server stored.")); err != nil {
		otel.Handle(err)
	}
	if s.retries, err = m.Int64Counter(RetriesCounter,
		metric.WithUnit("{attempt}"), metric.WithDescription("Attempts to send a record made after a failed one.")); err != nil {
		otel.Handle(err)
	}
	if s.trimmed, err = m.Int64Counter(TrimmedCounter,
		metric.WithUnit("{record}"), metric.WithDescription("Records the Hive server stored with their largest payloads trimmed to fit its size limit.")); err != nil {
		otel.Handle(err)
	}
	return s
}

// Deliver sends records and returns once each is delivered or given up, or
// ctx is done. It blocks, and is safe for concurrent use. Nil records are
// skipped; a record without a uuid is sent as a copy with a new UUID v7,
// fixed before the first attempt, so a retry never stores it twice (the
// server's ingest is idempotent by uuid). The records themselves are not
// modified, and the sink keeps none of them once Deliver returns.
//
// Records go in batch ingest requests of at most WithBatchRecords records
// and WithBatchBytes bytes, up to WithConcurrency requests at a time. The
// first request of a sink finds out whether the server serves batches,
// alone; a server that answers 404 (the hosted Hive) is remembered for the
// sink's lifetime, and its records go one POST /api/log-ingest each, up to
// WithConcurrency at a time. A batch the server refuses as too large (413)
// is split and sent again.
//
// Each record's outcome counts on its own. A record is retried while its
// failure is retryable (hive.Retryable: network errors, 5xx, 408, 429),
// after an exponential backoff with full jitter or the delay of the server's
// Retry-After when longer, as long as ctx allows: a delay that would end
// past ctx's deadline is not waited for. A record the server refuses as too
// large (413, for the record alone or as an item of a batch) is sent again
// at once with its largest payloads (input, output, boundary call inputs and
// outputs) replaced by truncation markers (otelrecord.Truncate) and the
// metadata otelrecord.MetadataTrimmed set to its original size, trimmed to
// half the limit the server states (hive.APIError.SizeLimit) or, when it
// states none, to half the size refused each time down to TrimFloorBytes; a
// record stored trimmed counts in TrimmedCounter. Other answers (401, 403,
// 404, other 4xx, and a record that cannot be trimmed to fit) are not
// retried.
//
// It returns nil when every record was delivered. Otherwise it returns one
// *exporter.DeliveryError per kind of failure, joined with errors.Join: the
// records refused by the server, with an Err wrapping exporter.ErrRejected
// and the first refusal's error; and the records still failing when ctx
// ended or the deadline left no time for another attempt, with Records
// holding exactly those records (as last sent: with their uuid, trimmed when
// they were) so the record processor can queue them again, RetryAfter the
// longest Retry-After of their last answers (which the processor honours),
// and an Err wrapping the context's error (or context.DeadlineExceeded) and
// the last failure, not exporter.ErrRejected.
//
// A silent client (no credentials) sends nothing: Deliver discards the
// records and returns nil.
func (s *Sink) Deliver(ctx context.Context, records ...*otelrecord.ExecutionRecord) error {
	if s.client == nil || s.client.IsSilent() {
		return nil
	}
	items := make([]*item, 0, len(records))
	for _, r := range records {
		if r != nil {
			items = append(items, newItem(withUUID(r)))
		}
	}
	if len(items) == 0 {
		return nil
	}
	singles := items
	if batchRoute(s.route.Load()) != routeMissing {
		singles = s.deliverBatches(ctx, items)
	}
	s.deliverSingles(ctx, singles)
	return summarize(items)
}

// parallel runs fn on each element of jobs, up to the configured
// concurrency at a time, and returns when all are done.
func parallel[T any](n int, jobs []T, fn func(T)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, len(jobs)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				fn(jobs[i])
			}
		})
	}
	wg.Wait()
}

// stored notes that the server stored it.
func (s *Sink) stored(ctx context.Context, it *item) {
	it.state = stateDelivered
	add(ctx, s.delivered, 1)
	if it.trims > 0 {
		add(ctx, s.trimmed, 1)
	}
}

// pause waits before retry number attempt of items: an exponential backoff
// with full jitter, or the longest Retry-After of their last failures when
// longer. It returns ctx's error when ctx is done first, and
// context.DeadlineExceeded at once when ctx's deadline leaves no time for
// the wait.
func (s *Sink) pause(ctx context.Context, attempt int, items []*item) error {
	delay := retry.Backoff(attempt, s.cfg.initialBackoff, s.cfg.maxBackoff)
	for _, it := range items {
		if apiErr := (*hive.APIError)(nil); errors.As(it.last, &apiErr) && apiErr.RetryAfter > delay {
			delay = apiErr.RetryAfter
		}
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
		return context.DeadlineExceeded
	}
	add(ctx, s.retries, len(items))
	return s.cfg.wait(ctx, delay)
}

func add(ctx context.Context, c metric.Int64Counter, n int) {
	if c != nil && n > 0 {
		c.Add(ctx, int64(n))
	}
}
