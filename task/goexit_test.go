package task_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// runToGoexit runs fn on a goroutine of its own, as testing.T runs a test,
// and requires that the goroutine ended without fn returning.
func runToGoexit(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan bool, 1)
	go func() {
		returned := false
		defer func() { done <- returned }()
		fn()
		returned = true
	}()
	select {
	case returned := <-done:
		require.False(t, returned, "the run's caller does not return: the goroutine ends")
	case <-time.After(10 * time.Second):
		t.Fatal("the goroutine did not end")
	}
}

// recordCollector is a task listener that keeps the records it gets.
type recordCollector struct {
	mu   sync.Mutex
	recs []*otelrecord.ExecutionRecord
}

func (c *recordCollector) listen(_ context.Context, rec *otelrecord.ExecutionRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recs = append(c.recs, rec)
}

func (c *recordCollector) records() []*otelrecord.ExecutionRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*otelrecord.ExecutionRecord(nil), c.recs...)
}

// exceptionStack returns the stack of the span's last "exception" event.
func exceptionStack(s tracetest.SpanStub) string {
	for i := len(s.Events) - 1; i >= 0; i-- {
		if s.Events[i].Name != "exception" {
			continue
		}
		for _, kv := range s.Events[i].Attributes {
			if kv.Key == "exception.stacktrace" {
				return kv.Value.AsString()
			}
		}
	}
	return ""
}

func TestGoexitInTaskFunctionEndsTheRun(t *testing.T) {
	h := newTestProvider(t)
	fetch := newFetchUser()
	tk := task.New("quitter", func(ctx context.Context, id int) (string, error) {
		require.NoError(t, task.SetMetadata(ctx, "stage", "before"))
		u, err := fetch.Call(ctx, id)
		if err != nil {
			return "", err
		}
		_ = u
		runtime.Goexit() // as t.FailNow in a test
		return "unreachable", nil
	}, task.WithBoundaries(fetch), task.WithTracerProvider(h.TracerProvider()))
	var got recordCollector
	tk.AddListener(got.listen)

	runToGoexit(t, func() { _, _ = tk.Run(context.Background(), 7) })

	recs := got.records()
	require.Len(t, recs, 1, "the listener gets the run's record")
	rec := recs[0]
	assert.Equal(t, otelrecord.TypeError, rec.Type)
	assert.Equal(t, "task quitter: function exited without returning (runtime.Goexit, as t.FailNow calls)", rec.Error)
	assert.Nil(t, rec.Output)
	assert.Equal(t, "before", rec.Metadata["stage"], "what the run set before it exited is kept")
	require.Len(t, rec.Boundaries["fetchUser"], 1, "the calls made before it exited are kept")
	assert.Empty(t, rec.Boundaries["fetchUser"][0].Error)
	require.NotNil(t, rec.Timing)

	span := spanNamed(t, h.Exporter().GetSpans(), "quitter")
	assert.Equal(t, codes.Error, span.Status.Code, "the run's span ended as a failure")
	assert.Equal(t, rec.Error, span.Status.Description)
	assert.False(t, span.EndTime.IsZero())
	assert.Contains(t, exceptionStack(span), "goexit_test.go", "the exception event shows where the function exited")
	h.AssertRebuilt(t, rec)
}

func TestGoexitInBoundaryEndsTheCallAndTheRun(t *testing.T) {
	h := newTestProvider(t)
	fetch := newFetchUser()
	tk := task.New("failsInMock", func(ctx context.Context, id int) (string, error) {
		if _, err := fetch.Call(ctx, 1); err != nil {
			return "", err
		}
		u, err := fetch.Call(ctx, id)
		return u.Name, err
	}, task.WithBoundaries(fetch), task.WithTracerProvider(h.TracerProvider()))
	// A mock that fails its test with require ends the goroutine in the
	// middle of the boundary call.
	calls := 0
	require.NoError(t, task.MockBoundary(tk, fetch, func(_ context.Context, id int) (user, error) {
		calls++
		if calls == 2 {
			runtime.Goexit()
		}
		return user{ID: id}, nil
	}))
	var got recordCollector
	tk.AddListener(got.listen)

	runToGoexit(t, func() { _, _ = tk.Run(context.Background(), 2) })

	recs := got.records()
	require.Len(t, recs, 1)
	rec := recs[0]
	assert.Equal(t, otelrecord.TypeError, rec.Type)
	assert.Equal(t, "task failsInMock: function exited without returning (runtime.Goexit, as t.FailNow calls)", rec.Error)
	calls2 := rec.Boundaries["fetchUser"]
	require.Len(t, calls2, 2, "the call that exited is in the record")
	assert.Empty(t, calls2[0].Error)
	assert.Equal(t, "boundary fetchUser: function exited without returning (runtime.Goexit, as t.FailNow calls)", calls2[1].Error)
	assert.JSONEq(t, `[2]`, string(calls2[1].Input))

	spans := h.Exporter().GetSpans()
	var boundarySpans []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == "fetchUser" {
			boundarySpans = append(boundarySpans, s)
		}
	}
	require.Len(t, boundarySpans, 2, "both boundary spans ended")
	exited := boundarySpans[1]
	assert.Equal(t, codes.Error, exited.Status.Code)
	assert.Equal(t, calls2[1].Error, exited.Status.Description)
	assert.Contains(t, exceptionStack(exited), "goexit_test.go")
	runSpan := spanNamed(t, spans, "failsInMock")
	assert.Equal(t, codes.Error, runSpan.Status.Code)
	assert.Equal(t, runSpan.SpanContext.SpanID(), exited.Parent.SpanID(), "the call's span is a child of the run's")
	h.AssertRebuilt(t, rec)
}

func TestGoexitInBoundaryOutsideTheTaskGoroutine(t *testing.T) {
	// A boundary called from a goroutine of the run that exits: that call
	// ends, and the run, which goes on, returns as usual.
	h := newTestProvider(t)
	quit := boundary.New("quit", func(context.Context, int) (int, error) {
		runtime.Goexit()
		return 0, nil
	})
	tk := task.New("spawns", func(ctx context.Context, n int) (int, error) {
		var wg sync.WaitGroup
		wg.Go(func() { _, _ = quit.Call(ctx, n) })
		wg.Wait()
		return n, nil
	}, task.WithBoundaries(quit), task.WithTracerProvider(h.TracerProvider()))

	out, rec, err := tk.SafeRun(context.Background(), 3)
	require.NoError(t, err)
	assert.Equal(t, 3, out)
	require.Len(t, rec.Boundaries["quit"], 1)
	assert.Equal(t, "boundary quit: function exited without returning (runtime.Goexit, as t.FailNow calls)", rec.Boundaries["quit"][0].Error)
	assert.Equal(t, codes.Error, spanNamed(t, h.Exporter().GetSpans(), "quit").Status.Code)
	h.AssertRebuilt(t, rec)
}
