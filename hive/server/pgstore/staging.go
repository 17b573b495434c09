package pgstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hivetrace/hivetrace/hive/server"
)

// States of a staged run (staged_runs.state).
const (
	runPending    = "pending"
	runIncomplete = "incomplete"
	runDone       = "done"
)

// Statements of the staging. The rows of a call's runs are locked (FOR
// UPDATE) in key order before they are read, so that servers staging spans
// of one run at the same time count them one after the other; claims are
// conditional updates, which exactly one of several servers wins.
const (
	insertStagedRuns = `INSERT INTO staged_runs (project_uuid, run_uuid, project_name, first_at)
		SELECT p, r, n, $4::bigint FROM unnest($1::text[], $2::text[], $3::text[]) AS x(p, r, n) ORDER BY p, r
		ON CONFLICT (project_uuid, run_uuid) DO NOTHING`
	lockStagedRuns = `SELECT s.project_uuid, s.run_uuid, s.state, s.project_name, s.has_task, s.want, s.boundaries, s.claim_until
		FROM staged_runs s JOIN unnest($1::text[], $2::text[]) AS k(p, r) ON s.project_uuid = k.p AND s.run_uuid = k.r
		ORDER BY s.project_uuid, s.run_uuid FOR UPDATE OF s`
	updateStagedRunCounts = `UPDATE staged_runs SET has_task = $1, want = $2, boundaries = $3 WHERE project_uuid = $4 AND run_uuid = $5`
	claimStagedRun        = `UPDATE staged_runs SET claim_until = $1 WHERE project_uuid = $2 AND run_uuid = $3 AND claim_until < $4`
	setStagedRunState     = `UPDATE staged_runs SET state = $1, claim_until = 0 WHERE project_uuid = $2 AND run_uuid = $3`
	insertStagedSpans     = `INSERT INTO staged_spans (project_uuid, run_uuid, span_id, task, want, data)
		SELECT $1::text, $2::text, i, t, w, d FROM unnest($3::bytea[], $4::boolean[], $5::bigint[], $6::bytea[]) AS x(i, t, w, d)
		ON CONFLICT (project_uuid, run_uuid, span_id) DO NOTHING
		RETURNING task, want`
	selectStagedSpans = `SELECT span_id, task, want, data FROM staged_spans WHERE project_uuid = $1 AND run_uuid = $2 ORDER BY seq`
	deleteStagedSpans = `DELETE FROM staged_spans WHERE project_uuid = $1 AND run_uuid = $2`
	replaceLog        = `UPDATE logs SET record = $1, replay_from = $2 WHERE project_uuid = $3 AND task_name = $4 AND uuid = $5`

	// A run to sweep: with its task-run span, claimed by no one, and either
	// complete or pending past the wait. Runs another server has locked
	// are left to it.
	selectRunsToSweep = `SELECT project_uuid, run_uuid, project_name FROM staged_runs
		WHERE state IN ('pending', 'incomplete') AND has_task AND claim_until < $1
		AND ((want >= 0 AND boundaries >= want) OR (state = 'pending' AND first_at < $2))
		ORDER BY first_at LIMIT $3 FOR UPDATE SKIP LOCKED`
	// Runs to drop: past the retention, claimed by no one, and either
	// without their task-run span (orphans) or assembled (done or
	// incomplete). Their spans are deleted by a second statement, whose
	// snapshot holds the spans a server staging into such a run committed
	// while the first waited for its row.
	dropOrphanRuns = `DELETE FROM staged_runs
		WHERE state = 'pending' AND NOT has_task AND first_at < $1 AND claim_until < $2
		RETURNING project_uuid, run_uuid, boundaries`
	dropClosedRuns = `DELETE FROM staged_runs
		WHERE state IN ('done', 'incomplete') AND first_at < $1 AND claim_until < $2
		RETURNING project_uuid, run_uuid, 0::bigint`
	dropRunSpans = `DELETE FROM staged_spans sp USING unnest($1::text[], $2::text[]) AS k(p, r)
		WHERE sp.project_uuid = k.p AND sp.run_uuid = k.r`
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

// sortedKeys returns the distinct keys, in key order, as two arrays.
func sortedKeys(keys []server.RunKey) ([]string, []string) {
	keys = slices.Clone(keys)
	slices.SortFunc(keys, func(a, b server.RunKey) int {
		return cmp.Or(cmp.Compare(a.ProjectUUID, b.ProjectUUID), cmp.Compare(a.RunUUID, b.RunUUID))
	})
	keys = slices.Compact(keys)
	ps, rs := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		ps[i], rs[i] = k.ProjectUUID, k.RunUUID
	}
	return ps, rs
}

