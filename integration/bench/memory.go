package main

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/task"
)

// memoryPerRun is how many boundary calls each run of figure 5 makes.
const memoryPerRun = 10

// memoryWarmup runs are made before the heap is first measured, so caches,
// pools and instruments exist already.
const memoryWarmup = 10_000

// liveHeap returns the live heap after a full collection.
func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// Memory returns figure 5's benchmark: runs task runs of 10 boundary calls
// each, with the SDK, its metrics (an SDK MeterProvider) and the record
// processor delivering to a counting sink, spread over GOMAXPROCS
// goroutines, after warmup runs. It reports the growth of the live heap after GC
// (heap_growth_B), the records delivered and the runs per second. b.N is
// ignored: use -benchtime 1x.
func Memory(runs, warmup int) func(*testing.B) {
	return func(b *testing.B) {
		reader := sdkmetric.NewManualReader()
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		defer func() { _ = mp.Shutdown(context.Background()) }()
		p := newPipeline()
		defer func() { _ = p.shutdown() }()

		fetch := boundary.New("fetchUser", fetchUser)
		t := loopTask("memory", p.tp, func(ctx context.Context) error {
			_, err := fetch.Call(ctx, benchQuery)
			return err
		}, task.WithBoundaries(fetch), task.WithMeterProvider(mp))

		do := func(n int) error {
			workers := runtime.GOMAXPROCS(0)
			var wg sync.WaitGroup
			errs := make([]error, workers)
			for w := range workers {
				wg.Go(func() {
					for i := w; i < n; i += workers {
						if _, err := t.Run(context.Background(), memoryPerRun); err != nil {
							errs[w] = err
							return
						}
					}
				})
			}
			wg.Wait()
			return errors.Join(append(errs, p.flush())...)
		}
		if err := do(warmup); err != nil {
			b.Fatal(err)
		}
		before := liveHeap()
		delivered := p.delivered.Load()
		b.ResetTimer()
		if err := do(runs); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		after := liveHeap()
		b.ReportMetric(float64(int64(after)-int64(before)), "heap_growth_B")
		b.ReportMetric(float64(p.delivered.Load()-delivered), "records")
		b.ReportMetric(float64(runs)/b.Elapsed().Seconds(), "runs/s")
		runtime.KeepAlive(t)
	}
}
