package main

import (
	"context"
	"fmt"
	"time"
)

// throughputScenario reports figure 3: one producer at the throughput rate
// for the window, straight to a healthy hive serve. A record counts as
// delivered in time when hive serve stored it by the window's end plus the
// grace; the rate is those records over the window, so it reaches the
// paced rate only when every run was made on time and delivered in time.
func (h *harness) throughputScenario(ctx context.Context, rep *report) error {
	s := h.s
	load := fmt.Sprintf("%s runs/s for %s, healthy Hive, one producer", count(s.throughputRate), secs(s.throughputWindow))
	st, err := h.newStage(ctx, "throughput", false)
	if err != nil {
		return err
	}
	defer st.close()
	p, err := h.startProducer(st.dir, "producer", st.target(), s.throughputRate, s.throughputWindow)
	if err != nil {
		return err
	}
	sum, failed := p.finish(ctx, s.throughputWindow+s.drainTimeout)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := st.hive.stop(); err != nil {
		return fmt.Errorf("stop hive serve: %w", err)
	}
	runs, err := readRuns(p.out)
	if err != nil {
		return err
	}
	stored, err := storedRecords(ctx, st.hive.db)
	if err != nil {
		return err
	}
	start := sum.Start
	if start == 0 && len(runs) > 0 {
		start = runs[0].start
	}
	deadline := start + s.throughputWindow.Nanoseconds() + s.deliveryGrace.Nanoseconds()
	inTime := 0
	for _, r := range runs {
		if at, ok := stored[r.id]; ok && at <= deadline {
			inTime++
		}
	}
	rate := float64(inTime) / s.throughputWindow.Seconds()
	lost := missing(runs, stored)
	var ds []time.Duration
	for _, r := range runs {
		ds = append(ds, r.latency)
	}
	rep.add(
		row{scenario: "throughput", load: load, figure: fmt.Sprintf("delivered/s (stored by the window's end + %s)", secs(s.deliveryGrace)),
			measured: count(int64(rate)) + " /s", target: "≥ " + count(s.throughputRate) + " /s", result: check(rate >= float64(s.throughputRate))},
		row{scenario: "throughput", load: load, figure: "records lost (made, not stored)",
			measured: fmt.Sprintf("%s of %s", count(lost), count(len(runs))), target: "0", result: check(lost == 0 && len(runs) > 0)},
		row{scenario: "throughput", load: load, figure: "task-run latency",
			measured: summarize(ds).String(), target: "reported", result: info},
	)
	rep.note("throughput: %s; the producer sends to hive serve directly (no proxy)", producerNote(sum, failed, len(runs)))
	return nil
}
