package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

	res := runIngestLoad(ctx, c, newBodyTemplate(task, 1024), s.ingestClients, s.ingestBatch, s.ingestWindow)
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
	rate := float64(res.stored) / res.elapsed.Seconds()
	rep.add(
		row{scenario: name, load: load, figure: "records stored per second (answered stored)",
			measured: count(int64(rate)) + " /s", target: "≥ " + count(s.ingestPGTarget) + " /s", result: check(rate >= float64(s.ingestPGTarget))},
		row{scenario: name, load: load, figure: "records refused or failed",
			measured: count(res.failed), target: "0", result: check(res.failed == 0)},
		row{scenario: name, load: load, figure: "answered stored, found in the database",
			measured: fmt.Sprintf("%s of %s", count(inDB), count(res.stored)), target: "all", result: check(inDB == res.stored)},
	)
	if res.firstErr != nil {
		rep.note("%s: first failure: %v", name, res.firstErr)
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
	seed, err := seedRecord(ctx, clients[0], task)
	if err != nil {
		return err
	}
	res := runContentionLoad(ctx, clientsOver(clients, s.writers), clientsOver(clients, s.readers), task, seed, s.contentionWindow)
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
	w, r := res.writes, res.reads
	rep.add(
		row{scenario: name, load: load, figure: "failed requests (any status but 200, or no answer)",
			measured: fmt.Sprintf("%s of %s", count(res.errs), count(w.n+r.n)), target: "0", result: check(res.errs == 0 && w.n > 0 && r.n > 0)},
		row{scenario: name, load: load, figure: "write latency p99 (POST /api/log-ingest)",
			measured: micros(w.p99), target: "< " + micros(s.writeP99), result: check(w.n > 0 && w.p99 < s.writeP99)},
		row{scenario: name, load: load, figure: "answered stored (and the seed), found in the database",
			measured: fmt.Sprintf("%s of %s", count(inDB), count(res.stored+1)), target: "all", result: check(inDB == res.stored+1)},
		row{scenario: name, load: load, figure: "writes, reads",
			measured: fmt.Sprintf("%s writes (%s /s, p50 %s), %s reads (%s /s); read p99 %s", count(w.n), count(int64(float64(w.n)/s.contentionWindow.Seconds())), micros(w.p50),
				count(r.n), count(int64(float64(r.n)/s.contentionWindow.Seconds())), micros(r.p99)), target: "reported", result: info},
	)
	if res.firstErr != nil {
		rep.note("%s: first failure: %v", name, res.firstErr)
	}
	return nil
}
