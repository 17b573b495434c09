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
	updateStagedRun   = `UPDATE staged_runs SET has_task = $1, want = $2, boundaries = $3, claim_until = $4 WHERE project_uuid = $5 AND run_uuid = $6`
	claimStagedRun    = `UPDATE staged_runs SET claim_until = $1 WHERE project_uuid = $2 AND run_uuid = $3 AND claim_until < $4`
	setStagedRunState = `UPDATE staged_runs SET state = $1, claim_until = 0 WHERE project_uuid = $2 AND run_uuid = $3`
	insertStagedSpans = `INSERT INTO staged_spans (project_uuid, run_uuid, span_id, task, want, data)
		SELECT $1::text, $2::text, i, t, w, d FROM unnest($3::bytea[], $4::boolean[], $5::bigint[], $6::bytea[]) AS x(i, t, w, d)
		ON CONFLICT (project_uuid, run_uuid, span_id) DO NOTHING
		RETURNING task, want`
	selectStagedSpans = `SELECT span_id, task, want, data FROM staged_spans WHERE project_uuid = $1 AND run_uuid = $2 ORDER BY seq`
	deleteStagedSpans = `DELETE FROM staged_spans WHERE project_uuid = $1 AND run_uuid = $2`
	replaceLog        = `UPDATE logs SET record = $1, replay_from = $2, outcome = $3, run_start = COALESCE($4, created_at), duration = $5
		WHERE project_uuid = $6 AND task_name = $7 AND uuid = $8`

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

// StageSpans implements server.SpanStager: one transaction. The rows of the
// call's runs are created (unless they exist) and locked before their spans
// are counted; the statements of the runs are sent in pipelined batches, so
// a call costs a few round trips whatever its number of runs. Runs of the
// same key in one call are staged as one.
func (s *Store) StageSpans(ctx context.Context, runs []server.StagedRun, now, claimUntil time.Time) (server.StageResult, error) {
	if err := ctx.Err(); err != nil {
		return server.StageResult{}, wrap("stage spans", err)
	}
	runs = mergeRuns(runs)
	keys := make([]server.RunKey, len(runs))
	names := map[server.RunKey]string{}
	for i := range runs {
		keys[i] = runs[i].Key
		names[runs[i].Key] = runs[i].ProjectName
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
		return stageRuns(ctx, tx, runs, staged, nanos(now), nanos(claimUntil), &res)
	})
	if err != nil {
		return server.StageResult{}, wrap("stage spans", err)
	}
	return res, nil
}

// mergeRuns returns the runs with spans, those of one key merged into the
// first of them, in order.
func mergeRuns(runs []server.StagedRun) []server.StagedRun {
	at := map[server.RunKey]int{}
	out := make([]server.StagedRun, 0, len(runs))
	for _, r := range runs {
		if len(r.Spans) == 0 {
			continue
		}
		if i, ok := at[r.Key]; ok {
			out[i].Spans = append(slices.Clip(out[i].Spans), r.Spans...)
			continue
		}
		at[r.Key] = len(out)
		out = append(out, r)
	}
	return out
}

// stageRuns stages the spans of runs, whose rows in staged are locked, and
// claims the runs they complete, adding them to res.Ready.
func stageRuns(ctx context.Context, tx pgx.Tx, runs []server.StagedRun, staged map[server.RunKey]*stagedRun, now, claimUntil int64, res *server.StageResult) error {
	// First batch: the spans of each run.
	var inserts pgx.Batch
	var inserted []int // runs with an insert, in batch order
	for i := range runs {
		r := staged[runs[i].Key]
		if r == nil {
			return fmt.Errorf("run %q: staged row not found", runs[i].Key.RunUUID)
		}
		if r.state == runDone {
			continue
		}
		var ids, data [][]byte
		var tasks []bool
		var wants []int64
		hasTask := r.hasTask
		for _, sp := range runs[i].Spans {
			if sp.Task {
				if hasTask {
					continue // a copy, or a second task-run span: the first wins
				}
				hasTask = true
			}
			ids, tasks, wants, data = append(ids, sp.SpanID[:]), append(tasks, sp.Task), append(wants, sp.Want), append(data, sp.Data)
		}
		inserts.Queue(insertStagedSpans, runs[i].Key.ProjectUUID, runs[i].Key.RunUUID, ids, tasks, wants, data)
		inserted = append(inserted, i)
	}
	if len(inserted) == 0 {
		return nil
	}
	added := make([]int, len(inserted))
	err := sendBatch(ctx, tx, &inserts, func(br pgx.BatchResults) error {
		for j, i := range inserted {
			r := staged[runs[i].Key]
			rows, err := br.Query()
			if err != nil {
				return err
			}
			var task bool
			var want int64
			_, err = pgx.ForEachRow(rows, []any{&task, &want}, func() error {
				added[j]++
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
		}
		return nil
	})
	if err != nil {
		return err
	}

	// Second batch: the counts of the runs that took spans, and the claims
	// of those complete. The rows are locked: a claim made here is won.
	var updates pgx.Batch
	var claimed []int
	for j, i := range inserted {
		if added[j] == 0 {
			continue
		}
		res.Staged += added[j]
		key, r := runs[i].Key, staged[runs[i].Key]
		claim := r.complete() && r.claimUntil < now
		if claim {
			r.claimUntil = claimUntil
			claimed = append(claimed, i)
		}
		updates.Queue(updateStagedRun, r.hasTask, r.want, r.boundaries, r.claimUntil, key.ProjectUUID, key.RunUUID)
		if claim {
			updates.Queue(selectStagedSpans, key.ProjectUUID, key.RunUUID)
		}
	}
	if updates.Len() == 0 {
		return nil
	}
	return sendBatch(ctx, tx, &updates, func(br pgx.BatchResults) error {
		next := 0
		for j, i := range inserted {
			if added[j] == 0 {
				continue
			}
			if _, err := br.Exec(); err != nil {
				return err
			}
			if next == len(claimed) || claimed[next] != i {
				continue
			}
			next++
			rows, err := br.Query()
			if err != nil {
				return err
			}
			run, err := readSpans(rows, runs[i].Key, staged[runs[i].Key].name)
			if err != nil {
				return err
			}
			res.Ready = append(res.Ready, *run)
		}
		return nil
	})
}

// sendBatch sends b in tx, has read read its results in order, and closes
// them.
func sendBatch(ctx context.Context, tx pgx.Tx, b *pgx.Batch, read func(pgx.BatchResults) error) error {
	br := tx.SendBatch(ctx, b)
	err := read(br)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

// readSpans returns the run with the staged spans rows holds (from
// selectStagedSpans).
func readSpans(rows pgx.Rows, key server.RunKey, projectName string) (*server.StagedRun, error) {
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
	return readSpans(rows, key, projectName)
}

// FinishRuns implements server.SpanStager: one transaction, with the rows
// of the runs locked. The records of the call are stored together, as one
// Ingest batch, and the runs closed in one pipelined batch.
func (s *Store) FinishRuns(ctx context.Context, runs []server.AssembledRun) ([]server.FinishResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap("finish runs", err)
	}
	keys := make([]server.RunKey, len(runs))
	entries := make([]server.IngestEntry, len(runs))
	for i := range runs {
		keys[i], entries[i] = runs[i].Key, runs[i].Entry
	}
	all := s.newBatch(entries) // a refused run's entry is not read
	ps, rs := sortedKeys(keys)
	var out []server.FinishResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		out = make([]server.FinishResult, len(runs))
		staged, err := lockStaged(ctx, tx, ps, rs)
		if err != nil {
			return err
		}
		return finishRuns(ctx, tx, runs, all, staged, out)
	})
	if err != nil {
		return nil, wrap("finish runs", err)
	}
	return out, nil
}

