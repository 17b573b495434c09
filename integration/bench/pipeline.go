package main

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// pipeline is the OTel SDK as otelsetup.Setup builds it, minus the network:
// the record processor delivering to a counting sink and a batch span
// processor in front of an exporter that discards.
type pipeline struct {
	tp        *sdktrace.TracerProvider
	mp        metric.MeterProvider
	delivered atomic.Int64
	boundary  atomic.Int64 // boundary calls in the delivered records
}

func newPipeline(extra ...sdktrace.TracerProviderOption) *pipeline {
	p := &pipeline{mp: metricnoop.NewMeterProvider()}
	sink := exporter.SinkFunc(func(_ context.Context, recs ...*otelrecord.ExecutionRecord) error {
		p.delivered.Add(int64(len(recs)))
		for _, r := range recs {
			for _, calls := range r.Boundaries {
				p.boundary.Add(int64(len(calls)))
			}
		}
		return nil
	})
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithSampler(exporter.RecordHiveSpans(nil)),
		sdktrace.WithSpanProcessor(exporter.NewRecordProcessor(sink, exporter.WithMeterProvider(p.mp))),
		sdktrace.WithBatcher(discardExporter{}),
	}
	p.tp = sdktrace.NewTracerProvider(append(opts, extra...)...)
	return p
}

func (p *pipeline) flush() error { return p.tp.ForceFlush(context.Background()) }

func (p *pipeline) shutdown() error { return p.tp.Shutdown(context.Background()) }

// discardExporter exports nowhere.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }
