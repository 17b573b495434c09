package server

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// memRun is a run staged in a memoryStore.
type memRun struct {
	name       string // project name
	state      string // runPending, runIncomplete or runDone
	hasTask    bool
	want       int64
	boundaries int64
	firstAt    time.Time
	claimUntil time.Time
	spans      []StagedSpan
	ids        map[trace.SpanID]struct{}
}

// States of a staged run.
const (
	runPending    = "pending"
	runIncomplete = "incomplete"
	runDone       = "done"
)

func (r *memRun) complete() bool {
	return r.hasTask && r.want >= 0 && r.boundaries >= r.want
}

// copyRun returns the run with copies of its spans.
func (r *memRun) copyRun(key RunKey) StagedRun {
	out := StagedRun{Key: key, ProjectName: r.name, Spans: make([]StagedSpan, len(r.spans))}
	for i, sp := range r.spans {
		sp.Data = bytes.Clone(sp.Data)
		out.Spans[i] = sp
	}
	return out
}

// claim claims the run until until unless someone holds a claim at now.
func (r *memRun) claim(now, until time.Time) bool {
	if r.claimUntil.After(now) || r.claimUntil.Equal(now) {
		return false
	}
	r.claimUntil = until
	return true
}

func (m *memoryStore) StageSpans(ctx context.Context, runs []StagedRun, now, claimUntil time.Time) (StageResult, error) {
	if err := ctx.Err(); err != nil {
		return StageResult{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.staged == nil {
		m.staged = map[RunKey]*memRun{}
	}
	var res StageResult
	for _, run := range runs {
		r := m.staged[run.Key]
		if r == nil {
			r = &memRun{name: run.ProjectName, state: runPending, want: -1, firstAt: now, ids: map[trace.SpanID]struct{}{}}
		}
		if r.state == runDone {
			continue
		}
		staged := 0
		for _, sp := range run.Spans {
			if _, dup := r.ids[sp.SpanID]; dup || sp.Task && r.hasTask {
				continue
			}
			r.ids[sp.SpanID] = struct{}{}
			sp.Data = bytes.Clone(sp.Data)
			r.spans = append(r.spans, sp)
			staged++
			if sp.Task {
				r.hasTask, r.want = true, sp.Want
			} else {
				r.boundaries++
			}
		}
		res.Staged += staged
		if staged == 0 {
			continue
		}
		m.staged[run.Key] = r
		if r.complete() && r.claim(now, claimUntil) {
			res.Ready = append(res.Ready, r.copyRun(run.Key))
		}
	}
	return res, nil
}

func (m *memoryStore) FinishRuns(ctx context.Context, runs []AssembledRun) ([]FinishResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]FinishResult, len(runs))
	for i, run := range runs {
		out[i] = m.finish(run)
	}
	return out, nil
}

// finish stores the record of one assembled run. m.mu must be held for
// writing.
func (m *memoryStore) finish(run AssembledRun) FinishResult {
	r := m.staged[run.Key]
	if r != nil && r.state == runDone {
		return FinishResult{}
	}
	if run.Refused {
		m.closeRun(r, runDone)
		return FinishResult{}
	}
	if run.Incomplete && r != nil && r.state == runIncomplete {
		return FinishResult{}
	}
	if run.Entry.Log.ProjectUUID != run.Key.ProjectUUID {
		return FinishResult{Err: fmt.Errorf("record of run %q: project %q is not the run's %q: %w",
			run.Key.RunUUID, run.Entry.Log.ProjectUUID, run.Key.ProjectUUID, ErrInvalid)}
	}
	put := m.ingest(run.Entry)
	if put.Err != nil {
		return FinishResult{Err: put.Err}
	}
	res := FinishResult{Created: put.Created}
	if !put.Created && !run.Incomplete && r != nil && r.state == runIncomplete {
		key := run.Entry.Log.Key()
		e := m.logs[key]
		e.Record = bytes.Clone(run.Entry.Log.Record)
		e.ReplayFrom = run.Entry.Log.ReplayFrom
		m.putLog(e)
		res.Replaced = true
	}
	state := runDone
	if run.Incomplete {
		state = runIncomplete
	}
	m.closeRun(r, state)
	return res
}

// closeRun sets the state of a staged run (a run assembled from one export
// has none), dropping its spans when it is done.
func (m *memoryStore) closeRun(r *memRun, state string) {
	if r == nil {
		return
	}
	r.state, r.claimUntil = state, time.Time{}
	if state == runDone {
		r.spans, r.ids = nil, nil
	}
}

func (m *memoryStore) SweepRuns(ctx context.Context, req SweepRequest) (SweepResult, error) {
	if err := ctx.Err(); err != nil {
		return SweepResult{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var res SweepResult
	var due []RunKey
	for k, r := range m.staged {
		if r.state == runDone || !r.hasTask || !r.claimUntil.Before(req.Now) {
			continue
		}
		if r.complete() || r.state == runPending && r.firstAt.Before(req.IncompleteBefore) {
			due = append(due, k)
		}
	}
	slices.SortFunc(due, func(a, b RunKey) int { return m.staged[a].firstAt.Compare(m.staged[b].firstAt) })
	if req.Limit > 0 && len(due) > req.Limit {
		due = due[:req.Limit]
	}
	for _, k := range due {
		r := m.staged[k]
		r.claimUntil = req.ClaimUntil
		res.Runs = append(res.Runs, r.copyRun(k))
	}
	for k, r := range m.staged {
		if !r.firstAt.Before(req.DropBefore) || !r.claimUntil.Before(req.Now) || r.state == runPending && r.hasTask {
			continue
		}
		if r.state == runPending {
			res.DroppedSpans += int(r.boundaries)
		}
		res.DroppedRuns++
		delete(m.staged, k)
	}
	return res, nil
}
