package exporter_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/exportertest"
	"github.com/hivetrace/hivetrace/otelrecord"
)

func TestSinkFuncConformance(t *testing.T) {
	exportertest.TestSink(t, func(*testing.T) (exporter.Sink, func() []*otelrecord.ExecutionRecord) {
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

func TestNilSinkFuncDiscards(t *testing.T) {
	var f exporter.SinkFunc
	require.NoError(t, f.Deliver(context.Background(), exportertest.SampleRecords()...))
}
