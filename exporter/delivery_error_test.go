package exporter_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/otelrecord"
)

func TestDeliveryError(t *testing.T) {
	errDown := errors.New("store down")
	err := fmt.Errorf("sink: %w", &exporter.DeliveryError{Failed: 3, Err: errDown})
	assert.ErrorIs(t, err, errDown)
	var de *exporter.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 3, de.Failed)
	assert.Equal(t, "sink: exporter: 3 records not delivered: store down", err.Error())
	assert.Equal(t, "exporter: 2 records not delivered", (&exporter.DeliveryError{Failed: 2}).Error())
}

// TestRecordProcessorCountsUndeliveredRecords checks that the processor
// counts exactly the records its sink says it could not deliver, by reason.
func TestRecordProcessorCountsUndeliveredRecords(t *testing.T) {
	rejected := fmt.Errorf("%w: invalid record", exporter.ErrRejected)
	cases := map[string]struct {
		err  func(ctx context.Context) error
		want map[string]int64
	}{
		"partial, two reasons": {
			err: func(context.Context) error {
				return errors.Join(
					&exporter.DeliveryError{Failed: 2, Err: rejected},
					&exporter.DeliveryError{Failed: 1, Err: errors.New("connection reset")})
			},
			want: map[string]int64{exporter.DropReasonRejected: 2, exporter.DropReasonExportFailed: 1},
		},
		"wrapped": {
			err: func(context.Context) error {
				return fmt.Errorf("my sink: %w", &exporter.DeliveryError{Failed: 4, Err: rejected})
			},
			want: map[string]int64{exporter.DropReasonRejected: 4},
		},
		"plain error: the whole batch": {
			err:  func(context.Context) error { return errors.New("disk full") },
			want: map[string]int64{exporter.DropReasonExportFailed: 5},
		},
		"more failed than sent: capped at the batch": {
			err: func(context.Context) error {
				return errors.Join(
					&exporter.DeliveryError{Failed: 4, Err: rejected},
					&exporter.DeliveryError{Failed: 9, Err: context.DeadlineExceeded},
					&exporter.DeliveryError{Failed: -3, Err: errors.New("ignored")})
			},
			want: map[string]int64{exporter.DropReasonRejected: 4, exporter.DropReasonExportTimeout: 1},
		},
		"export timeout": {
			err: func(ctx context.Context) error {
				<-ctx.Done()
				return &exporter.DeliveryError{Failed: 3, Err: context.Cause(ctx)}
			},
			want: map[string]int64{exporter.DropReasonExportTimeout: 3},
		},
		"nothing failed": {
			err:  func(context.Context) error { return &exporter.DeliveryError{Failed: 0, Err: errors.New("fine")} },
			want: map[string]int64{},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			var sizes []int
			sink := exporter.SinkFunc(func(ctx context.Context, recs ...*otelrecord.ExecutionRecord) error {
				mu.Lock()
				sizes = append(sizes, len(recs))
				mu.Unlock()
				return tc.err(ctx)
			})
			p := newSinkPipeline(t, sink, exporter.WithExportTimeout(20*time.Millisecond))
			for i := range 5 {
				emitRun(context.Background(), t, p.tracer, fakeRun{task: fmt.Sprint("t", i)})
			}
			err := p.tp.ForceFlush(context.Background())
			require.Error(t, err, "ForceFlush returns the delivery error")
			assert.Equal(t, []int{5}, sizes)
			assert.Equal(t, tc.want, p.dropped(t))
		})
	}
}

func TestRecordProcessorWarnsAboutUndeliveredRecords(t *testing.T) {
	sink := exporter.SinkFunc(func(context.Context, ...*otelrecord.ExecutionRecord) error {
		return &exporter.DeliveryError{Failed: 1, Err: exporter.ErrRejected}
	})
	p := newSinkPipeline(t, sink)
	emitRun(context.Background(), t, p.tracer, fakeRun{task: "t"})
	require.ErrorIs(t, p.tp.ForceFlush(context.Background()), exporter.ErrRejected)
	warns := p.logs.warnings()
	require.Len(t, warns, 1)
	assert.EqualValues(t, 1, warns[0][exporter.DropReasonRejected])
}

func TestRecordProcessorBackgroundErrorsAreRateLimited(t *testing.T) {
	var mu sync.Mutex
	var handled []error
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, err)
	}))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	got := func() []error {
		mu.Lock()
		defer mu.Unlock()
		return append([]error(nil), handled...)
	}

	errDown := errors.New("store down")
	var now time.Time
	var clockMu sync.Mutex
	clock := func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		return now
	}
	now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sink := exporter.SinkFunc(func(context.Context, ...*otelrecord.ExecutionRecord) error { return errDown })
	// Batches of one: every run is delivered, and fails, on the worker's own.
	p := newSinkPipeline(t, sink, exporter.WithMaxExportBatchSize(1),
		exporter.WithClock(clock), exporter.WithDropWarnInterval(time.Minute))

	for range 3 {
		emitRun(context.Background(), t, p.tracer, fakeRun{task: "t"})
	}
	require.Eventually(t, func() bool { return p.dropped(t)[exporter.DropReasonExportFailed] == 3 },
		10*time.Second, time.Millisecond, "full batches of one leave at once")
	require.NoError(t, p.tp.ForceFlush(context.Background()), "the failures happened before the flush")
	require.Len(t, got(), 1, "one report per interval")
	require.ErrorIs(t, got()[0], errDown)

	clockMu.Lock()
	now = now.Add(time.Minute)
	clockMu.Unlock()
	emitRun(context.Background(), t, p.tracer, fakeRun{task: "t"})
	require.Eventually(t, func() bool { return p.dropped(t)[exporter.DropReasonExportFailed] == 4 },
		10*time.Second, time.Millisecond)
	require.NoError(t, p.tp.ForceFlush(context.Background()))
	reports := got()
	require.Len(t, reports, 2)
	assert.ErrorIs(t, reports[1], errDown)
	assert.Contains(t, reports[1].Error(), "and 2 more errors")
	assert.Equal(t, map[string]int64{exporter.DropReasonExportFailed: 4}, p.dropped(t))
}
