package main

import (
	"context"
	"fmt"
)

// latencyScenario reports figure 4: the task-run latency of the runs made
// while hive serve was down (the outage scenario's outage window) against
// the same window of a run with the same rate, lead and proxy and a healthy
// hive serve throughout.
func (h *harness) latencyScenario(ctx context.Context, rep *report) error {
	s := h.s
	o, err := h.runOutage(ctx)
	if err != nil {
		return err
	}
	st, err := h.newStage(ctx, "latency", true)
	if err != nil {
		return err
	}
	defer st.close()
	p, err := h.startProducer(st.dir, "producer", st.target(), s.outageRate, s.lead+s.outage)
	if err != nil {
		return err
	}
	sum, failed := p.finish(ctx, s.lead+s.outage+s.drainTimeout)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	runs, err := readRuns(p.out)
	if err != nil {
		return err
	}
	start := sum.Start
	if start == 0 && len(runs) > 0 {
		start = runs[0].start
	}
	from := start + s.lead.Nanoseconds()
	healthy := summarize(window(runs, from, from+s.outage.Nanoseconds()))
	down := summarize(window(o.runs, o.killed, o.back))
	bound := latencyBound(healthy.p99)
	load := fmt.Sprintf("%d runs/s; the %s window after a %s lead", s.outageRate, secs(s.outage), secs(s.lead))
	rep.add(
		row{scenario: "latency", load: load, figure: "task-run latency, Hive healthy",
			measured: healthy.String(), target: "reported", result: info},
		row{scenario: "latency", load: load, figure: "task-run latency, Hive down (outage run)",
			measured: down.String(), target: fmt.Sprintf("p99 ≤ %s = max(1.2×, +200 µs)", micros(bound)),
			result: check(down.n > 0 && healthy.n > 0 && down.p99 <= bound)},
	)
	rep.note("latency: healthy run: %s", producerNote(sum, failed, len(runs)))
	return nil
}
