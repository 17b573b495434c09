package hive

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// withWait replaces the queue's backoff sleep.
func withWait(f func(ctx context.Context, d time.Duration) error) ListenerOption {
	return listenerOptionFunc(func(c *listenerConfig) { c.wait = f })
}

// withBatchSize sets how many records the worker takes at a time.
func withBatchSize(n int) ListenerOption {
	return listenerOptionFunc(func(c *listenerConfig) { c.batchSize = n })
}

// withLogger sets the queue's logger.
func withLogger(l *slog.Logger) ListenerOption {
	return listenerOptionFunc(func(c *listenerConfig) { c.logger = l })
}

// delayRecorder is a wait hook that records the delays asked for and returns
// at once.
type delayRecorder struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (d *delayRecorder) wait(ctx context.Context, delay time.Duration) error {
	d.mu.Lock()
	d.delays = append(d.delays, delay)
	d.mu.Unlock()
	return ctx.Err()
}

func (d *delayRecorder) all() []time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]time.Duration(nil), d.delays...)
}

func newTestQueue(t *testing.T, c *LogClient, opts ...ListenerOption) *listenerQueue {
	t.Helper()
	s := newListenerQueue(c, newListenerConfig(append([]ListenerOption{WithBackoff(time.Millisecond, 5*time.Millisecond), withLogger(discardLogger())}, opts...)))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return s
}

func TestListenerQueueDelivers(t *testing.T) {
	f := newFakeHive()
	c := newTestLogClient(t, f.start(t).URL)
	s := newTestQueue(t, c, withBatchSize(3))

	var want []string
	for i := range 10 {
		rec := sampleRecord(uuid.Must(uuid.NewV7()).String())
		if i%2 == 0 {
			rec.UUID = "" // gets a uuid in the sink
		} else {
			want = append(want, rec.UUID)
		}
		require.NoError(t, s.Deliver(rec))
	}
	require.NoError(t, s.Deliver(), "no records")
	require.NoError(t, s.Deliver(nil), "nil records are skipped")
	require.NoError(t, s.ForceFlush(ctxT(t)))

	stored := f.stored()
	assert.Len(t, stored, 10)
	for _, id := range want {
		assert.Contains(t, stored, id)
	}
	assert.Equal(t, ListenerStats{Delivered: 10}, s.Stats())
}

func TestListenerQueueRetriesServerErrorsWithStableUUID(t *testing.T) {
	f := newFakeHive()
	var calls atomic.Int32
	f.setOverride(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if calls.Add(1) <= 3 {
			writeError(w, http.StatusServiceUnavailable, "warming up")
			return true
		}
		return false
	})
	c := newTestLogClient(t, f.start(t).URL)
	d := &delayRecorder{}
	s := newTestQueue(t, c, withWait(d.wait), WithBackoff(10*time.Millisecond, 25*time.Millisecond))

	require.NoError(t, s.Deliver(sampleRecord("")))
	require.NoError(t, s.ForceFlush(ctxT(t)))

	assert.Equal(t, ListenerStats{Delivered: 1, Retries: 3}, s.Stats())
	stored := f.stored()
	require.Len(t, stored, 1)
	for id := range stored {
		assert.Equal(t, 4, f.ingestRequestsFor(id), "every attempt carried the same uuid")
		assert.Equal(t, 1, f.attemptsFor(id), "and it was stored once")
	}
	// Full jitter: the n-th delay is below min(max, initial·2ⁿ).
	delays := d.all()
	require.Len(t, delays, 3)
	for i, ceil := range []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 25 * time.Millisecond} {
		assert.GreaterOrEqual(t, delays[i], time.Duration(0))
		assert.Less(t, delays[i], ceil, "delay %d", i)
	}
}

func TestListenerQueueRetriesNetworkErrors(t *testing.T) {
	c := newTestLogClient(t, closedURL(t))
	d := &delayRecorder{}
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := listenerOptionFunc(func(c *listenerConfig) { c.now = func() time.Time { return time.Unix(0, now.Load()) } })
	wait := func(ctx context.Context, delay time.Duration) error {
		now.Add(int64(time.Second)) // each wait moves the clock by 1s
		return d.wait(ctx, delay)
	}
	s := newTestQueue(t, c, clock, withWait(wait), WithMaxElapsed(5*time.Second))

	require.NoError(t, s.Deliver(sampleRecord("")))
	require.NoError(t, s.ForceFlush(ctxT(t)))

	st := s.Stats()
	assert.Equal(t, uint64(1), st.Failed, "given up after the max elapsed time")
	assert.Equal(t, uint64(0), st.Delivered)
	assert.Equal(t, uint64(5), st.Retries)
	assert.Len(t, d.all(), 5)
}

