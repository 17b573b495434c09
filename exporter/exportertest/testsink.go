package exportertest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/internal/fidelity"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// NewSinkFunc makes a fresh sink for one check of TestSink, and a function
// returning every record that sink has stored so far (decoded back from
// wherever it stores them). It may register cleanups on t.
type NewSinkFunc func(t *testing.T) (sink exporter.Sink, stored func() []*otelrecord.ExecutionRecord)

// TestSink is the conformance suite of exporter.Sink. It runs each check as a
// subtest on a fresh sink and reports every problem it finds, not only the
// first. stored is read after Deliver returned and, for a sink that is an
// exporter.Flusher, after ForceFlush returned; records must be stored exactly
// once each and re-encode to the same JSON (key order and spacing aside).
//
// The checks: one record; a batch of every shape of record (SampleRecords);
// several calls; an empty call; concurrent calls; a call with a cancelled
// context returns; ForceFlush and Shutdown, when implemented, succeed and
// keep what was delivered, and Deliver after Shutdown does not panic.
func TestSink(t *testing.T, newSink NewSinkFunc) {
	t.Helper()
	for _, c := range sinkChecks {
		t.Run(c.name, func(t *testing.T) {
			sink, stored := newSink(t)
			if sink == nil || stored == nil {
				t.Fatal("exportertest: newSink returned a nil sink or a nil stored function")
			}
			for _, err := range c.run(t, sink, stored) {
				t.Error(err)
			}
		})
	}
}

// checkTimeout bounds each call of a check; it only stops a broken sink from
// hanging the suite.
const checkTimeout = 30 * time.Second

type sinkCheck struct {
	name string
	run  func(t *testing.T, s exporter.Sink, stored func() []*otelrecord.ExecutionRecord) []error
}

var sinkChecks = []sinkCheck{
	{"OneRecord", func(t *testing.T, s exporter.Sink, stored func() []*otelrecord.ExecutionRecord) []error {
		want := SampleRecords()[:1]
		if err := deliver(s, want...); err != nil {
			return []error{err}
		}
		return compareStored(flushed(s, stored), want)
	}},
	{"Batch", func(t *testing.T, s exporter.Sink, stored func() []*otelrecord.ExecutionRecord) []error {
		want := SampleRecords()
		if err := deliver(s, want...); err != nil {
			return []error{err}
		}
		return compareStored(flushed(s, stored), want)
	}},
	{"SeveralCalls", func(t *testing.T, s exporter.Sink, stored func() []*otelrecord.ExecutionRecord) []error {
		var want []*otelrecord.ExecutionRecord
		var errs []error
		for range 3 {
			recs := SampleRecords()[:2]
			want = append(want, recs...)
			if err := deliver(s, recs...); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			return errs
		}
		return compareStored(flushed(s, stored), want)
	}},
	{"EmptyCall", func(t *testing.T, s exporter.Sink, stored func() []*otelrecord.ExecutionRecord) []error {
		if err := deliver(s); err != nil {
			return []error{fmt.Errorf("sink: Deliver with no records: %w", err)}
		}
		return compareStored(flushed(s, stored), nil)
	}},
	{"Concurrent", func(t *testing.T, s exporter.Sink, stored func() []*otelrecord.ExecutionRecord) []error {
		const callers = 8
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			want []*otelrecord.ExecutionRecord
			errs []error
		)
		for range callers {
			recs := SampleRecords()
			want = append(want, recs...)
			wg.Go(func() {
				if err := deliver(s, recs...); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			return errs
		}
		return compareStored(flushed(s, stored), want)
	}},
	{"CancelledContext", func(t *testing.T, s exporter.Sink, stored func() []*otelrecord.ExecutionRecord) []error {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan error, 1)
		go func() { done <- safeDeliver(ctx, s, SampleRecords()...) }()
		select {
		case err := <-done:
			var p panicError
			if errors.As(err, &p) {
				return []error{err}
			}
			return nil // a sink may store or refuse; it must return
		case <-time.After(checkTimeout):
			return []error{fmt.Errorf("sink: Deliver with a cancelled context did not return within %v", checkTimeout)}
		}
	}},
	{"FlushAndShutdown", func(t *testing.T, s exporter.Sink, stored func() []*otelrecord.ExecutionRecord) []error {
		want := SampleRecords()
		if err := deliver(s, want...); err != nil {
			return []error{err}
		}
		var errs []error
		ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
		defer cancel()
		if f, ok := s.(exporter.Flusher); ok {
			if err := f.ForceFlush(ctx); err != nil {
				errs = append(errs, fmt.Errorf("ForceFlush: %w", err))
			}
		}
		if sd, ok := s.(exporter.Shutdowner); ok {
			if err := sd.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("sink: Shutdown: %w", err))
			}
			if err := safeDeliver(ctx, s, SampleRecords()[:1]...); err != nil {
				var p panicError
				if errors.As(err, &p) {
					errs = append(errs, fmt.Errorf("sink: Deliver after Shutdown: %w", err))
				}
			}
			// Records delivered before Shutdown must have been kept; those
			// after it may or may not be.
			return append(errs, compareStoredSubset(stored(), want)...)
		}
		return append(errs, compareStored(stored(), want)...)
	}},
}

