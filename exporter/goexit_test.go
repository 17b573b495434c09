package exporter_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/exporter/exportertest"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// TestGoexitRunReachesTheSink runs a task whose SetMetrics mock ends the
// goroutine with runtime.Goexit, as a failing require does in a test: the
// record processor still delivers the run's record, a failure, equal to the
// one the task's listener got; over OTLP, the receiver rebuilds it the same.
func TestGoexitRunReachesTheSink(t *testing.T) {
	for name, newHarness := range harnesses {
		t.Run(name, func(t *testing.T) { testGoexitRun(t, newHarness(t)) })
	}
}

func testGoexitRun(t *testing.T, h *exportertest.Harness) {
	report := newReportTask(task.WithTracerProvider(h.TracerProvider()))
	var mu sync.Mutex
	var got []*otelrecord.ExecutionRecord
	report.AddListener(func(_ context.Context, rec *otelrecord.ExecutionRecord) {
		mu.Lock()
		got = append(got, rec)
		mu.Unlock()
	})
	report.MockSetMetrics(func(context.Context, otelrecord.Metric) error {
		runtime.Goexit()
		return nil
	})

	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = report.Run(context.Background(), reportIn{UserID: 1})
		t.Error("Run returned")
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the run's goroutine did not end")
	}

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 1, "the listener got the record")
	assert.Equal(t, otelrecord.TypeError, got[0].Type)
	assert.Contains(t, got[0].Error, "exited without returning")
	delivered := h.Records(t)
	require.Len(t, delivered, 1, "the sink got the record")
	assert.NotContains(t, delivered[0].Metadata, otelrecord.MetadataIncomplete)
	h.AssertRebuilt(t, got[0])
}
