package hivesink_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/hivesink"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// delays is a backoff sleep that records the delays asked for and returns at
// once.
type delays struct {
	mu  sync.Mutex
	all []time.Duration
}

func (d *delays) wait(ctx context.Context, delay time.Duration) error {
	d.mu.Lock()
	d.all = append(d.all, delay)
	d.mu.Unlock()
	return ctx.Err()
}

func (d *delays) list() []time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]time.Duration(nil), d.all...)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func deliveryErrors(t *testing.T, err error) map[bool]int {
	t.Helper()
	out := map[bool]int{} // rejected? → failed records
	var walk func(error)
	walk = func(err error) {
		var de *exporter.DeliveryError
		switch e := err.(type) {
		case *exporter.DeliveryError:
			out[errors.Is(e, exporter.ErrRejected)] += e.Failed
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		default:
			require.ErrorAs(t, err, &de, "not a DeliveryError: %v", err)
		}
	}
	walk(err)
	return out
}

func TestDeliverSendsEveryRecord(t *testing.T) {
	f, srv := newFakeHive(t)
	s := hivesink.New(newClient(t, srv.URL))

	kept := record("0193a000-0000-7000-8000-00000000beef", "report")
	fresh := record("", "report")
	require.NoError(t, s.Deliver(ctxT(t), kept, nil, fresh))
	require.NoError(t, s.Deliver(ctxT(t)), "no records")

	stored := f.records()
	require.Len(t, stored, 2)
	ids := []string{stored[0].UUID, stored[1].UUID}
	assert.Contains(t, ids, kept.UUID)
	assert.Empty(t, fresh.UUID, "the caller's record is not modified")
	for _, id := range ids {
		parsed, err := uuid.Parse(id)
		require.NoError(t, err)
		assert.Equal(t, uuid.Version(7), parsed.Version())
	}
}

func TestDeliverRetriesWithTheSameUUID(t *testing.T) {
	f, srv := newFakeHive(t)
	f.setAnswer(func(w http.ResponseWriter, _ *http.Request, _ *otelrecord.ExecutionRecord, attempt int) bool {
		switch attempt {
		case 1:
			writeError(w, http.StatusServiceUnavailable, "warming up")
		case 2:
			writeError(w, http.StatusRequestTimeout, "slow body")
		default:
			return false
		}
		return true
	})
	d := &delays{}
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	s := hivesink.New(newClient(t, srv.URL), hivesink.WithWait(d.wait),
		hivesink.WithBackoff(10*time.Millisecond, 15*time.Millisecond), hivesink.WithMeterProvider(mp), hivesink.WithMeterProvider(nil))

	require.NoError(t, s.Deliver(ctxT(t), record("", "report")))

	ids := f.uuids()
	require.Len(t, ids, 1, "every attempt carried the same uuid")
	assert.Equal(t, 3, f.attemptsFor(ids[0]))
	assert.Len(t, f.records(), 1)
	got := d.list()
	require.Len(t, got, 2)
	assert.Less(t, got[0], 10*time.Millisecond, "full jitter below the first ceiling")
	assert.Less(t, got[1], 15*time.Millisecond, "capped by the max backoff")
	assert.Equal(t, map[string]int64{hivesink.DeliveredCounter: 1, hivesink.RetriesCounter: 2}, counters(t, reader))
}

func TestDeliverHonoursRetryAfter(t *testing.T) {
	f, srv := newFakeHive(t)
	f.setAnswer(func(w http.ResponseWriter, _ *http.Request, _ *otelrecord.ExecutionRecord, attempt int) bool {
		if attempt > 1 {
			return false
		}
		w.Header().Set("Retry-After", "7")
		writeError(w, http.StatusTooManyRequests, "slow down")
		return true
	})
	d := &delays{}
	s := hivesink.New(newClient(t, srv.URL), hivesink.WithWait(d.wait))

	require.NoError(t, s.Deliver(ctxT(t), record("u-1", "report")))
	assert.Equal(t, []time.Duration{7 * time.Second}, d.list(), "the server's delay, beyond the max backoff")
	assert.Equal(t, 2, f.attemptsFor("u-1"))
}

func TestDeliverRetryAfterPastTheDeadlineReturnsAtOnce(t *testing.T) {
	f, srv := newFakeHive(t)
	f.setAnswer(func(w http.ResponseWriter, _ *http.Request, _ *otelrecord.ExecutionRecord, _ int) bool {
		w.Header().Set("Retry-After", "3600")
		writeError(w, http.StatusTooManyRequests, "slow down")
		return true
	})
	s := hivesink.New(newClient(t, srv.URL))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	start := time.Now()
	err := s.Deliver(ctx, record("u-1", "report"), record("u-2", "report"))
	assert.Less(t, time.Since(start), 5*time.Second, "no wait that cannot end in time")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, hive.ErrRateLimited, "the last failure is kept")
	assert.Equal(t, map[bool]int{false: 2}, deliveryErrors(t, err))
	assert.Equal(t, 1, f.attemptsFor("u-1"))
	var de *exporter.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, time.Hour, de.RetryAfter, "handed back with the server's delay, for the processor to honour")
}

