package sqlitestore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
)

// States of a staged run (staged_runs.state).
const (
	runPending    = "pending"
	runIncomplete = "incomplete"
	runDone       = "done"
)

// Statements of the staging, prepared once on the writer's connection.
const (
	insertStagedRun = `INSERT INTO staged_runs (project_uuid, run_uuid, project_name, has_task, want, boundaries, first_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	updateStagedRunCounts = `UPDATE staged_runs SET has_task = ?, want = ?, boundaries = ? WHERE project_uuid = ? AND run_uuid = ?`
	claimStagedRun        = `UPDATE staged_runs SET claim_until = ? WHERE project_uuid = ? AND run_uuid = ? AND claim_until < ?`
	setStagedRunState     = `UPDATE staged_runs SET state = ?, claim_until = 0 WHERE project_uuid = ? AND run_uuid = ?`
	insertStagedSpan      = `INSERT INTO staged_spans (project_uuid, run_uuid, span_id, task, want, data) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (project_uuid, run_uuid, span_id) DO NOTHING`
	selectStagedSpans = `SELECT span_id, task, want, data FROM staged_spans WHERE project_uuid = ? AND run_uuid = ? ORDER BY rowid`
	deleteStagedSpans = `DELETE FROM staged_spans WHERE project_uuid = ? AND run_uuid = ?`
	replaceLog        = `UPDATE logs SET record = ?, replay_from = ?, outcome = ?, run_start = COALESCE(?, created_at), duration = ?
		WHERE project_uuid = ? AND task_name = ? AND uuid = ?`

	// A run to sweep: with its task-run span, claimed by no one, and either
	// complete or pending past the wait.
	selectRunsToSweep = `SELECT project_uuid, run_uuid, project_name FROM staged_runs
		WHERE state IN ('pending', 'incomplete') AND has_task = 1 AND claim_until < ?
		AND ((want >= 0 AND boundaries >= want) OR (state = 'pending' AND first_at < ?))
		ORDER BY first_at LIMIT ?`
	// Runs to drop: past the retention, claimed by no one, and either
	// without their task-run span (orphans) or assembled (done or
	// incomplete). Each condition names a state, so that staged_runs_by_state
	// bounds what is read.
	orphanRuns      = `state = 'pending' AND has_task = 0 AND first_at < ? AND claim_until < ?`
	closedRuns      = `state IN ('done', 'incomplete') AND first_at < ? AND claim_until < ?`
	countOrphans    = `SELECT COUNT(*), COALESCE(SUM(boundaries), 0) FROM staged_runs WHERE ` + orphanRuns
	dropOrphanSpans = `DELETE FROM staged_spans WHERE (project_uuid, run_uuid) IN
		(SELECT project_uuid, run_uuid FROM staged_runs WHERE ` + orphanRuns + `)`
	dropIncompleteSpans = `DELETE FROM staged_spans WHERE (project_uuid, run_uuid) IN
		(SELECT project_uuid, run_uuid FROM staged_runs WHERE state = 'incomplete' AND first_at < ? AND claim_until < ?)`
	dropOrphanRuns = `DELETE FROM staged_runs WHERE ` + orphanRuns
	dropClosedRuns = `DELETE FROM staged_runs WHERE ` + closedRuns
)

// stagedRun is a row of staged_runs; found is false for a run that has
// none.
type stagedRun struct {
	found      bool
	state      string
	name       string
	hasTask    bool
	want       int64
	boundaries int64
	claimUntil int64
}

func (r *stagedRun) complete() bool {
	return r.hasTask && r.want >= 0 && r.boundaries >= r.want
}

// lookupBatch is the number of runs lookupStagedRuns reads with one
// statement.
const lookupBatch = 32

// selectStagedRuns reads the rows of lookupBatch runs.
var selectStagedRuns = `SELECT project_uuid, run_uuid, state, project_name, has_task, want, boundaries, claim_until
	FROM staged_runs WHERE (project_uuid, run_uuid) IN (VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?), ", lookupBatch), ", ") + `)`

// lookupStagedRuns reads the rows of runs, lookupBatch at a time; runs
// without a row are not in the map.
func lookupStagedRuns(tx *wtx, keys []server.RunKey) (map[server.RunKey]*stagedRun, error) {
	out := make(map[server.RunKey]*stagedRun)
	args := make([]any, 2*lookupBatch)
	for start := 0; start < len(keys); start += lookupBatch {
		for j := range lookupBatch {
			k := keys[min(start+j, len(keys)-1)] // the last key again fills the batch
			args[2*j], args[2*j+1] = k.ProjectUUID, k.RunUUID
		}
		if err := scanStagedRuns(tx, args, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func scanStagedRuns(tx *wtx, args []any, out map[server.RunKey]*stagedRun) error {
	rows, err := tx.query(selectStagedRuns, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k server.RunKey
		r := &stagedRun{found: true}
		if err := rows.Scan(&k.ProjectUUID, &k.RunUUID, &r.state, &r.name, &r.hasTask, &r.want, &r.boundaries, &r.claimUntil); err != nil {
			return err
		}
		out[k] = r
	}
	return rows.Err()
}

// StageSpans implements server.SpanStager: one write call.
func (s *Store) StageSpans(ctx context.Context, runs []server.StagedRun, now, claimUntil time.Time) (server.StageResult, error) {
	if err := ctx.Err(); err != nil {
		return server.StageResult{}, wrap("stage spans", err)
	}
	keys := make([]server.RunKey, len(runs))
	for i := range runs {
		keys[i] = runs[i].Key
	}
	var res server.StageResult
	err := s.w.do(ctx, func(tx *wtx) error {
		res = server.StageResult{}
		staged, err := lookupStagedRuns(tx, keys)
		if err != nil {
			return err
		}
		for i := range runs {
			if err := stageRun(tx, &runs[i], staged, nanos(now), nanos(claimUntil), &res); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return server.StageResult{}, wrap("stage spans", err)
	}
	return res, nil
}

// stageRun stages the spans of one run and, when they complete it, claims
// it and adds it to res.Ready; staged holds the rows of the call's runs,
// kept up to date.
func stageRun(tx *wtx, run *server.StagedRun, staged map[server.RunKey]*stagedRun, now, claimUntil int64, res *server.StageResult) error {
	key := run.Key
	r := staged[key]
	if r == nil {
		r = &stagedRun{want: -1}
		staged[key] = r
	}
	if r.state == runDone {
		return nil
	}
	added := 0
	for _, sp := range run.Spans {
		if sp.Task && r.hasTask {
			continue // a copy, or a second task-run span: the first wins
		}
		res, err := tx.exec(insertStagedSpan, key.ProjectUUID, key.RunUUID, sp.SpanID[:], sp.Task, sp.Want, sp.Data)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			continue
		}
		added++
		if sp.Task {
			r.hasTask, r.want = true, sp.Want
		} else {
			r.boundaries++
		}
	}
	res.Staged += added
	if added == 0 {
		return nil
	}
	var err error
	if r.found {
		_, err = tx.exec(updateStagedRunCounts, r.hasTask, r.want, r.boundaries, key.ProjectUUID, key.RunUUID)
	} else {
		r.found, r.state, r.name = true, runPending, run.ProjectName
		_, err = tx.exec(insertStagedRun, key.ProjectUUID, key.RunUUID, run.ProjectName, r.hasTask, r.want, r.boundaries, now)
	}
	if err != nil || !r.complete() || r.claimUntil >= now {
		return err
	}
	ready, err := claimRun(tx, key, r.name, now, claimUntil)
	if err != nil || ready == nil {
		return err
	}
	r.claimUntil = claimUntil
	res.Ready = append(res.Ready, *ready)
	return nil
}

// claimRun claims a run until claimUntil unless someone holds a claim at
// now, and returns it with its staged spans; nil when it is claimed.
func claimRun(tx *wtx, key server.RunKey, projectName string, now, claimUntil int64) (*server.StagedRun, error) {
	res, err := tx.exec(claimStagedRun, claimUntil, key.ProjectUUID, key.RunUUID, now)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return nil, err
	}
	rows, err := tx.query(selectStagedSpans, key.ProjectUUID, key.RunUUID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	run := &server.StagedRun{Key: key, ProjectName: projectName}
	for rows.Next() {
		var sp server.StagedSpan
		var id []byte
		if err := rows.Scan(&id, &sp.Task, &sp.Want, &sp.Data); err != nil {
			return nil, err
		}
		copy(sp.SpanID[:], id)
		run.Spans = append(run.Spans, sp)
	}
	return run, rows.Err()
}

// FinishRuns implements server.SpanStager: one write call.
func (s *Store) FinishRuns(ctx context.Context, runs []server.AssembledRun) ([]server.FinishResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap("finish runs", err)
	}
	out := make([]server.FinishResult, len(runs))
	keys := make([]server.RunKey, len(runs))
	for i := range runs {
		keys[i] = runs[i].Key
	}
	err := s.w.do(ctx, func(tx *wtx) error {
		in := ingester{s: s, tx: tx, projects: map[string]string{}, tasks: map[[2]string]string{}}
		staged, err := lookupStagedRuns(tx, keys)
		if err != nil {
			return err
		}
		for i := range runs {
			r, err := in.finish(&runs[i], staged)
			if err != nil {
				return err
			}
			out[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, wrap("finish runs", err)
	}
	return out, nil
}

// finish stores the record of one assembled run; staged holds the rows
// of the call's runs, kept up to date.
func (in *ingester) finish(run *server.AssembledRun, staged map[server.RunKey]*stagedRun) (server.FinishResult, error) {
	key := run.Key
	r := staged[key]
	if r == nil {
		r = &stagedRun{want: -1}
	}
	if r.state == runDone {
		return server.FinishResult{}, nil
	}
	if run.Refused {
		return server.FinishResult{}, in.closeRun(key, r, runDone)
	}
	if run.Incomplete && r.state == runIncomplete {
		return server.FinishResult{}, nil // its incomplete record is stored
	}
	if run.Entry.Log.ProjectUUID != key.ProjectUUID {
		return server.FinishResult{Err: fmt.Errorf("record of run %q: project %q is not the run's %q: %w",
			key.RunUUID, run.Entry.Log.ProjectUUID, key.ProjectUUID, server.ErrInvalid)}, nil
	}
	put, err := in.put(&run.Entry)
	if err != nil || put.Err != nil {
		return server.FinishResult{Err: put.Err}, err
	}
	res := server.FinishResult{Created: put.Created}
	if !put.Created && !run.Incomplete && r.state == runIncomplete {
		e := run.Entry.Log
		sum := server.SummarizeRecord(e.Record)
		var start, duration any // NULL: the stored created_at; no duration
		if !sum.Start.IsZero() {
			start = nanos(sum.Start)
		}
		if sum.HasDuration {
			duration = int64(sum.Duration)
		}
		if _, err := in.tx.exec(replaceLog, string(e.Record), e.ReplayFrom, sum.Type, start, duration, e.ProjectUUID, e.TaskName, e.UUID); err != nil {
			return server.FinishResult{}, err
		}
		res.Replaced = true
	}
	state := runDone
	if run.Incomplete {
		state = runIncomplete
	}
	return res, in.closeRun(key, r, state)
}

// closeRun sets the state of a run that has a row (a run assembled from
// one export has none), removing its staged spans when it is done.
func (in *ingester) closeRun(key server.RunKey, r *stagedRun, state string) error {
	if !r.found {
		return nil
	}
	r.state = state
	if _, err := in.tx.exec(setStagedRunState, state, key.ProjectUUID, key.RunUUID); err != nil {
		return err
	}
	if state != runDone {
		return nil
	}
	_, err := in.tx.exec(deleteStagedSpans, key.ProjectUUID, key.RunUUID)
	return err
}

// SweepRuns implements server.SpanStager: one write call.
func (s *Store) SweepRuns(ctx context.Context, req server.SweepRequest) (server.SweepResult, error) {
	if err := ctx.Err(); err != nil {
		return server.SweepResult{}, wrap("sweep runs", err)
	}
	limit := req.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	now, until := nanos(req.Now), nanos(req.ClaimUntil)
	var res server.SweepResult
	err := s.w.do(ctx, func(tx *wtx) error {
		res = server.SweepResult{}
		keys, names, err := runsToSweep(tx, now, nanos(req.IncompleteBefore), limit)
		if err != nil {
			return err
		}
		for i, key := range keys {
			run, err := claimRun(tx, key, names[i], now, until)
			if err != nil {
				return err
			}
			if run != nil {
				res.Runs = append(res.Runs, *run)
			}
		}
		drop := nanos(req.DropBefore)
		var orphans int64
		if err := tx.queryRow(countOrphans, drop, now).Scan(&orphans, &res.DroppedSpans); err != nil {
			return err
		}
		for _, q := range []string{dropOrphanSpans, dropIncompleteSpans} {
			if _, err := tx.exec(q, drop, now); err != nil {
				return err
			}
		}
		for _, q := range []string{dropOrphanRuns, dropClosedRuns} {
			r, err := tx.exec(q, drop, now)
			if err != nil {
				return err
			}
			n, err := r.RowsAffected()
			if err != nil {
				return err
			}
			res.DroppedRuns += int(n)
		}
		return nil
	})
	if err != nil {
		return server.SweepResult{}, wrap("sweep runs", err)
	}
	return res, nil
}

// runsToSweep returns the runs SweepRuns claims, oldest first.
func runsToSweep(tx *wtx, now, incompleteBefore int64, limit int) ([]server.RunKey, []string, error) {
	rows, err := tx.query(selectRunsToSweep, now, incompleteBefore, limit)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var keys []server.RunKey
	var names []string
	for rows.Next() {
		var k server.RunKey
		var name string
		if err := rows.Scan(&k.ProjectUUID, &k.RunUUID, &name); err != nil {
			return nil, nil, err
		}
		keys, names = append(keys, k), append(names, name)
	}
	return keys, names, rows.Err()
}
