package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hivetrace/hivetrace/exporter/otelsetup"
)

// producerSummary is what `soak produce` prints on its standard output, as
// one JSON line, when it ends normally.
type producerSummary struct {
	Start         int64  `json:"start"`         // the window's start, Unix nanoseconds
	Window        int64  `json:"window"`        // the paced window, nanoseconds
	Runs          int64  `json:"runs"`          // runs made
	Failed        int64  `json:"failed"`        // runs whose SafeRun returned an error
	Elapsed       int64  `json:"elapsed"`       // from the start to the last run's end, nanoseconds
	RecordBytes   int    `json:"recordBytes"`   // the JSON size of the first run's record
	Shutdown      int64  `json:"shutdown"`      // the pipeline's shutdown, nanoseconds
	ShutdownError string `json:"shutdownError"` // empty when it returned nil
}

// producerFlush is how long a line of the producer's out file may stay in
// its buffer.
const producerFlush = 20 * time.Millisecond

// produceOptions are the flags of `soak produce`.
type produceOptions struct {
	rate     int
	duration time.Duration
	out      string
	workers  int
	flush    time.Duration
}

// produce is the producer mode: it installs the pipeline from the OTEL_* and
// HIVE_* environment, makes paced task runs for the window, writing
// "<uuid> <start ns> <latency ns>" per run to the out file, then shuts the
// pipeline down and prints a producerSummary.
func produce(ctx context.Context, args []string) error {
	var o produceOptions
	fs := flag.NewFlagSet("soak produce", flag.ContinueOnError)
	fs.IntVar(&o.rate, "rate", 500, "task runs per `second`")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "the paced window")
	fs.StringVar(&o.out, "out", "", "`file` receiving one line per run")
	fs.IntVar(&o.workers, "workers", 4, "goroutines making the runs")
	fs.DurationVar(&o.flush, "flush", producerFlush, "longest a written line stays buffered")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.out == "" || o.rate <= 0 || o.workers <= 0 {
		return errors.New("produce: -out, a positive -rate and -workers are required")
	}
	f, err := os.Create(o.out)
	if err != nil {
		return err
	}
	defer f.Close()

	shutdown, err := otelsetup.Setup(ctx, otelsetup.WithServiceName("hivetrace-soak"))
	if err != nil {
		return err
	}
	sum := makeRuns(ctx, o, newWorkload(), f)
	t0 := time.Now()
	if err := shutdown(context.Background()); err != nil {
		sum.ShutdownError = err.Error()
	}
	sum.Shutdown = time.Since(t0).Nanoseconds()
	fmt.Fprintf(os.Stderr, "soak produce: %d runs; shutdown took %s: %v\n",
		sum.Runs, time.Duration(sum.Shutdown), orNone(sum.ShutdownError))
	return json.NewEncoder(os.Stdout).Encode(sum)
}

func orNone(s string) string {
	if s == "" {
		return "no error"
	}
	return s
}

// makeRuns runs the workload at o.rate for o.duration on o.workers
// goroutines and writes a line per run to f, flushed every o.flush.
func makeRuns(ctx context.Context, o produceOptions, w *workload, f *os.File) producerSummary {
	type result struct {
		id         string
		start, lat int64
	}
	due := make(chan struct{}, o.rate) // up to a second of runs waiting for a worker
	results := make(chan result, o.rate)
	var failed atomic.Int64
	var firstSize atomic.Int64
	var wg sync.WaitGroup
	for range o.workers {
		wg.Go(func() {
			for range due {
				start := time.Now()
				_, rec, err := w.task.SafeRun(ctx, w.input)
				lat := time.Since(start)
				if err != nil {
					failed.Add(1)
				}
				if firstSize.Load() == 0 {
					if b, err := json.Marshal(rec); err == nil {
						firstSize.CompareAndSwap(0, int64(len(b)))
					}
				}
				results <- result{rec.UUID, start.UnixNano(), lat.Nanoseconds()}
			}
		})
	}
	written := make(chan int64)
	go func() {
		bw := bufio.NewWriterSize(f, 64<<10)
		flush := time.NewTicker(o.flush)
		defer flush.Stop()
		var n int64
		line := make([]byte, 0, 80)
		for {
			select {
			case r, ok := <-results:
				if !ok {
					_ = bw.Flush()
					written <- n
					return
				}
				line = append(append(line[:0], r.id...), ' ')
				line = append(strconv.AppendInt(line, r.start, 10), ' ')
				line = append(strconv.AppendInt(line, r.lat, 10), '\n')
				_, _ = bw.Write(line)
				n++
			case <-flush.C:
				_ = bw.Flush()
			}
		}
	}()

	start := time.Now()
	p := newPacer(start, o.rate, o.duration)
	tick := time.NewTicker(p.tick())
	for !p.done() && ctx.Err() == nil {
		for range p.due(time.Now()) {
			due <- struct{}{}
		}
		if !p.done() {
			select {
			case <-tick.C:
			case <-ctx.Done():
			}
		}
	}
	tick.Stop()
	close(due)
	wg.Wait()
	elapsed := time.Since(start)
	close(results)
	return producerSummary{
		Start: start.UnixNano(), Window: o.duration.Nanoseconds(), Runs: <-written,
		Failed: failed.Load(), Elapsed: elapsed.Nanoseconds(), RecordBytes: int(firstSize.Load()),
	}
}