func TestDeliverDoesNotRetryRejections(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound, http.StatusRequestEntityTooLarge} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			f, srv := newFakeHive(t)
			f.setAnswer(func(w http.ResponseWriter, _ *http.Request, _ *otelrecord.ExecutionRecord, _ int) bool {
				writeError(w, status, "no")
				return true
			})
			d := &delays{}
			s := hivesink.New(newClient(t, srv.URL), hivesink.WithWait(d.wait))

			err := s.Deliver(ctxT(t), record("u-1", "report"))
			require.ErrorIs(t, err, exporter.ErrRejected)
			var apiErr *hive.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, status, apiErr.StatusCode)
			assert.Equal(t, map[bool]int{true: 1}, deliveryErrors(t, err))
			assert.Equal(t, 1, f.attemptsFor("u-1"), "not retried")
			assert.Empty(t, d.list())
		})
	}
}

func TestDeliverReportsPartialFailures(t *testing.T) {
	f, srv := newFakeHive(t)
	f.setAnswer(func(w http.ResponseWriter, _ *http.Request, rec *otelrecord.ExecutionRecord, _ int) bool {
		switch rec.TaskName {
		case "bad":
			writeError(w, http.StatusBadRequest, "invalid record")
		case "down":
			writeError(w, http.StatusServiceUnavailable, "down")
		default:
			return false
		}
		return true
	})
	s := hivesink.New(newClient(t, srv.URL), hivesink.WithBackoff(time.Millisecond, 2*time.Millisecond))
	recs := []*otelrecord.ExecutionRecord{
		record("ok-1", "good"), record("bad-1", "bad"), record("ok-2", "good"),
		record("bad-2", "bad"), record("down-1", "down"), record("ok-3", "good"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()

	err := s.Deliver(ctx, recs...)
	require.Error(t, err)
	assert.Equal(t, map[bool]int{true: 2, false: 1}, deliveryErrors(t, err), "2 rejected, 1 still failing at the deadline")
	assert.ErrorIs(t, err, exporter.ErrRejected)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "2 records not delivered")
	assert.Len(t, f.records(), 3, "the good records were stored")
	assert.Greater(t, f.attemptsFor("down-1"), 1, "retried until the deadline")
	assert.Equal(t, 1, f.attemptsFor("bad-1"))
}

func TestDeliverReturnsPromptlyWhenCancelled(t *testing.T) {
	f, srv := newFakeHive(t)
	arrived := make(chan struct{}, 10)
	f.setAnswer(func(w http.ResponseWriter, r *http.Request, _ *otelrecord.ExecutionRecord, _ int) bool {
		arrived <- struct{}{}
		<-r.Context().Done() // hang until the client gives up
		return true
	})
	s := hivesink.New(newClient(t, srv.URL), hivesink.WithConcurrency(2))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Deliver(ctx, record("u-1", "t"), record("u-2", "t"), record("u-3", "t"), record("u-4", "t"), record("u-5", "t"))
	}()
	<-arrived
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, map[bool]int{false: 5}, deliveryErrors(t, err), "every record counted, sent or not")
	case <-time.After(5 * time.Second):
		t.Fatal("Deliver did not return after its ctx was cancelled")
	}
}

func TestDeliverSendsConcurrently(t *testing.T) {
	for name, batches := range map[string]bool{"batches": true, "singles": false} {
		t.Run(name, func(t *testing.T) {
			f, srv := newFakeHive(t)
			if !batches {
				f.withoutBatchRoute()
			}
			s := hivesink.New(newClient(t, srv.URL), hivesink.WithConcurrency(3), hivesink.WithConcurrency(0), hivesink.WithBatchRecords(1))
			require.NoError(t, s.Deliver(ctxT(t), record("warm-up", "t")), "the first request finds out about the batch route")

			release := make(chan struct{})
			var once sync.Once
			f.setAnswer(func(w http.ResponseWriter, _ *http.Request, _ *otelrecord.ExecutionRecord, _ int) bool {
				if f.maxInFlight() >= 3 {
					once.Do(func() { close(release) })
				}
				select {
				case <-release:
				case <-time.After(5 * time.Second):
				}
				return false
			})
			var recs []*otelrecord.ExecutionRecord
			for i := range 9 {
				recs = append(recs, record(fmt.Sprintf("u-%d", i), "t"))
			}
			require.NoError(t, s.Deliver(ctxT(t), recs...))
			assert.Equal(t, 3, f.maxInFlight(), "three in flight, never more")
			assert.Len(t, f.records(), 10)
			if batches {
				assert.Equal(t, 10, f.requestsTo(batchPath))
			} else {
				assert.Equal(t, 1, f.requestsTo(batchPath), "the batch route is tried once")
			}
		})
	}
}

func TestSilentOrNilClientDiscards(t *testing.T) {
	f, srv := newFakeHive(t)
	clearEnv(t)
	silent, err := hive.NewLogClient(hive.Config{ProjectUUID: "p", Host: srv.URL})
	require.NoError(t, err)
	require.True(t, silent.IsSilent())

	for name, s := range map[string]*hivesink.Sink{"silent": hivesink.New(silent), "nil": hivesink.New(nil)} {
		assert.NoError(t, s.Deliver(ctxT(t), record("u-1", "t")), name)
	}
	assert.Empty(t, f.uuids(), "nothing was sent")
}

// counters returns the value of the sink's counters.
func counters(t *testing.T, reader *sdkmetric.ManualReader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != hivesink.ScopeName {
			continue
		}
		for _, m := range sm.Metrics {
			sum, ok := m.Data.(metricdata.Sum[int64])
			require.True(t, ok, "%s is %T", m.Name, m.Data)
			for _, dp := range sum.DataPoints {
				out[m.Name] += dp.Value
			}
		}
	}
	return out
}
