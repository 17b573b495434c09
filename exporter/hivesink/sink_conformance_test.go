package hivesink_test

import (
	"testing"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/exportertest"
	"github.com/hivetrace/hivetrace/exporter/hivesink"
	"github.com/hivetrace/hivetrace/otelrecord"
)

func TestSinkConformance(t *testing.T) {
	t.Run("batches", func(t *testing.T) {
		exportertest.TestSink(t, func(t *testing.T) (exporter.Sink, func() []*otelrecord.ExecutionRecord) {
			f, srv := newFakeHive(t)
			return hivesink.New(newClient(t, srv.URL), hivesink.WithBatchRecords(2)), f.records
		})
	})
	t.Run("without the batch route", func(t *testing.T) {
		exportertest.TestSink(t, func(t *testing.T) (exporter.Sink, func() []*otelrecord.ExecutionRecord) {
			f, srv := newFakeHive(t)
			f.withoutBatchRoute()
			return hivesink.New(newClient(t, srv.URL)), f.records
		})
	})
}
