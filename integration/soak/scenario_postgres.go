package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// pgStage is a private PostgreSQL server and hive serve replicas on one of
// its databases.
type pgStage struct {
	pg       *postgres
	replicas []*hiveServe
}

// newPGStage starts PostgreSQL and n hive serve processes on its database,
// for scenario name; their logs are in a directory of the scenario's own.
func (h *harness) newPGStage(ctx context.Context, name string, n int) (*pgStage, error) {
	dir := filepath.Join(h.dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	pg, err := h.startPostgres(ctx)
	if err != nil {
		return nil, err
	}
	st := &pgStage{pg: pg}
	dsn := pg.dsn(postgresDatabase)
	for i := range n {
		hs := &hiveServe{
			bin: h.hiveBin, db: dsn, log: filepath.Join(dir, fmt.Sprintf("hive-%d.log", i+1)),
			env:      env("HIVE_API_KEY="+h.key, "HIVE_API_SECRET="+h.secret),
			children: h.children,
		}
		if err := hs.start(ctx); err != nil {
			st.close()
			return nil, err
		}
		st.replicas = append(st.replicas, hs)
	}
	h.remember("hive serve on PostgreSQL", fmt.Sprintf("HIVE_API_KEY=… HIVE_API_SECRET=… hive serve --addr 127.0.0.1:0 --db postgres://postgres@127.0.0.1:PORT/%s?sslmode=disable --log-level warn (× %d for %s)",
		postgresDatabase, n, name))
	return st, nil
}

// stopReplicas stops every hive serve gracefully.
func (st *pgStage) stopReplicas() error {
	var errs []error
	for _, hs := range st.replicas {
		errs = append(errs, hs.stop())
	}
	return errors.Join(errs...)
}

// close stops the replicas and PostgreSQL.
func (st *pgStage) close() {
	_ = st.stopReplicas()
	_ = st.pg.close()
}

// ingestPGScenario is the ingest scenario on PostgreSQL: clients post
// batches of ingestBatch records of about 1 KB to one hive serve on a
// private PostgreSQL database, back to back for the window; the stored
// count is then checked against the database.
func (h *harness) ingestPGScenario(ctx context.Context, rep *report) error {
	s := h.s
	const name, task = "ingest-pg", "soak-ingest-pg"
	load := fmt.Sprintf("%d clients × batches of %d records of ~1 KB for %s, PostgreSQL", s.ingestClients, s.ingestBatch, secs(s.ingestWindow))
	st, err := h.newPGStage(ctx, name, 1)
	if err != nil {
		return err
	}
	defer st.close()
	c := h.apiClient(st.replicas[0].url(), s.ingestClients)
	defer c.close()

	var stored, failed atomic.Int64
	var firstErr error
	var once sync.Once
	tmpl := newBodyTemplate(task, 1024)
	var wg sync.WaitGroup
	began := time.Now()
	deadline := began.Add(s.ingestWindow)
	for range s.ingestClients {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				n, bad, err := postBatch(ctx, c, tmpl, s.ingestBatch)
				if err != nil {
					once.Do(func() { firstErr = err })
					failed.Add(int64(s.ingestBatch))
					continue
				}
				stored.Add(int64(n))
				failed.Add(int64(bad))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := st.stopReplicas(); err != nil {
		return fmt.Errorf("stop hive serve: %w", err)
	}
	inDB, err := st.pg.storedRecords(ctx, task)
	if err != nil {
		return err
	}
	rate := float64(stored.Load()) / elapsed.Seconds()
	rep.add(
		row{scenario: name, load: load, figure: "records stored per second (answered stored)",
			measured: count(int64(rate)) + " /s", target: "≥ " + count(s.ingestPGTarget) + " /s", result: check(rate >= float64(s.ingestPGTarget))},
		row{scenario: name, load: load, figure: "records refused or failed",
			measured: count(failed.Load()), target: "0", result: check(failed.Load() == 0)},
		row{scenario: name, load: load, figure: "answered stored, found in the database",
			measured: fmt.Sprintf("%s of %s", count(inDB), count(stored.Load())), target: "all", result: check(inDB == stored.Load())},
	)
	if firstErr != nil {
		rep.note("%s: first failure: %v", name, firstErr)
	}
	return nil
}

// contentionPGScenario is the contention scenario on two hive serve
// replicas sharing a PostgreSQL database: writers post single records of
// about 1 KB, alternately to each replica, while readers list the task's
// newest records and read one by uuid, also spread over both, for the
// window. Every request must succeed, the write p99 stay under its bound,
// and every record answered stored be in the database once.
func (h *harness) contentionPGScenario(ctx context.Context, rep *report) error {
	s := h.s
	const name, task = "contention-pg", "soak-contention-pg"
	load := fmt.Sprintf("%d writers + %d readers over 2 replicas for %s, records of ~1 KB, PostgreSQL", s.writers, s.readers, secs(s.contentionWindow))
	st, err := h.newPGStage(ctx, name, 2)
	if err != nil {
		return err
	}
	defer st.close()
	clients := make([]*apiClient, len(st.replicas))
	for i, hs := range st.replicas {
		clients[i] = h.apiClient(hs.url(), (s.writers+s.readers)/len(st.replicas)+1)
		defer clients[i].close()
	}

	// A record for the readers to fetch, stored through the first replica.
	seed := newRecordID()
	if a, err := clients[0].do(ctx, http.MethodPost, "/api/log-ingest", ingestRequest(recordOf(task, seed, 1024))); err != nil || a.status != http.StatusOK {
		return fmt.Errorf("seed record: %v (status %d)", err, a.status)
	}

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
	deadline := time.Now().Add(s.contentionWindow)
	for i := range s.writers {
		c := clients[i%len(clients)]
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
	for i := range s.readers {
		c := clients[(i/2)%len(clients)]
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
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := st.stopReplicas(); err != nil {
		return fmt.Errorf("stop hive serve: %w", err)
	}
	inDB, err := st.pg.storedRecords(ctx, task)
	if err != nil {
		return err
	}
	w, r := summarize(writes), summarize(reads)
	rep.add(
		row{scenario: name, load: load, figure: "failed requests (any status but 200, or no answer)",
			measured: fmt.Sprintf("%s of %s", count(errs.Load()), count(w.n+r.n)), target: "0", result: check(errs.Load() == 0 && w.n > 0 && r.n > 0)},
		row{scenario: name, load: load, figure: "write latency p99 (POST /api/log-ingest)",
			measured: micros(w.p99), target: "< " + micros(s.writeP99), result: check(w.n > 0 && w.p99 < s.writeP99)},
		row{scenario: name, load: load, figure: "answered stored (and the seed), found in the database",
			measured: fmt.Sprintf("%s of %s", count(inDB), count(stored.Load()+1)), target: "all", result: check(inDB == stored.Load()+1)},
		row{scenario: name, load: load, figure: "writes, reads",
			measured: fmt.Sprintf("%s writes (%s /s, p50 %s), %s reads (%s /s); read p99 %s", count(w.n), count(int64(float64(w.n)/s.contentionWindow.Seconds())), micros(w.p50),
				count(r.n), count(int64(float64(r.n)/s.contentionWindow.Seconds())), micros(r.p99)), target: "reported", result: info},
	)
	if firstErr != nil {
		rep.note("%s: first failure: %v", name, firstErr)
	}
	return nil
}
