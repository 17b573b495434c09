package main

import (
	"context"
	"fmt"
	"time"
)

// outageRun is what the outage scenario measured; the latency scenario
// reuses its outage window.
type outageRun struct {
	load           string
	runs           []madeRun
	sum            producerSummary
	killed, back   int64 // when hive serve was killed and listened again, Unix nanoseconds
	stored         map[string]int64
	proxy          proxyCounts
	producerFailed error
}

// runOutage runs the producer at the outage rate with the default delivery
// settings through the proxy, kills hive serve after the lead, restarts it
// on the same port and database after the outage, lets the producer finish
// its window and shut down, and reads what was stored.
func (h *harness) runOutage(ctx context.Context) (*outageRun, error) {
	if h.outage != nil {
		return h.outage, nil
	}
	o, err := h.runOutageOver(ctx, "outage")
	h.outage = o
	return o, err
}

// runOutageOver is runOutage in the stage name, the producer running with
// the extra environment variables.
func (h *harness) runOutageOver(ctx context.Context, name string, extra ...string) (*outageRun, error) {
	s := h.s
	st, err := h.newStage(ctx, name, true)
	if err != nil {
		return nil, err
	}
	defer st.close()
	p, err := h.startProducer(st.dir, "producer", st.target(), s.outageRate, s.lead+s.outage+s.tail, extra...)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	o := &outageRun{load: fmt.Sprintf("%d runs/s; %s up, %s down, %s up; defaults", s.outageRate, secs(s.lead), secs(s.outage), secs(s.tail))}
	if err := sleepUntil(ctx, started.Add(s.lead)); err != nil {
		return nil, err
	}
	o.killed = time.Now().UnixNano()
	if err := st.hive.kill(); err != nil {
		return nil, fmt.Errorf("kill hive serve: %w", err)
	}
	if err := sleepUntil(ctx, started.Add(s.lead+s.outage)); err != nil {
		return nil, err
	}
	if err := st.hive.start(ctx); err != nil {
		return nil, fmt.Errorf("restart hive serve: %w", err)
	}
	o.back = time.Now().UnixNano()
	o.sum, o.producerFailed = p.finish(ctx, time.Until(started.Add(s.lead+s.outage+s.tail))+s.drainTimeout)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err := st.hive.stop(); err != nil {
		return nil, fmt.Errorf("stop hive serve: %w", err)
	}
	o.proxy = st.proxy.counts()
	if o.runs, err = readRuns(p.out); err != nil {
		return nil, err
	}
	if o.stored, err = storedRecords(ctx, st.hive.db); err != nil {
		return nil, err
	}
	return o, nil
}

// outageScenario reports figure 1: records lost through a hive serve
// outage with the default settings, and the duplicate deliveries.
func (h *harness) outageScenario(ctx context.Context, rep *report) error {
	o, err := h.runOutage(ctx)
	if err != nil {
		return err
	}
	lost := missing(o.runs, o.stored)
	rep.add(
		row{scenario: "outage", load: o.load, figure: "records lost (made, not stored)",
			measured: fmt.Sprintf("%s of %s", count(lost), count(len(o.runs))), target: "0", result: check(lost == 0 && len(o.runs) > 0)},
		row{scenario: "outage", load: o.load, figure: "duplicate deliveries seen by the server",
			measured: count(o.proxy.duplicates), target: "reported", result: info},
	)
	rep.note("outage: %s", producerNote(o.sum, o.producerFailed, len(o.runs)))
	rep.note("outage: duplicates are the 2xx ingest answers past the first for a record uuid, counted by the harness's proxy; it answered %s requests and closed %s without an answer while hive serve was down or dying",
		count(o.proxy.answered), count(o.proxy.aborted))
	return nil
}

// outageOTLPScenario is the outage scenario with the records' spans sent
// over OTLP (HIVE_TRANSPORT=otlp) and rebuilt by hive serve: the same
// guarantee, no record lost.
func (h *harness) outageOTLPScenario(ctx context.Context, rep *report) error {
	o, err := h.runOutageOver(ctx, "outage-otlp", "HIVE_TRANSPORT=otlp")
	if err != nil {
		return err
	}
	lost := missing(o.runs, o.stored)
	load := o.load + "; HIVE_TRANSPORT=otlp"
	rep.add(
		row{scenario: "outage-otlp", load: load, figure: "records lost (made, not rebuilt and stored by hive serve)",
			measured: fmt.Sprintf("%s of %s", count(lost), count(len(o.runs))), target: "0", result: check(lost == 0 && len(o.runs) > 0)},
	)
	rep.note("outage-otlp: %s", producerNote(o.sum, o.producerFailed, len(o.runs)))
	return nil
}

// producerNote describes how a producer ended.
func producerNote(sum producerSummary, failed error, runs int) string {
	if failed != nil {
		return fmt.Sprintf("%s runs read from its output; %v", count(runs), failed)
	}
	rate := 0.0
	if sum.Elapsed > 0 {
		rate = float64(sum.Runs) / time.Duration(sum.Elapsed).Seconds()
	}
	failedRuns := ""
	if sum.Failed > 0 {
		failedRuns = fmt.Sprintf(", %s of them failed", count(sum.Failed))
	}
	return fmt.Sprintf("the producer made %s runs%s in %s (%.0f runs/s achieved; records of %d bytes); shutdown took %s and returned: %s",
		count(sum.Runs), failedRuns, time.Duration(sum.Elapsed).Round(time.Millisecond), rate, sum.RecordBytes,
		time.Duration(sum.Shutdown).Round(time.Millisecond), orNone(sum.ShutdownError))
}