type panicError struct{ v any }

func (p panicError) Error() string { return fmt.Sprintf("panic: %v", p.v) }

func safeDeliver(ctx context.Context, s exporter.Sink, recs ...*otelrecord.ExecutionRecord) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError{v}
		}
	}()
	return s.Deliver(ctx, recs...)
}

func deliver(s exporter.Sink, recs ...*otelrecord.ExecutionRecord) error {
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	if err := safeDeliver(ctx, s, recs...); err != nil {
		return fmt.Errorf("sink: Deliver of %d records: %w", len(recs), err)
	}
	return nil
}

// flushed flushes a Flusher sink, then reads what it stored.
func flushed(s exporter.Sink, stored func() []*otelrecord.ExecutionRecord) []*otelrecord.ExecutionRecord {
	if f, ok := s.(exporter.Flusher); ok {
		ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
		defer cancel()
		_ = f.ForceFlush(ctx) // its errors are the FlushAndShutdown check's business
	}
	return stored()
}

// compareStored reports every difference between the stored records and
// want: missing, duplicated, unexpected or altered records.
func compareStored(got, want []*otelrecord.ExecutionRecord) []error {
	errs := compareStoredSubset(got, want)
	wanted := make(map[string]bool, len(want))
	for _, w := range want {
		wanted[w.UUID] = true
	}
	for _, g := range got {
		if g == nil {
			errs = append(errs, errors.New("stored a nil record"))
			continue
		}
		if !wanted[g.UUID] {
			errs = append(errs, fmt.Errorf("stored record %s (task %q) that was never delivered", g.UUID, g.TaskName))
		}
	}
	return errs
}

// compareStoredSubset reports every record of want that is not stored exactly
// once, unchanged.
func compareStoredSubset(got, want []*otelrecord.ExecutionRecord) []error {
	byUUID := make(map[string][]*otelrecord.ExecutionRecord, len(got))
	for _, g := range got {
		if g != nil {
			byUUID[g.UUID] = append(byUUID[g.UUID], g)
		}
	}
	var errs []error
	for _, w := range want {
		found := byUUID[w.UUID]
		switch len(found) {
		case 0:
			errs = append(errs, fmt.Errorf("record %s (task %q) was delivered but not stored", w.UUID, w.TaskName))
			continue
		case 1:
		default:
			errs = append(errs, fmt.Errorf("record %s (task %q) stored %d times", w.UUID, w.TaskName, len(found)))
		}
		if err := sameRecord(found[0], w); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func sameRecord(got, want *otelrecord.ExecutionRecord) error {
	g, err := fidelity.Canonical(got)
	if err != nil {
		return err
	}
	w, err := fidelity.Canonical(want)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(g, w) {
		gb, _ := got.MarshalJSON()
		wb, _ := want.MarshalJSON()
		return fmt.Errorf("record %s (task %q) stored altered:\n got: %s\nwant: %s", want.UUID, want.TaskName, gb, wb)
	}
	return nil
}
