package exportertest_test

import (
	"context"
	"sync"
	"testing"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/exportertest"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// A new sink proves itself by passing the conformance suite from a test.
func ExampleTestSink() {
	_ = func(t *testing.T) {
		exportertest.TestSink(t, func(t *testing.T) (exporter.Sink, func() []*otelrecord.ExecutionRecord) {
			var mu sync.Mutex
			var kept []*otelrecord.ExecutionRecord
			sink := exporter.SinkFunc(func(_ context.Context, recs ...*otelrecord.ExecutionRecord) error {
				mu.Lock()
				defer mu.Unlock()
				kept = append(kept, recs...)
				return nil
			})
			return sink, func() []*otelrecord.ExecutionRecord {
				mu.Lock()
				defer mu.Unlock()
				return append([]*otelrecord.ExecutionRecord(nil), kept...)
			}
		})
	}
}

// A core scenario checks that the record its run returned is the one the
// record processor rebuilds from the run's spans.
func ExampleNewHarness() {
	_ = func(t *testing.T) {
		h := exportertest.NewHarness(t)
		// Run the task with h.TracerProvider() and keep the record SafeRun
		// returned.
		var returned *otelrecord.ExecutionRecord
		h.AssertRebuilt(t, returned)
	}
}
