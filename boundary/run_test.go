package boundary

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace/noop"
)

func TestRunClose(t *testing.T) {
	add := New("add", func(_ context.Context, i int) (int, error) { return i + 1, nil })
	run := NewRun(RunConfig{TracerProvider: noop.NewTracerProvider()})
	ctx := ContextWithRun(context.Background(), run)
	for i := range 20 {
		_, err := add.Call(ctx, i)
		require.NoError(t, err)
	}
	calls := run.Calls()
	require.Len(t, calls["add"], 20)
	run.Close()
	run.Close() // idempotent

	// The record built before Close keeps its calls, timing included, even
	// once the log's memory serves another run.
	other := NewRun(RunConfig{TracerProvider: noop.NewTracerProvider()})
	octx := ContextWithRun(context.Background(), other)
	for i := range 20 {
		_, err := add.Call(octx, 100+i)
		require.NoError(t, err)
	}
	for i, c := range calls["add"] {
		assert.JSONEq(t, "["+strconv.Itoa(i)+"]", string(c.Input), "call %d", i)
		assert.JSONEq(t, strconv.Itoa(i+1), string(c.Output), "call %d", i)
		require.NotNil(t, c.Timing)
		assert.LessOrEqual(t, c.Timing.StartTime, c.Timing.EndTime)
	}
	assert.Len(t, other.Calls()["add"], 20)

	// A call after Close still works but is not logged.
	got, err := add.Call(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, 2, got)
	assert.Empty(t, run.Calls())
	assert.Equal(t, 20, run.CallCount(), "CallCount counts the calls logged before Close")
}

func TestRunCloseWhileCallRunning(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	slow := New("slow", func(_ context.Context, i int) (int, error) {
		close(started)
		<-release
		return i, nil
	})
	run := NewRun(RunConfig{TracerProvider: noop.NewTracerProvider()})
	ctx := ContextWithRun(context.Background(), run)
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = slow.Call(ctx, 1) })
	<-started
	assert.Empty(t, run.Calls(), "a running call is left out")
	run.Close()

	// Other runs reuse pooled logs meanwhile; the running call's entry is
	// not among them (the race detector would see the shared write).
	fast := New("fast", func(_ context.Context, i int) (int, error) { return i, nil })
	for range 3 {
		r := NewRun(RunConfig{TracerProvider: noop.NewTracerProvider()})
		rctx := ContextWithRun(context.Background(), r)
		for i := range 10 {
			_, _ = fast.Call(rctx, i)
		}
		assert.Len(t, r.Calls()["fast"], 10)
		r.Close()
	}
	close(release)
	wg.Wait()
	assert.Zero(t, run.CallCount(), "the call finished after Close")
}

func TestRunClockIsMonotonicFromStart(t *testing.T) {
	start := time.Now()
	run := NewRun(RunConfig{Start: start})
	a := run.Now()
	b := run.Now()
	assert.False(t, a.Before(start))
	assert.False(t, b.Before(a))
	assert.WithinDuration(t, time.Now(), b, time.Second)
	// Without a start, the run's clock starts when NewRun is called.
	assert.WithinDuration(t, time.Now(), NewRun(RunConfig{}).Now(), time.Second)
}
