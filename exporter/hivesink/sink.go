package hivesink

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
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
	// RetriesCounter counts the attempts made after a failed one.
	RetriesCounter = "hive.sink.retries"
)

// Sink sends records to a Hive server through a hive.LogClient, one
// POST /api/log-ingest each, and returns when they are delivered, failed, or
// its context is done. It is an exporter.Sink for the record processor. All
// methods are safe for concurrent use.
type Sink struct {
	client    *hive.LogClient
	cfg       config
	delivered metric.Int64Counter
	retries   metric.Int64Counter
}

var _ exporter.Sink = (*Sink)(nil)

// New returns a Sink that sends through client. A nil client, or one without
// credentials (silent), gives a sink that discards every record and reports
// success: a program without Hive credentials runs as usual.
//
// Defaults: DefaultConcurrency records in flight; backoff from
// DefaultInitialBackoff to DefaultMaxBackoff; counters on the global
// MeterProvider.
func New(client *hive.LogClient, opts ...Option) *Sink {
	s := &Sink{client: client, cfg: newConfig(opts)}
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
	return s
}

// Deliver sends records, up to the configured number at a time, and returns
// once each is delivered or given up, or ctx is done. It blocks, and is safe
// for concurrent use. Nil records are skipped; a record without a uuid is
// sent as a copy with a new UUID v7, fixed before the first attempt, so a
// retry never stores it twice (the server's ingest is idempotent by uuid).
// The records themselves are not modified.
//
// A record is retried while the failure is retryable (hive.Retryable:
// network errors, 5xx, 408, 429), after an exponential backoff with full
// jitter or the delay of the server's Retry-After when longer, as long as
// ctx allows: a delay that would end past ctx's deadline is not waited for.
// Other answers (401, 403, 404, other 4xx) are not retried.
//
// It returns nil when every record was delivered. Otherwise it returns one
// *exporter.DeliveryError per kind of failure, joined: the records refused
// by the server, with an Err wrapping exporter.ErrRejected and the first
// refusal's error; and the records still failing when ctx ended or the
// deadline left no time for another attempt, with an Err wrapping the
// context's error (or context.DeadlineExceeded) and the last failure.
//
// A silent client (no credentials) sends nothing: Deliver discards the
// records and returns nil.
func (s *Sink) Deliver(ctx context.Context, records ...*otelrecord.ExecutionRecord) error {
	if s.client == nil || s.client.IsSilent() {
		return nil
	}
	recs := make([]*otelrecord.ExecutionRecord, 0, len(records))
	for _, r := range records {
		if r != nil {
			recs = append(recs, withUUID(r))
		}
	}
	if len(recs) == 0 {
		return nil
	}
	errs := make([]error, len(recs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(s.cfg.concurrency, len(recs)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(recs) {
					return
				}
				errs[i] = s.send(ctx, recs[i])
			}
		})
	}
	wg.Wait()
	return summarize(errs)
}

// send delivers one record, retrying as documented on Deliver.
func (s *Sink) send(ctx context.Context, rec *otelrecord.ExecutionRecord) error {
	var last error
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			return givenUp(rec, attempt, last, ctx.Err())
		}
		_, err := s.client.SendLog(ctx, rec, nil)
		if err == nil || errors.Is(err, hive.ErrSilent) {
			s.count(ctx, s.delivered)
			return nil
		}
		last = err
		if ctx.Err() != nil {
			return givenUp(rec, attempt+1, last, ctx.Err())
		}
		if !hive.Retryable(err) {
			return fmt.Errorf("%w: record %s (task %q): %w", exporter.ErrRejected, rec.UUID, rec.TaskName, err)
		}
		delay := retry.Backoff(attempt, s.cfg.initialBackoff, s.cfg.maxBackoff)
		if apiErr := (*hive.APIError)(nil); errors.As(err, &apiErr) && apiErr.RetryAfter > delay {
			delay = apiErr.RetryAfter
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
			return givenUp(rec, attempt+1, last, context.DeadlineExceeded)
		}
		s.count(ctx, s.retries)
		if err := s.cfg.wait(ctx, delay); err != nil {
			return givenUp(rec, attempt+1, last, err)
		}
	}
}

func (s *Sink) count(ctx context.Context, c metric.Int64Counter) {
	if c != nil {
		c.Add(ctx, 1)
	}
}

// givenUp is the error of a record still not delivered when ctx ended (or
// its deadline left no time for another attempt): it wraps ctxErr and the
// last failure.
func givenUp(rec *otelrecord.ExecutionRecord, attempts int, last, ctxErr error) error {
	if last == nil {
		return fmt.Errorf("hivesink: record %s (task %q) not sent: %w", rec.UUID, rec.TaskName, ctxErr)
	}
	return fmt.Errorf("hivesink: record %s (task %q) not delivered after %d attempts: %w (last failure: %w)",
		rec.UUID, rec.TaskName, attempts, ctxErr, last)
}

// summarize turns the per-record errors into one DeliveryError per kind of
// failure, joined; nil when every record was delivered.
func summarize(errs []error) error {
	var rejected, failed exporter.DeliveryError
	for _, err := range errs {
		if err == nil {
			continue
		}
		d := &failed
		if errors.Is(err, exporter.ErrRejected) {
			d = &rejected
		}
		if d.Failed == 0 {
			d.Err = err
		}
		d.Failed++
	}
	var out []error
	for _, d := range []*exporter.DeliveryError{&rejected, &failed} {
		if d.Failed > 0 {
			if d.Failed > 1 {
				d.Err = fmt.Errorf("%w (and %d more)", d.Err, d.Failed-1)
			}
			out = append(out, d)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return errors.Join(out...)
}

// withUUID returns rec, or a shallow copy of it with a new UUID v7 when it
// has no uuid (a v4 in the unlikely case the v7 clock read fails).
func withUUID(rec *otelrecord.ExecutionRecord) *otelrecord.ExecutionRecord {
	if rec.UUID != "" {
		return rec
	}
	cp := *rec
	if id, err := uuid.NewV7(); err == nil {
		cp.UUID = id.String()
	} else {
		cp.UUID = uuid.NewString()
	}
	return &cp
}
