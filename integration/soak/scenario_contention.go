package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// contentionScenario reports the server under mixed load: writers post
// single records of about 1 KB to POST /api/log-ingest back to back while
// readers alternate between listing the task's newest records and reading
// one record by uuid, for the window. Every request must succeed, and the
// write p99 stay under its bound.
func (h *harness) contentionScenario(ctx context.Context, rep *report) error {
	s := h.s
	load := fmt.Sprintf("%d writers + %d readers for %s, records of ~1 KB", s.writers, s.readers, secs(s.contentionWindow))
	st, err := h.newStage(ctx, "contention", false)
	if err != nil {
		return err
	}
	defer st.close()
	c := h.apiClient(st.hive.url(), s.writers+s.readers)
	defer c.close()

	// A record for the readers to fetch before the load begins.
	const task = "soak-contention"
	seed := newRecordID()
	if a, err := c.do(ctx, http.MethodPost, "/api/log-ingest", ingestRequest(recordOf(task, seed, 1024))); err != nil || a.status != http.StatusOK {
		return fmt.Errorf("seed record: %v (status %d)", err, a.status)
	}

	var mu sync.Mutex
	var writes, reads []time.Duration
	var errs atomic.Int64
	var firstErr error
	fail := func(err error) {
		if errs.Add(1) == 1 {
			mu.Lock()
			firstErr = err
			mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	deadline := time.Now().Add(s.contentionWindow)
	for range s.writers {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) && ctx.Err() == nil {
				body := ingestRequest(recordOf(task, newRecordID(), 1024))
				t0 := time.Now()
				a, err := c.do(ctx, http.MethodPost, "/api/log-ingest", body)
				mine = append(mine, time.Since(t0))
				if err == nil && a.status != http.StatusOK {
					err = fmt.Errorf("ingest answered %d: %s", a.status, oneLine(string(a.body)))
				}
				if err != nil {
					fail(err)
				}
			}
			mu.Lock()
			writes = append(writes, mine...)
			mu.Unlock()
		})
	}
	for i := range s.readers {
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
					err = fmt.Errorf("GET %s answered %d: %s", path, a.status, oneLine(string(a.body)))
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
	if ctx.Err() != nil {
		return ctx.Err()
	}
	w, r := summarize(writes), summarize(reads)
	rep.add(
		row{scenario: "contention", load: load, figure: "failed requests (any status but 200, or no answer)",
			measured: fmt.Sprintf("%s of %s", count(errs.Load()), count(w.n+r.n)), target: "0", result: check(errs.Load() == 0 && w.n > 0 && r.n > 0)},
		row{scenario: "contention", load: load, figure: "write latency p99 (POST /api/log-ingest)",
			measured: micros(w.p99), target: "< " + micros(s.writeP99), result: check(w.n > 0 && w.p99 < s.writeP99)},
		row{scenario: "contention", load: load, figure: "writes, reads",
			measured: fmt.Sprintf("%s writes (%s /s), %s reads (%s /s); read p99 %s", count(w.n), count(int64(float64(w.n)/s.contentionWindow.Seconds())),
				count(r.n), count(int64(float64(r.n)/s.contentionWindow.Seconds())), micros(r.p99)), target: "reported", result: info},
	)
	if firstErr != nil {
		rep.note("contention: first failure: %v", firstErr)
	}
	return nil
}
