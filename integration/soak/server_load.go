package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ingestLoad is what a batch ingest load measured.
type ingestLoad struct {
	stored, failed int64 // records answered stored; records refused or lost with their batch
	elapsed        time.Duration
	firstErr       error
}

// runIngestLoad has clients post batches of batch records made from tmpl
// to c back to back for window.
func runIngestLoad(ctx context.Context, c *apiClient, tmpl bodyTemplate, clients, batch int, window time.Duration) ingestLoad {
	var stored, failed atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	began := time.Now()
	deadline := began.Add(window)
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				n, bad, err := postBatch(ctx, c, tmpl, batch)
				if err != nil {
					once.Do(func() { firstErr = err })
					failed.Add(int64(batch))
					continue
				}
				stored.Add(int64(n))
				failed.Add(int64(bad))
			}
		})
	}
	wg.Wait()
	return ingestLoad{stored: stored.Load(), failed: failed.Load(), elapsed: time.Since(began), firstErr: firstErr}
}

// contentionLoad is what a mixed load of writers and readers measured.
type contentionLoad struct {
	writes, reads latencies
	errs, stored  int64 // failed requests; records answered stored
	firstErr      error
}

// runContentionLoad runs, for window, one writer per entry of writers
// posting single records of task to its client back to back, and one reader
// per entry of readers alternating between listing the task's newest records
// and reading the record seed.
func runContentionLoad(ctx context.Context, writers, readers []*apiClient, task, seed string, window time.Duration) contentionLoad {
	var mu sync.Mutex
	var writes, reads []time.Duration
	var errs, stored atomic.Int64
	var firstErr error
	fail := func(err error) {
		if errs.Add(1) == 1 {
			mu.Lock()
			firstErr = err
			mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	deadline := time.Now().Add(window)
	for _, c := range writers {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) && ctx.Err() == nil {
				body := ingestRequest(recordOf(task, newRecordID(), 1024))
				t0 := time.Now()
				a, err := c.do(ctx, http.MethodPost, "/api/log-ingest", body)
				mine = append(mine, time.Since(t0))
				if err == nil && a.status != http.StatusOK {
					err = fmt.Errorf("ingest on %s answered %d: %s", c.base, a.status, oneLine(string(a.body)))
				}
				if err != nil {
					fail(err)
					continue
				}
				stored.Add(1)
			}
			mu.Lock()
			writes = append(writes, mine...)
			mu.Unlock()
		})
	}
	for i, c := range readers {
		wg.Go(func() {
			var mine []time.Duration
			for n := i; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				path := "/api/tasks/" + task + "/logs?limit=20"
				if n%2 == 1 {
					path = "/api/tasks/" + task + "/logs/" + seed
				}
				t0 := time.Now()
				a, err := c.do(ctx, http.MethodGet, path, nil)
				mine = append(mine, time.Since(t0))
				if err == nil && a.status != http.StatusOK {
					err = fmt.Errorf("GET %s%s answered %d: %s", c.base, path, a.status, oneLine(string(a.body)))
				}
				if err != nil {
					fail(err)
				}
			}
			mu.Lock()
			reads = append(reads, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return contentionLoad{writes: summarize(writes), reads: summarize(reads), errs: errs.Load(), stored: stored.Load(), firstErr: firstErr}
}

// seedRecord stores one record of task through c, for readers to fetch, and
// returns its uuid.
func seedRecord(ctx context.Context, c *apiClient, task string) (string, error) {
	seed := newRecordID()
	a, err := c.do(ctx, http.MethodPost, "/api/log-ingest", ingestRequest(recordOf(task, seed, 1024)))
	if err == nil && a.status != http.StatusOK {
		err = fmt.Errorf("answered %d: %s", a.status, oneLine(string(a.body)))
	}
	if err != nil {
		return "", fmt.Errorf("seed record: %w", err)
	}
	return seed, nil
}

// clientsOver returns n entries cycling over cs, for n writers or readers
// spread over several replicas.
func clientsOver(cs []*apiClient, n int) []*apiClient {
	out := make([]*apiClient, n)
	for i := range out {
		out[i] = cs[i%len(cs)]
	}
	return out
}
