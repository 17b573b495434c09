package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// spoolScenario reports figure 2. With HIVE_SPOOL_DIR set, hive serve is
// killed after the lead; the producer keeps making runs, then it is killed
// too. The spool is read as the kill left it; hive serve and a new producer
// on the same spool directory start again, and the new producer runs a
// short window and shuts down (draining the spool). Every record the spool
// held at the kill, and every one stored before, must be in Hive; the runs
// made but neither spooled nor stored at the kill are reported.
func (h *harness) spoolScenario(ctx context.Context, rep *report) error {
	s := h.s
	load := fmt.Sprintf("%d runs/s, spool on; %s up, %s down, producer SIGKILLed", s.spoolRate, secs(s.spoolLead), secs(s.spoolDown))
	st, err := h.newStage(ctx, "spool", true)
	if err != nil {
		return err
	}
	defer st.close()
	spoolEnv := "HIVE_SPOOL_DIR=" + filepath.Join(st.dir, "spool")

	// The window outlasts the producer: it is killed before its end.
	first, err := h.startProducer(st.dir, "producer-killed", st.target(), s.spoolRate, s.spoolLead+s.spoolDown+time.Hour, spoolEnv)
	if err != nil {
		return err
	}
	started := time.Now()
	if err := sleepUntil(ctx, started.Add(s.spoolLead)); err != nil {
		return err
	}
	if err := st.hive.kill(); err != nil {
		return fmt.Errorf("kill hive serve: %w", err)
	}
	storedBefore, err := storedRecords(ctx, st.hive.db)
	if err != nil {
		return err
	}
	if err := sleepUntil(ctx, started.Add(s.spoolLead+s.spoolDown)); err != nil {
		return err
	}
	if err := first.kill(); err != nil {
		return fmt.Errorf("kill the producer: %w", err)
	}
	made, err := readRuns(first.out)
	if err != nil {
		return err
	}
	spooled, spoolErr := spooledIDs(ctx, filepath.Join(st.dir, "spool"), filepath.Join(st.dir, "spool-at-kill"))
	if spoolErr != nil && !errors.Is(spoolErr, errNoSpool) {
		return spoolErr
	}

	if err := st.hive.start(ctx); err != nil {
		return fmt.Errorf("restart hive serve: %w", err)
	}
	second, err := h.startProducer(st.dir, "producer-restarted", st.target(), s.spoolRate, s.spoolDrain, spoolEnv)
	if err != nil {
		return err
	}
	sum, secondErr := second.finish(ctx, s.spoolDrain+s.drainTimeout)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := st.hive.stop(); err != nil {
		return fmt.Errorf("stop hive serve: %w", err)
	}
	after, err := readRuns(second.out)
	if err != nil {
		return err
	}
	storedAfter, err := storedRecords(ctx, st.hive.db)
	if err != nil {
		return err
	}

	held := len(spooled)
	notInHive := 0
	for id := range spooled {
		if _, ok := storedAfter[id]; !ok {
			notInHive++
		}
	}
	for id := range storedBefore {
		if _, ok := storedAfter[id]; !ok {
			notInHive++
		}
	}
	notSpooled := 0
	for _, r := range made {
		_, inSpool := spooled[r.id]
		_, inHive := storedBefore[r.id]
		if !inSpool && !inHive {
			notSpooled++
		}
	}
	r := row{scenario: "spool", load: load, figure: "spooled (or stored) at the kill, missing at the end",
		measured: fmt.Sprintf("%s of %s", count(notInHive), count(held+len(storedBefore))), target: "0", result: check(notInHive == 0)}
	if spoolErr != nil {
		r.measured, r.result = "no spool database in HIVE_SPOOL_DIR", miss
	}
	rep.add(r,
		row{scenario: "spool", load: load, figure: "made but not yet spooled (nor stored) at the kill",
			measured: fmt.Sprintf("%s of %s made", count(notSpooled), count(len(made))), target: "reported", result: info},
		row{scenario: "spool", load: load, figure: "runs of the killed producer not in Hive at the end",
			measured: fmt.Sprintf("%s of %s", count(missing(made, storedAfter)), count(len(made))), target: "reported", result: info},
		row{scenario: "spool", load: fmt.Sprintf("%d runs/s for %s after the restart", s.spoolRate, secs(s.spoolDrain)),
			figure: "runs of the restarted producer lost", measured: fmt.Sprintf("%s of %s", count(missing(after, storedAfter)), count(len(after))),
			target: "reported", result: info},
	)
	rep.note("spool: at the kill the spool held %s records and Hive %s; the killed producer's out file is flushed every %s, so its runs of the last %s may not be counted as made",
		count(held), count(len(storedBefore)), producerFlush, producerFlush)
	rep.note("spool: restarted %s", producerNote(sum, secondErr, len(after)))
	return nil
}
