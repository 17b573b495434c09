package main

import (
	"context"
	"fmt"
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
	seed, err := seedRecord(ctx, c, task)
	if err != nil {
		return err
	}
	res := runContentionLoad(ctx, clientsOver([]*apiClient{c}, s.writers), clientsOver([]*apiClient{c}, s.readers), task, seed, s.contentionWindow)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	w, r := res.writes, res.reads
	rep.add(
		row{scenario: "contention", load: load, figure: "failed requests (any status but 200, or no answer)",
			measured: fmt.Sprintf("%s of %s", count(res.errs), count(w.n+r.n)), target: "0", result: check(res.errs == 0 && w.n > 0 && r.n > 0)},
		row{scenario: "contention", load: load, figure: "write latency p99 (POST /api/log-ingest)",
			measured: micros(w.p99), target: "< " + micros(s.writeP99), result: check(w.n > 0 && w.p99 < s.writeP99)},
		row{scenario: "contention", load: load, figure: "writes, reads",
			measured: fmt.Sprintf("%s writes (%s /s), %s reads (%s /s); read p99 %s", count(w.n), count(int64(float64(w.n)/s.contentionWindow.Seconds())),
				count(r.n), count(int64(float64(r.n)/s.contentionWindow.Seconds())), micros(r.p99)), target: "reported", result: info},
	)
	if res.firstErr != nil {
		rep.note("contention: first failure: %v", res.firstErr)
	}
	return nil
}
