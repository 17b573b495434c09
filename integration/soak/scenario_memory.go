package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// memoryScenario reports hive serve's peak memory under large records:
// memoryClients clients each ingest memoryRecords records of about
// memoryRecordMiB MiB at once, while memoryReaders clients list the task's
// records (40 per page asked) over and over. An answer 503 with
// Retry-After is the server protecting its memory and counts as a pass when
// the client, retrying after the time it was told, gets every record
// stored; the peak resident set (VmHWM) of hive serve must stay within the
// bound.
func (h *harness) memoryScenario(ctx context.Context, rep *report) error {
	s := h.s
	load := fmt.Sprintf("%d clients × %d ingests of %d-MiB records at once, %d readers listing them", s.memoryClients, s.memoryRecords, s.memoryRecordMiB, s.memoryReaders)
	st, err := h.newStage(ctx, "memory", false)
	if err != nil {
		return err
	}
	defer st.close()
	c := h.apiClient(st.hive.url(), s.memoryClients+s.memoryReaders)
	defer c.close()
	pid := st.hive.proc.cmd.Process.Pid

	const task = "soak-memory"
	var ids sync.Map
	var retried, errs atomic.Int64
	var firstErr error
	var once sync.Once
	fail := func(err error) {
		errs.Add(1)
		once.Do(func() { firstErr = err })
	}
	writersDone := make(chan struct{})
	var writers, readers sync.WaitGroup
	for range s.memoryClients {
		writers.Go(func() {
			for range s.memoryRecords {
				id := newRecordID()
				body := ingestRequest(recordOf(task, id, s.memoryRecordMiB<<20-4096))
				for attempt := 0; ; attempt++ {
					a, err := c.do(ctx, http.MethodPost, "/api/log-ingest", body)
					if err == nil && a.status == http.StatusServiceUnavailable && a.retryAfter > 0 && attempt < 120 {
						retried.Add(1)
						time.Sleep(a.retryAfter)
						continue
					}
					if err == nil && a.status != http.StatusOK {
						err = fmt.Errorf("ingest answered %d: %s", a.status, oneLine(string(a.body)))
					}
					if err != nil {
						fail(err)
					} else {
						ids.Store(id, true)
					}
					break
				}
			}
		})
	}
	var lists atomic.Int64
	for range s.memoryReaders {
		readers.Go(func() {
			for {
				select {
				case <-writersDone:
					return
				default:
				}
				a, err := c.do(ctx, http.MethodGet, "/api/tasks/"+task+"/logs?limit=40", nil)
				if err == nil && a.status != http.StatusOK && a.status != http.StatusServiceUnavailable {
					err = fmt.Errorf("list answered %d: %s", a.status, oneLine(string(a.body)))
				}
				if err != nil {
					fail(err)
					return
				}
				lists.Add(1)
			}
		})
	}
	writers.Wait()
	close(writersDone)
	readers.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	peak, err := peakRSS(pid)
	if err != nil {
		return err
	}
	if err := st.hive.stop(); err != nil {
		return fmt.Errorf("stop hive serve: %w", err)
	}
	inDB, err := storedRecords(ctx, st.hive.db)
	if err != nil {
		return err
	}
	want, found := 0, 0
	ids.Range(func(k, _ any) bool {
		want++
		if _, ok := inDB[k.(string)]; ok {
			found++
		}
		return true
	})
	total := s.memoryClients * s.memoryRecords
	rep.add(
		row{scenario: "memory", load: load, figure: "peak RSS of hive serve (VmHWM)",
			measured: fmt.Sprintf("%d MB", peak>>20), target: fmt.Sprintf("≤ %d MB", s.memoryPeakMB), result: check(peak>>20 <= int64(s.memoryPeakMB))},
		row{scenario: "memory", load: load, figure: "records stored once the clients retried",
			measured: fmt.Sprintf("%d of %d (%d answered 503 + Retry-After and retried; %d failed)", found, total, retried.Load(), errs.Load()),
			target:   "all", result: check(found == total && want == total && errs.Load() == 0)},
		row{scenario: "memory", load: load, figure: "lists answered while ingesting",
			measured: count(lists.Load()), target: "reported", result: info},
	)
	if firstErr != nil {
		rep.note("memory: first failure: %v", firstErr)
	}
	return nil
}

// peakRSS returns the peak resident set of process pid, in bytes, from
// /proc/PID/status (VmHWM).
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("peak RSS: %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, errors.New("peak RSS: no VmHWM in /proc status")
}