// finishStep is what FinishRuns does with one run.
type finishStep struct {
	put      bool   // store the run's record
	replace  bool   // replace the stored record when it is not created
	closeTo  string // the state the run's row is set to; "" to leave it
	putIndex int    // the record's index in the batch put
}

// finishRuns stores the records of runs and closes them, setting out; all
// holds the runs' entries, validated and stamped, and staged the locked rows
// of the runs, kept up to date.
func finishRuns(ctx context.Context, tx pgx.Tx, runs []server.AssembledRun, all *batch, staged map[server.RunKey]*stagedRun, out []server.FinishResult) error {
	steps := make([]finishStep, len(runs))
	put := &batch{}
	for i := range runs {
		run := &runs[i]
		r := staged[run.Key]
		if r == nil {
			r = &stagedRun{want: -1}
		}
		state := runDone
		switch {
		case r.state == runDone:
			continue
		case run.Refused:
		case run.Incomplete && r.state == runIncomplete:
			continue // its incomplete record is stored
		case run.Entry.Log.ProjectUUID != run.Key.ProjectUUID:
			out[i].Err = fmt.Errorf("record of run %q: project %q is not the run's %q: %w",
				run.Key.RunUUID, run.Entry.Log.ProjectUUID, run.Key.ProjectUUID, server.ErrInvalid)
			continue
		case all.invalid[i] != nil:
			out[i].Err = all.invalid[i]
			continue
		default:
			steps[i] = finishStep{put: true, replace: !run.Incomplete && r.state == runIncomplete, putIndex: len(put.entries)}
			put.entries, put.invalid = append(put.entries, all.entries[i]), append(put.invalid, nil)
			if run.Incomplete {
				state = runIncomplete
			}
		}
		if r.found {
			steps[i].closeTo, r.state = state, state
		}
	}
	var results []server.PutLogResult
	if len(put.entries) > 0 {
		var err error
		if results, err = put.put(ctx, tx); err != nil {
			return err
		}
	}
	var closes pgx.Batch
	for i, st := range steps {
		key := runs[i].Key
		if st.put {
			out[i].Created = results[st.putIndex].Created
			if st.replace && !out[i].Created {
				e := &put.entries[st.putIndex].Log
				sum := server.SummarizeRecord(e.Record)
				var start, duration *int64 // nil: the stored created_at; no duration
				if !sum.Start.IsZero() {
					start = new(nanos(sum.Start))
				}
				if sum.HasDuration {
					duration = new(int64(sum.Duration))
				}
				closes.Queue(replaceLog, []byte(e.Record), e.ReplayFrom, sum.Type, start, duration, e.ProjectUUID, e.TaskName, e.UUID)
				out[i].Replaced = true
			}
		}
		if st.closeTo != "" {
			closes.Queue(setStagedRunState, st.closeTo, key.ProjectUUID, key.RunUUID)
			if st.closeTo == runDone {
				closes.Queue(deleteStagedSpans, key.ProjectUUID, key.RunUUID)
			}
		}
	}
	if closes.Len() == 0 {
		return nil
	}
	return sendBatch(ctx, tx, &closes, func(br pgx.BatchResults) error {
		for range closes.Len() {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		return nil
	})
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
