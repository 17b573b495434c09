package task_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// newCountingTask returns a task whose run makes in calls, alternating
// between two boundaries, and returns the sum of their results.
func newCountingTask(tp trace.TracerProvider, opts ...task.Option) *task.Task[int, int] {
	double := boundary.New("double", func(_ context.Context, i int) (int, error) { return 2 * i, nil })
	square := boundary.New("square", func(_ context.Context, i int) (int, error) { return i * i, nil })
	return task.New("count", func(ctx context.Context, n int) (int, error) {
		sum := 0
		for i := range n {
			b := double
			if i%2 == 1 {
				b = square
			}
			v, err := b.Call(ctx, i)
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	}, append([]task.Option{task.WithBoundaries(double, square), task.WithTracerProvider(tp)}, opts...)...)
}

func countingSum(n int) int {
	sum := 0
	for i := range n {
		if i%2 == 1 {
			sum += i * i
		} else {
			sum += 2 * i
		}
	}
	return sum
}

func TestBoundedRunByCalls(t *testing.T) {
	h := newTestProvider(t)
	tk := checkAll(t, h, newCountingTask(h.TracerProvider(), task.WithMaxRunCalls(5)))

	out, rec, err := tk.SafeRun(context.Background(), 12)
	require.NoError(t, err)
	assert.Equal(t, countingSum(12), out, "calls past the bound return their results")

	assert.Len(t, rec.Boundaries["double"], 3, "calls 0, 2, 4")
	assert.Len(t, rec.Boundaries["square"], 2, "calls 1, 3")
	assert.JSONEq(t, `[4]`, string(rec.Boundaries["double"][2].Input))
	assert.Equal(t, "7", rec.Metadata[otelrecord.MetadataCallsOmitted])
	for name, n := range map[string]int{"double": 3, "square": 4} {
		agg := rec.Metadata[otelrecord.MetadataCallsOmittedPrefix+name]
		count, ms, ok := strings.Cut(agg, ",")
		require.True(t, ok, agg)
		assert.Equal(t, strconv.Itoa(n), count, name)
		d, err := strconv.ParseFloat(ms, 64)
		require.NoError(t, err, agg)
		assert.GreaterOrEqual(t, d, 0.0)
	}

	spans := h.Exporter().GetSpans()
	omitted := 0
	for _, s := range spans {
		if attrs(s)[otelrecord.BoundaryOmittedKey].AsBool() {
			omitted++
		}
	}
	assert.Len(t, spans, 13, "every call has its span")
	assert.Equal(t, 7, omitted)
	ts := spanNamed(t, spans, "count")
	assert.Equal(t, int64(5), attrs(ts)[otelrecord.TaskBoundaryCallsKey].AsInt64(), "the calls the record holds")

	// The record rebuilt from the spans is the same, and complete.
	rebuilt := h.Records(t)
	require.Len(t, rebuilt, 1)
	assert.NotContains(t, rebuilt[0].Metadata, otelrecord.MetadataIncomplete)
	h.AssertRebuilt(t, rec)
}

func TestBoundedRunByBytes(t *testing.T) {
	h := newTestProvider(t)
	// A call of "double" or "square" keeps 3 to 6 bytes: [i] and its result.
	tk := checkAll(t, h, newCountingTask(h.TracerProvider(), task.WithMaxRunBytes(20)))
	out, rec, err := tk.SafeRun(context.Background(), 10)
	require.NoError(t, err)
	assert.Equal(t, countingSum(10), out)
	kept := len(rec.Boundaries["double"]) + len(rec.Boundaries["square"])
	assert.Equal(t, 5, kept, "[0] 0 [1] 1 [2] 4 [3] 9 [4] 8: 20 bytes")
	assert.Equal(t, "5", rec.Metadata[otelrecord.MetadataCallsOmitted])
	h.AssertRebuilt(t, rec)
}

func TestUnboundedRun(t *testing.T) {
	h := newTestProvider(t)
	tk := checkAll(t, h, newCountingTask(h.TracerProvider(), task.WithMaxRunCalls(0), task.WithMaxRunBytes(-1)))
	_, rec, err := tk.SafeRun(context.Background(), 50)
	require.NoError(t, err)
	assert.Len(t, rec.Boundaries["double"], 25)
	assert.NotContains(t, rec.Metadata, otelrecord.MetadataCallsOmitted)
}

// TestBoundedRunHeap makes a run of 1 000 000 calls under the default
// bounds and measures the live heap at its end: the record keeps
// DefaultMaxRunCalls calls, the others cost nothing that lasts. It takes a
// few seconds (more under -race); -short skips it, HIVETRACE_SOAK=1 runs it
// in any case.
func TestBoundedRunHeap(t *testing.T) {
	if testing.Short() && os.Getenv("HIVETRACE_SOAK") == "" {
		t.Skip("1 000 000 calls; run without -short or with HIVETRACE_SOAK=1")
	}
	const calls = 1_000_000
	var before, atEnd, after runtime.MemStats
	add := boundary.New("add", func(_ context.Context, i int) (int, error) { return i + 1, nil })
	tk := task.New("million", func(ctx context.Context, n int) (int, error) {
		for i := range n {
			if _, err := add.Call(ctx, i); err != nil {
				return 0, err
			}
		}
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&atEnd)
		return n, nil
	}, task.WithBoundaries(add), task.WithTracerProvider(noop.NewTracerProvider()))

	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, rec, err := tk.SafeRun(context.Background(), calls)
	require.NoError(t, err)
	elapsed := time.Since(start)
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)

	mib := func(m runtime.MemStats) float64 {
		return float64(int64(m.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
	}
	t.Logf("%d calls in %v; live heap growth: %+.1f MiB at the run's end (its log), %+.1f MiB after it with the record of %d calls",
		calls, elapsed.Round(time.Millisecond), mib(atEnd), mib(after), len(rec.Boundaries["add"]))
	assert.Len(t, rec.Boundaries["add"], task.DefaultMaxRunCalls)
	assert.Equal(t, strconv.Itoa(calls-task.DefaultMaxRunCalls), rec.Metadata[otelrecord.MetadataCallsOmitted])
	assert.Less(t, mib(atEnd), 32.0, "a million calls keep a bounded heap")
	assert.Less(t, mib(after), 32.0, "and a bounded record")
}

func TestReplayOfABoundedRecord(t *testing.T) {
	h := newTestProvider(t)
	tk := checkAll(t, h, newCountingTask(h.TracerProvider(), task.WithMaxRunCalls(3)))
	_, rec, err := tk.SafeRun(context.Background(), 6)
	require.NoError(t, err)
	require.Equal(t, "3", rec.Metadata[otelrecord.MetadataCallsOmitted])

	// The replay answers the calls the record holds from it; the others are
	// called afresh and, past the bound again, left out again.
	out, again, err := tk.SafeReplay(context.Background(), rec, task.ReplayConfig{
		Boundaries: map[string]boundary.Mode{"double": boundary.ProxyPass, "square": boundary.ProxyPass}})
	require.NoError(t, err)
	assert.Equal(t, countingSum(6), out)
	assert.Equal(t, "3", again.Metadata[otelrecord.MetadataCallsOmitted])

	// A replay that keeps every call does not inherit what the first run left
	// out.
	unbounded := checkAll(t, h, newCountingTask(h.TracerProvider(), task.WithMaxRunCalls(0)))
	_, again, err = unbounded.SafeReplay(context.Background(), rec, task.ReplayConfig{})
	require.NoError(t, err)
	assert.NotContains(t, again.Metadata, otelrecord.MetadataCallsOmitted)
	assert.NotContains(t, again.Metadata, otelrecord.MetadataCallsOmittedPrefix+"double")
}