func TestListenerQueueHonoursRetryAfter(t *testing.T) {
	for name, header := range map[string]string{
		"seconds":   "7",
		"HTTP date": time.Now().Add(time.Hour).UTC().Format(http.TimeFormat),
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeHive()
			var calls atomic.Int32
			f.setOverride(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				if calls.Add(1) == 1 {
					w.Header().Set("Retry-After", header)
					writeError(w, http.StatusTooManyRequests, "slow down")
					return true
				}
				return false
			})
			c := newTestLogClient(t, f.start(t).URL)
			d := &delayRecorder{}
			s := newTestQueue(t, c, withWait(d.wait), WithMaxElapsed(2*time.Hour))

			require.NoError(t, s.Deliver(sampleRecord("u-1")))
			require.NoError(t, s.ForceFlush(ctxT(t)))

			assert.Equal(t, ListenerStats{Delivered: 1, Retries: 1}, s.Stats())
			delays := d.all()
			require.Len(t, delays, 1)
			assert.GreaterOrEqual(t, delays[0], 7*time.Second, "the server's delay wins over the backoff")
			assert.Equal(t, 2, f.ingestRequestsFor("u-1"))
		})
	}
}

func TestListenerQueueRetryAfterBeyondMaxElapsedGivesUp(t *testing.T) {
	f := newFakeHive()
	f.setOverride(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		w.Header().Set("Retry-After", "3600")
		writeError(w, http.StatusTooManyRequests, "slow down")
		return true
	})
	d := &delayRecorder{}
	s := newTestQueue(t, newTestLogClient(t, f.start(t).URL), withWait(d.wait), WithMaxElapsed(time.Minute))

	require.NoError(t, s.Deliver(sampleRecord("u-1")))
	require.NoError(t, s.ForceFlush(ctxT(t)))

	assert.Equal(t, ListenerStats{Failed: 1}, s.Stats())
	assert.Empty(t, d.all())
}

func TestListenerQueueNoRetryOnClientErrors(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound, http.StatusRequestEntityTooLarge} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			f := newFakeHive()
			var calls atomic.Int32
			f.setOverride(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				calls.Add(1)
				writeError(w, status, "rejected: bad record")
				return true
			})
			logs := &captureHandler{}
			c := newTestLogClient(t, f.start(t).URL)
			s := newTestQueue(t, c, withLogger(slog.New(logs)))

			require.NoError(t, s.Deliver(sampleRecord("u-1")))
			require.NoError(t, s.ForceFlush(ctxT(t)))

			assert.Equal(t, int32(1), calls.Load(), "exactly one attempt")
			assert.Equal(t, ListenerStats{Failed: 1}, s.Stats())
			msgs := logs.messages()
			require.Len(t, msgs, 1)
			assert.Contains(t, msgs[0], "rejected: bad record", "the server's message is logged")
		})
	}
}

func TestListenerQueueQueueFullDropsAreCounted(t *testing.T) {
	f := newFakeHive()
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	f.setOverride(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
		return false
	})
	srv := f.start(t)
	c := newTestLogClient(t, srv.URL)
	s := newTestQueue(t, c, WithQueueSize(4))

	start := time.Now()
	var err error
	for range 10 {
		if e := s.Deliver(sampleRecord("")); e != nil {
			err = e
		}
	}
	<-entered // the worker is blocked in a request
	assert.Less(t, time.Since(start), 5*time.Second, "Deliver never waits for the network")
	require.ErrorIs(t, err, errQueueFull)
	st := s.Stats()
	assert.Equal(t, uint64(6), st.Dropped)
	assert.Equal(t, uint64(4), st.Queued)

	close(release)
	require.NoError(t, s.ForceFlush(ctxT(t)))
	assert.Equal(t, ListenerStats{Delivered: 4, Dropped: 6}, s.Stats())
	assert.Len(t, f.stored(), 4)
}

func TestListenerQueueShutdownDeadlineDropsAndCounts(t *testing.T) {
	f := newFakeHive()
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	f.setOverride(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		select {
		case entered <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		writeError(w, 503, "stuck")
		return true
	})
	srv := f.start(t)
	defer close(release)
	c := newTestLogClient(t, srv.URL)
	s := newTestQueue(t, c)

	for range 5 {
		require.NoError(t, s.Deliver(sampleRecord("")))
	}
	<-entered
	flushCtx, cancelFlush := context.WithCancel(context.Background())
	cancelFlush()
	require.ErrorIs(t, s.ForceFlush(flushCtx), context.Canceled, "ForceFlush honours its ctx")
	assert.Equal(t, uint64(5), s.Stats().Queued, "a failed flush keeps the records")

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the deadline has already passed
	err := s.Shutdown(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "5 records dropped")
	assert.Equal(t, ListenerStats{Dropped: 5}, s.Stats())

	require.ErrorIs(t, s.Deliver(sampleRecord("")), errQueueClosed)
	assert.Equal(t, uint64(6), s.Stats().Dropped)
	require.NoError(t, s.Shutdown(ctxT(t)), "a second Shutdown returns at once")
	require.NoError(t, s.ForceFlush(ctxT(t)), "nothing left to flush")
}

