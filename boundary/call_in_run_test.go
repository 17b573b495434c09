package boundary

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"testing"

	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace/noop"
)

func TestCallsAfterRunClose(t *testing.T) {
	add := New("add", func(_ context.Context, i int) (int, error) { return i + 1, nil })
	r := newRun(noop.NewTracerProvider(), run.Config[Mode]{})
	ctx := run.NewContext(context.Background(), r)
	for i := range 20 {
		_, err := add.Call(ctx, i)
		require.NoError(t, err)
	}
	calls := r.Calls()
	require.Len(t, calls["add"], 20)
	r.Close()
	r.Close() // idempotent

	// The record built before Close keeps its calls, timing included, even
	// once the log's memory serves another run.
	other := newRun(noop.NewTracerProvider(), run.Config[Mode]{})
	octx := run.NewContext(context.Background(), other)
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
	assert.Empty(t, r.Calls())
	assert.Equal(t, 20, r.CallCount(), "CallCount counts the calls logged before Close")
}

func TestRunCloseWhileCallRunning(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	slow := New("slow", func(_ context.Context, i int) (int, error) {
		close(started)
		<-release
		return i, nil
	})
	r := newRun(noop.NewTracerProvider(), run.Config[Mode]{})
	ctx := run.NewContext(context.Background(), r)
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = slow.Call(ctx, 1) })
	<-started
	assert.Empty(t, r.Calls(), "a running call is left out")
	r.Close()

	// Other runs reuse pooled logs meanwhile; the running call's entry is
	// not among them (the race detector would see the shared write).
	fast := New("fast", func(_ context.Context, i int) (int, error) { return i, nil })
	for range 3 {
		r := newRun(noop.NewTracerProvider(), run.Config[Mode]{})
		rctx := run.NewContext(context.Background(), r)
		for i := range 10 {
			_, _ = fast.Call(rctx, i)
		}
		assert.Len(t, r.Calls()["fast"], 10)
		r.Close()
	}
	close(release)
	wg.Wait()
	assert.Zero(t, r.CallCount(), "the call finished after Close")
}

// TestCallsOutliveClose closes runs while goroutines keep calling their
// boundaries, and other runs reuse the recycled logs meanwhile. Run with
// -race: no call may write an entry another run reads. Every call succeeds;
// the record keeps the calls finished before Close and nothing else.
func TestCallsOutliveClose(t *testing.T) {
	add := New("add", func(_ context.Context, i int) (int, error) { return i + 1, nil })
	for round := range 50 {
		r := newRun(noop.NewTracerProvider(), run.Config[Mode]{})
		ctx := run.NewContext(context.Background(), r)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 100 {
					got, err := add.Call(ctx, g*1000+i)
					assert.NoError(t, err)
					assert.Equal(t, g*1000+i+1, got)
				}
			})
		}
		// A neighbouring run takes and returns pooled chunks meanwhile.
		wg.Go(func() {
			other := newRun(nil, run.Config[Mode]{})
			octx := run.NewContext(context.Background(), other)
			for i := range 50 {
				_, _ = add.Call(octx, i)
			}
			assert.Len(t, other.Calls()["add"], 50)
			other.Close()
		})
		calls := r.Calls()["add"]
		r.Close()
		n := r.CallCount()
		assert.GreaterOrEqual(t, n, len(calls), "round %d: calls finished by Close include those listed before", round)
		wg.Wait()
		assert.Empty(t, r.Calls(), "round %d: a closed run lists nothing", round)
		assert.Equal(t, n, r.CallCount(), "round %d: calls after Close are not counted", round)
		for i, c := range calls {
			require.NotNil(t, c.Timing, "round %d call %d", round, i)
			var in [1]int
			require.NoError(t, json.Unmarshal(c.Input, &in), "round %d call %d", round, i)
			assert.Equal(t, strconv.Itoa(in[0]+1), string(c.Output), "round %d call %d: the record is intact", round, i)
		}
	}
}