// lockStaged locks and reads the rows of runs; runs without a row are not in
// the map.
func lockStaged(ctx context.Context, tx pgx.Tx, ps, rs []string) (map[server.RunKey]*stagedRun, error) {
	out := make(map[server.RunKey]*stagedRun, len(ps))
	if len(ps) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, lockStagedRuns, ps, rs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k server.RunKey
		r := &stagedRun{found: true}
		if err := rows.Scan(&k.ProjectUUID, &k.RunUUID, &r.state, &r.name, &r.hasTask, &r.want, &r.boundaries, &r.claimUntil); err != nil {
			return nil, err
		}
		out[k] = r
	}
	return out, rows.Err()
}

// StageSpans implements server.SpanStager: one transaction. A run's row is
// created (unless it exists) and locked before its spans are staged.
func (s *Store) StageSpans(ctx context.Context, runs []server.StagedRun, now, claimUntil time.Time) (server.StageResult, error) {
	if err := ctx.Err(); err != nil {
		return server.StageResult{}, wrap("stage spans", err)
	}
	var keys []server.RunKey
	names := map[server.RunKey]string{}
	for i := range runs {
		if len(runs[i].Spans) == 0 {
			continue
		}
		if _, ok := names[runs[i].Key]; !ok {
			names[runs[i].Key] = runs[i].ProjectName
		}
		keys = append(keys, runs[i].Key)
	}
	ps, rs := sortedKeys(keys)
	ns := make([]string, len(ps))
	for i := range ps {
		ns[i] = names[server.RunKey{ProjectUUID: ps[i], RunUUID: rs[i]}]
	}
	var res server.StageResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		res = server.StageResult{}
		if len(ps) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, insertStagedRuns, ps, rs, ns, nanos(now)); err != nil {
			return err
		}
		staged, err := lockStaged(ctx, tx, ps, rs)
		if err != nil {
			return err
		}
		for i := range runs {
			if len(runs[i].Spans) == 0 {
				continue
			}
			if err := stageRun(ctx, tx, &runs[i], staged[runs[i].Key], nanos(now), nanos(claimUntil), &res); err != nil {
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

// stageRun stages the spans of one run, whose row r is locked, and, when
// they complete it, claims it and adds it to res.Ready.
func stageRun(ctx context.Context, tx pgx.Tx, run *server.StagedRun, r *stagedRun, now, claimUntil int64, res *server.StageResult) error {
	if r == nil {
		return fmt.Errorf("run %q: staged row not found", run.Key.RunUUID)
	}
	if r.state == runDone {
		return nil
	}
	key := run.Key
	var ids, data [][]byte
	var tasks []bool
	var wants []int64
	hasTask := r.hasTask
	for _, sp := range run.Spans {
		if sp.Task {
			if hasTask {
				continue // a copy, or a second task-run span: the first wins
			}
			hasTask = true
		}
		ids, tasks, wants, data = append(ids, sp.SpanID[:]), append(tasks, sp.Task), append(wants, sp.Want), append(data, sp.Data)
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, insertStagedSpans, key.ProjectUUID, key.RunUUID, ids, tasks, wants, data)
	if err != nil {
		return err
	}
	added := 0
	var task bool
	var want int64
	_, err = pgx.ForEachRow(rows, []any{&task, &want}, func() error {
		added++
		if task {
			r.hasTask, r.want = true, want
		} else {
			r.boundaries++
		}
		return nil
	})
	if err != nil {
		return err
	}
	res.Staged += added
	if added == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, updateStagedRunCounts, r.hasTask, r.want, r.boundaries, key.ProjectUUID, key.RunUUID); err != nil {
		return err
	}
	if !r.complete() || r.claimUntil >= now {
		return nil
	}
	ready, err := claimRun(ctx, tx, key, r.name, now, claimUntil)
	if err != nil || ready == nil {
		return err
	}
	r.claimUntil = claimUntil
	res.Ready = append(res.Ready, *ready)
	return nil
}

// claimRun claims a run until claimUntil unless someone holds a claim at
// now, and returns it with its staged spans; nil when it is claimed.
func claimRun(ctx context.Context, tx pgx.Tx, key server.RunKey, projectName string, now, claimUntil int64) (*server.StagedRun, error) {
	tag, err := tx.Exec(ctx, claimStagedRun, claimUntil, key.ProjectUUID, key.RunUUID, now)
	if err != nil || tag.RowsAffected() == 0 {
		return nil, err
	}
	rows, err := tx.Query(ctx, selectStagedSpans, key.ProjectUUID, key.RunUUID)
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

// FinishRuns implements server.SpanStager: one transaction, with the rows
// of the runs locked.
func (s *Store) FinishRuns(ctx context.Context, runs []server.AssembledRun) ([]server.FinishResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap("finish runs", err)
	}
	keys := make([]server.RunKey, len(runs))
	batches := make([]*batch, len(runs))
	for i := range runs {
		keys[i] = runs[i].Key
		if !runs[i].Refused {
			batches[i] = s.newBatch([]server.IngestEntry{runs[i].Entry})
		}
	}
	ps, rs := sortedKeys(keys)
	var out []server.FinishResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		out = make([]server.FinishResult, len(runs))
		staged, err := lockStaged(ctx, tx, ps, rs)
		if err != nil {
			return err
		}
		for i := range runs {
			r, err := finish(ctx, tx, &runs[i], batches[i], staged)
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
func finish(ctx context.Context, tx pgx.Tx, run *server.AssembledRun, b *batch, staged map[server.RunKey]*stagedRun) (server.FinishResult, error) {
	key := run.Key
	r := staged[key]
	if r == nil {
		r = &stagedRun{want: -1}
	}
	if r.state == runDone {
		return server.FinishResult{}, nil
	}
	if run.Refused {
		return server.FinishResult{}, closeRun(ctx, tx, key, r, runDone)
	}
	if run.Incomplete && r.state == runIncomplete {
		return server.FinishResult{}, nil // its incomplete record is stored
	}
	if run.Entry.Log.ProjectUUID != key.ProjectUUID {
		return server.FinishResult{Err: fmt.Errorf("record of run %q: project %q is not the run's %q: %w",
			key.RunUUID, run.Entry.Log.ProjectUUID, key.ProjectUUID, server.ErrInvalid)}, nil
	}
	puts, err := b.put(ctx, tx)
	if err != nil {
		return server.FinishResult{}, err
	}
	put := puts[0]
	if put.Err != nil {
		return server.FinishResult{Err: put.Err}, nil
	}
	res := server.FinishResult{Created: put.Created}
	if !put.Created && !run.Incomplete && r.state == runIncomplete {
		e := b.entries[0].Log
		if _, err := tx.Exec(ctx, replaceLog, []byte(e.Record), e.ReplayFrom, e.ProjectUUID, e.TaskName, e.UUID); err != nil {
			return server.FinishResult{}, err
		}
		res.Replaced = true
	}
	state := runDone
	if run.Incomplete {
		state = runIncomplete
	}
	return res, closeRun(ctx, tx, key, r, state)
}

// closeRun sets the state of a run that has a row (a run assembled from
// one export has none), removing its staged spans when it is done.
func closeRun(ctx context.Context, tx pgx.Tx, key server.RunKey, r *stagedRun, state string) error {
	if !r.found {
		return nil
	}
	r.state = state
	if _, err := tx.Exec(ctx, setStagedRunState, state, key.ProjectUUID, key.RunUUID); err != nil {
		return err
	}
	if state != runDone {
		return nil
	}
	_, err := tx.Exec(ctx, deleteStagedSpans, key.ProjectUUID, key.RunUUID)
	return err
}

// SweepRuns implements server.SpanStager: one transaction.
func (s *Store) SweepRuns(ctx context.Context, req server.SweepRequest) (server.SweepResult, error) {
	if err := ctx.Err(); err != nil {
		return server.SweepResult{}, wrap("sweep runs", err)
	}
	var limit any // NULL: no limit
	if req.Limit > 0 {
		limit = req.Limit
	}
	now, until, drop := nanos(req.Now), nanos(req.ClaimUntil), nanos(req.DropBefore)
	var res server.SweepResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		res = server.SweepResult{}
		rows, err := tx.Query(ctx, selectRunsToSweep, now, nanos(req.IncompleteBefore), limit)
		if err != nil {
			return err
		}
		var keys []server.RunKey
		var names []string
		var k server.RunKey
		var name string
		_, err = pgx.ForEachRow(rows, []any{&k.ProjectUUID, &k.RunUUID, &name}, func() error {
			keys, names = append(keys, k), append(names, name)
			return nil
		})
		if err != nil {
			return err
		}
		for i, key := range keys {
			run, err := claimRun(ctx, tx, key, names[i], now, until)
			if err != nil {
				return err
			}
			if run != nil {
				res.Runs = append(res.Runs, *run)
			}
		}
		var ps, rs []string
		for _, q := range []string{dropOrphanRuns, dropClosedRuns} {
			rows, err := tx.Query(ctx, q, drop, now)
			if err != nil {
				return err
			}
			var p, r string
			var spans int64
			_, err = pgx.ForEachRow(rows, []any{&p, &r, &spans}, func() error {
				ps, rs = append(ps, p), append(rs, r)
				res.DroppedSpans += int(spans)
				return nil
			})
			if err != nil {
				return err
			}
		}
		res.DroppedRuns = len(ps)
		if len(ps) == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, dropRunSpans, ps, rs)
		return err
	})
	if err != nil {
		return server.SweepResult{}, wrap("sweep runs", err)
	}
	return res, nil
}