func TestListenerQueueShutdownFlushes(t *testing.T) {
	f := newFakeHive()
	c := newTestLogClient(t, f.start(t).URL)
	s := newTestQueue(t, c)
	for range 20 {
		require.NoError(t, s.Deliver(sampleRecord("")))
	}
	require.NoError(t, s.Shutdown(ctxT(t)))
	assert.Len(t, f.stored(), 20)
	assert.Equal(t, ListenerStats{Delivered: 20}, s.Stats())
}

func TestListenerQueueConcurrentDeliver(t *testing.T) {
	f := newFakeHive()
	c := newTestLogClient(t, f.start(t).URL)
	s := newTestQueue(t, c, WithQueueSize(1000))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				assert.NoError(t, s.Deliver(sampleRecord("")))
				_ = s.Stats()
			}
		})
	}
	wg.Go(func() { assert.NoError(t, s.ForceFlush(ctxT(t))) })
	wg.Wait()
	require.NoError(t, s.Shutdown(ctxT(t)))
	assert.Len(t, f.stored(), 200)
	assert.Equal(t, ListenerStats{Delivered: 200}, s.Stats())
}

func TestListenerQueueMetrics(t *testing.T) {
	f := newFakeHive()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	c := newTestLogClient(t, f.start(t).URL)
	s := newTestQueue(t, c, WithMeterProvider(mp), WithMeterProvider(nil))

	require.NoError(t, s.Deliver(sampleRecord(""), sampleRecord("")))
	require.NoError(t, s.ForceFlush(ctxT(t)))

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctxT(t), &rm))
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		require.Equal(t, ScopeName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
				for _, dp := range sum.DataPoints {
					key := m.Name
					if v, ok := dp.Attributes.Value(otelrecord.OutcomeKey); ok {
						key += "/" + v.AsString()
					}
					got[key] = dp.Value
				}
			}
		}
	}
	assert.Equal(t, int64(2), got[ListenerRecordsCounter+"/delivered"])
	assert.Equal(t, int64(0), got[ListenerRecordsCounter+"/dropped"])
	assert.Equal(t, int64(0), got[ListenerRecordsCounter+"/failed"])
	assert.Equal(t, int64(0), got[ListenerRetriesCounter])
	assert.Contains(t, got, ListenerQueueSize)

	require.NoError(t, s.Shutdown(ctxT(t)))
	rm = metricdata.ResourceMetrics{}
	require.NoError(t, reader.Collect(ctxT(t), &rm))
	for _, sm := range rm.ScopeMetrics {
		assert.Empty(t, sm.Metrics, "the callback is unregistered at shutdown")
	}
}

func TestListenerNeverBlocksAndDelivers(t *testing.T) {
	f := newFakeHive()
	c := newTestLogClient(t, f.start(t).URL)
	listen := c.Listener(WithQueueSize(10), nil)
	again := c.Listener() // same queue

	rec := sampleRecord("")
	listen(context.Background(), rec)
	again(context.Background(), sampleRecord("u-2"))
	require.NoError(t, c.ForceFlush(ctxT(t)))
	require.NoError(t, c.Shutdown(ctxT(t)))

	assert.Empty(t, rec.UUID, "the listener does not modify the record")
	assert.Len(t, f.stored(), 2)
	assert.Equal(t, uint64(2), c.ListenerStats().Delivered)
	listen(context.Background(), sampleRecord("")) // after Shutdown: dropped, no panic
	assert.Equal(t, uint64(1), c.ListenerStats().Dropped)
}

func TestListenerQueueRecordsLeftUntouched(t *testing.T) {
	f := newFakeHive()
	c := newTestLogClient(t, f.start(t).URL, func(c *Config) { c.Metadata = map[string]string{"env": "x"} })
	s := newTestQueue(t, c)
	rec := sampleRecord("")
	require.NoError(t, s.Deliver(rec))
	require.NoError(t, s.ForceFlush(ctxT(t)))
	assert.Empty(t, rec.UUID)
	assert.Nil(t, rec.Metadata)
}

// captureHandler is a slog.Handler that keeps every message with its
// attributes.
type captureHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	line := r.Message
	r.Attrs(func(a slog.Attr) bool {
		line += " " + a.String()
		return true
	})
	h.mu.Lock()
	h.msgs = append(h.msgs, line)
	h.mu.Unlock()
	return nil
}
func (h *captureHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *captureHandler) WithGroup(string) slog.Handler      { return h }
func (h *captureHandler) messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.msgs...)
}
