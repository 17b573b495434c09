package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/integration/internal/jaegertest"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// jaegerPerRun is how many boundary calls each run of figure 6 makes.
const jaegerPerRun = 5

// jaegerQueryWorkers is how many traces are fetched from Jaeger at once.
const jaegerQueryWorkers = 4

// JaegerResult is what figure 6 found.
type JaegerResult struct {
	Runs          int
	SpansExpected int
	SpansExported int64
	ExportErrors  int64
	Rebuilt       int           // records rebuilt from Jaeger's API
	Equal         int           // ... equal to the record the run returned
	FirstMismatch string        // the first difference, if any
	RunTime       time.Duration // running the tasks (spans queued for export)
	FlushTime     time.Duration // from the last run until every span was exported
	QueryTime     time.Duration // fetching every trace and rebuilding its record
}

// Dropped is the number of spans that never reached Jaeger.
func (r JaegerResult) Dropped() int64 { return int64(r.SpansExpected) - r.SpansExported }

// countingExporter counts the spans its exporter accepted.
type countingExporter struct {
	sdktrace.SpanExporter
	exported, failed atomic.Int64
}

func (c *countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := c.SpanExporter.ExportSpans(ctx, spans)
	if err != nil {
		c.failed.Add(int64(len(spans)))
	} else {
		c.exported.Add(int64(len(spans)))
	}
	return err
}

// Jaeger returns figure 6's benchmark: it starts a real Jaeger
// (internal/jaegertest), makes runs task runs of 5 boundary calls exported
// over OTLP gRPC, then fetches every trace from Jaeger's query API, rebuilds
// its record and compares it with the one SafeRun returned. The result is
// stored in *res. b.N is ignored: use -benchtime 1x.
func Jaeger(runs int, res *JaegerResult) func(*testing.B) {
	return func(b *testing.B) {
		*res = JaegerResult{Runs: runs, SpansExpected: runs * (jaegerPerRun + 1)}
		j := jaegertest.Start(b)
		ctx := context.Background()
		otlp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(j.OTLPGRPCEndpoint()), otlptracegrpc.WithInsecure())
		if err != nil {
			b.Fatal(err)
		}
		exp := &countingExporter{SpanExporter: otlp}
		// The queue holds every span of the benchmark, so none is dropped
		// however fast the runs go; batches stay far below gRPC's 4 MiB.
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp,
			sdktrace.WithMaxQueueSize(2*res.SpansExpected), sdktrace.WithMaxExportBatchSize(2048)))
		defer func() { _ = tp.Shutdown(ctx) }()

		fetch := boundary.New("fetchUser", fetchUser)
		t := loopTask("jaegerRun", tp, func(ctx context.Context) error {
			_, err := fetch.Call(ctx, benchQuery)
			return err
		}, task.WithBoundaries(fetch), task.WithMeterProvider(metricnoop.NewMeterProvider()))

		b.ResetTimer()
		start := time.Now()
		recs := make([]*otelrecord.ExecutionRecord, runs)
		for i := range recs {
			var err error
			if _, recs[i], err = t.SafeRun(ctx, jaegerPerRun); err != nil {
				b.Fatal(err)
			}
		}
		res.RunTime = time.Since(start)
		start = time.Now()
		if err := tp.ForceFlush(ctx); err != nil {
			b.Fatal(err)
		}
		res.FlushTime = time.Since(start)
		res.SpansExported, res.ExportErrors = exp.exported.Load(), exp.failed.Load()

		start = time.Now()
		res.Rebuilt, res.Equal, res.FirstMismatch = rebuildFromJaeger(ctx, j, recs)
		res.QueryTime = time.Since(start)
		b.StopTimer()
	}
}

// rebuildFromJaeger fetches the trace of every record from Jaeger, rebuilds
// the record from it and compares the two.
func rebuildFromJaeger(ctx context.Context, j *jaegertest.Jaeger, recs []*otelrecord.ExecutionRecord) (rebuilt, equal int, mismatch string) {
	var (
		mu   sync.Mutex
		next atomic.Int64
		wg   sync.WaitGroup
	)
	note := func(ok, same bool, diff string) {
		mu.Lock()
		defer mu.Unlock()
		if ok {
			rebuilt++
		}
		if same {
			equal++
		} else if mismatch == "" {
			mismatch = diff
		}
	}
	for range jaegerQueryWorkers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(recs) {
					return
				}
				got, err := fetchRecord(ctx, j, recs[i])
				if err != nil {
					note(false, false, err.Error())
					continue
				}
				same, diff := sameRecord(recs[i], got)
				note(true, same, diff)
			}
		})
	}
	wg.Wait()
	return rebuilt, equal, mismatch
}

// fetchRecord waits until Jaeger holds every span of rec's trace and
// rebuilds the record from them.
func fetchRecord(ctx context.Context, j *jaegertest.Jaeger, rec *otelrecord.ExecutionRecord) (*otelrecord.ExecutionRecord, error) {
	traceID := rec.Metadata[otelrecord.MetadataTraceID]
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	spans, err := j.WaitTrace(wctx, traceID, jaegerPerRun+1)
	if err != nil {
		return nil, err
	}
	got, err := otelrecord.Rebuild(spans)
	if err != nil {
		return nil, err
	}
	if len(got) != 1 {
		return nil, fmt.Errorf("trace %s: %d records rebuilt, want 1", traceID, len(got))
	}
	return got[0], nil
}

// sameRecord compares two records by their JSON.
func sameRecord(want, got *otelrecord.ExecutionRecord) (bool, string) {
	w, err1 := json.Marshal(want)
	g, err2 := json.Marshal(got)
	if err := errors.Join(err1, err2); err != nil {
		return false, err.Error()
	}
	if string(w) != string(g) {
		return false, fmt.Sprintf("record %s:\n  ran:     %s\n  rebuilt: %s", want.UUID, w, g)
	}
	return true, ""
}
