package exporter_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/spool"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// flakySink stands for a receiver that is down while down is set: it hands
// every record back, as the Hive sink does when Hive is unreachable.
type flakySink struct {
	down     atomic.Bool
	attempts atomic.Int64
	mu       sync.Mutex
	stored   map[string]int
}

func (s *flakySink) Deliver(ctx context.Context, recs ...*otelrecord.ExecutionRecord) error {
	s.attempts.Add(1)
	if s.down.Load() {
		return &exporter.DeliveryError{Failed: len(recs), Records: recs, Err: errors.New("connection refused")}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stored == nil {
		s.stored = map[string]int{}
	}
	for _, r := range recs {
		s.stored[r.UUID]++
	}
	return nil
}

func (s *flakySink) count(uuid string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stored[uuid]
}

// TestRecordProcessorRetriesRecordsHandedBack: records a sink hands back
// are delivered once it recovers, none lost, none counted as dropped.
func TestRecordProcessorRetriesRecordsHandedBack(t *testing.T) {
	sink := &flakySink{}
	sink.down.Store(true)
	p := newSinkPipeline(t, sink, exporter.WithBatchTimeout(time.Millisecond),
		exporter.WithBackoff(time.Millisecond, 5*time.Millisecond))
	var want []*otelrecord.ExecutionRecord
	for i := range 20 {
		want = append(want, emitRun(context.Background(), t, p.tracer, fakeRun{task: fmt.Sprint("t", i)}))
	}
	require.Eventually(t, func() bool { return sink.attempts.Load() >= 5 }, 10*time.Second, time.Millisecond,
		"the processor keeps trying while the sink is down")
	sink.down.Store(false)
	p.flush(t)
	for _, w := range want {
		assert.Equal(t, 1, sink.count(w.UUID), "record %s delivered once", w.UUID)
	}
	assert.Empty(t, p.dropped(t))
}

// TestRecordProcessorShutdownIsBoundedAndCounts: with the sink down,
// Shutdown returns at its deadline and its error says how many records were
// lost.
func TestRecordProcessorShutdownIsBoundedAndCounts(t *testing.T) {
	sink := &flakySink{}
	sink.down.Store(true)
	proc := exporter.NewRecordProcessor(sink, exporter.WithBackoff(time.Millisecond, 10*time.Millisecond),
		exporter.WithShutdownTimeout(200*time.Millisecond))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(proc))
	for i := range 7 {
		emitRun(context.Background(), t, tp.Tracer("test"), fakeRun{task: fmt.Sprint("t", i)})
	}
	start := time.Now()
	err := tp.Shutdown(context.Background()) // no deadline: the shutdown timeout bounds it
	elapsed := time.Since(start)
	assert.Less(t, elapsed, 5*time.Second)
	assert.GreaterOrEqual(t, elapsed, 150*time.Millisecond, "it kept trying until the bound")
	var se *exporter.ShutdownError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 7, se.Undelivered)
	assert.Equal(t, 0, se.Spooled)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "7 records not delivered, 0 stay spooled")
}

// TestRecordProcessorSpoolSurvivesARestart: records spooled by a processor
// whose sink was down are delivered by the next processor opening the spool,
// before anything new.
func TestRecordProcessorSpoolSurvivesARestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sp, err := spool.Open(ctx, dir)
	require.NoError(t, err)
	down := &flakySink{}
	down.down.Store(true)
	proc := exporter.NewRecordProcessor(down, exporter.WithSpool(sp),
		exporter.WithBackoff(time.Millisecond, 10*time.Millisecond), exporter.WithShutdownTimeout(100*time.Millisecond))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(proc))
	var want []*otelrecord.ExecutionRecord
	for i := range 12 {
		want = append(want, emitRun(ctx, t, tp.Tracer("test"), fakeRun{task: fmt.Sprint("t", i)}))
	}
	err = tp.Shutdown(ctx)
	var se *exporter.ShutdownError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 0, se.Undelivered, "nothing lost")
	assert.Equal(t, 12, se.Spooled, "everything stays spooled")
	require.NoError(t, sp.Close())

	sp, err = spool.Open(ctx, dir)
	require.NoError(t, err)
	defer sp.Close()
	n, _ := sp.Len()
	require.Equal(t, 12, n)
	up := &flakySink{}
	proc = exporter.NewRecordProcessor(up, exporter.WithSpool(sp), exporter.WithBatchTimeout(time.Millisecond))
	tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(proc))
	require.Eventually(t, func() bool { n, _ := sp.Len(); return n == 0 }, 10*time.Second, time.Millisecond,
		"the spooled records are delivered and removed")
	require.NoError(t, tp.Shutdown(ctx))
	for _, w := range want {
		assert.Equal(t, 1, up.count(w.UUID), "record %s delivered after the restart", w.UUID)
	}
}

// TestRecordProcessorSpoolFullDrops: a record the spool has no room for is
// dropped and counted.
func TestRecordProcessorSpoolFullDrops(t *testing.T) {
	ctx := context.Background()
	sp, err := spool.Open(ctx, t.TempDir(), spool.WithMaxBytes(1))
	require.NoError(t, err)
	defer sp.Close()
	sink := &flakySink{}
	p := newSinkPipeline(t, sink, exporter.WithSpool(sp))
	emitRun(ctx, t, p.tracer, fakeRun{task: "t"})
	p.flush(t)
	assert.Equal(t, map[string]int64{exporter.DropReasonSpoolFull: 1}, p.dropped(t))
}
