package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/internal/run"
)

// Statements of Ingest: each writes or reads the rows of a whole call,
// passed as arrays, in key order, so that concurrent calls lock rows in
// the same order.
const (
	insertProjects = `INSERT INTO projects (uuid, name, description, created_at)
		SELECT u, n, '', c FROM unnest($1::text[], $2::text[], $3::bigint[]) AS x(u, n, c) ORDER BY u
		ON CONFLICT (uuid) DO NOTHING`
	selectProjectNames = `SELECT uuid, name FROM projects WHERE uuid = ANY($1::text[])`
	selectTasksByName  = `SELECT t.project_uuid, t.name, t.uuid FROM tasks t
		JOIN unnest($1::text[], $2::text[]) AS k(p, n) ON t.project_uuid = k.p AND t.name = k.n`
	insertLogs = `INSERT INTO logs (project_uuid, task_name, uuid, task_uuid, record, replay_from, quality, created_at,
			outcome, run_start, duration, quality_score)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::text[], $7::bytea[], $8::bigint[],
			$9::text[], $10::bigint[], $11::bigint[], $12::float8[])
		ON CONFLICT (project_uuid, task_name, uuid) DO NOTHING
		RETURNING project_uuid, task_name, uuid`
	selectLogsByKey = `SELECT ` + logColumns + logFrom + `
		JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(p, t, u) ON l.project_uuid = k.p AND l.task_name = k.t AND l.uuid = k.u`
)

// Ingest implements server.Store: one transaction, so the entries, and the
// projects and tasks they register, commit together or not at all. The
// records of a call are inserted with one statement. A created entry's
// Record is the slice passed in; an entry found stored is read back.
func (s *Store) Ingest(ctx context.Context, entries []server.IngestEntry) ([]server.PutLogResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap("ingest", err)
	}
	if len(entries) == 0 {
		return []server.PutLogResult{}, nil
	}
	b := s.newBatch(entries)
	var out []server.PutLogResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = b.put(ctx, tx)
		return err
	})
	if err != nil {
		return nil, wrap("ingest", err)
	}
	return out, nil
}

// batch is the entries of one Ingest (or FinishRuns) call, validated and
// stamped once, so that a transaction run again stores the same.
type batch struct {
	entries []server.IngestEntry // Log.CreatedAt stamped
	invalid []error              // per entry: why it is not stored
}

func (s *Store) newBatch(entries []server.IngestEntry) *batch {
	b := &batch{entries: make([]server.IngestEntry, len(entries)), invalid: make([]error, len(entries))}
	for i, e := range entries {
		if err := e.Validate(); err != nil {
			b.invalid[i] = wrap("ingest", err)
			continue
		}
		e.Log.CreatedAt = s.stamp(e.Log.CreatedAt)
		b.entries[i] = e
	}
	return b
}

type taskKey struct{ project, name string }

// put stores the batch in tx and returns one result per entry.
func (b *batch) put(ctx context.Context, tx pgx.Tx) ([]server.PutLogResult, error) {
	out := make([]server.PutLogResult, len(b.entries))
	names, err := b.projects(ctx, tx)
	if err != nil {
		return nil, err
	}
	tasks, takenBy, err := b.tasks(ctx, tx)
	if err != nil {
		return nil, err
	}

	// The first entry of each key, in key order.
	first := map[server.LogKey]int{}
	var order []int
	for i := range b.entries {
		if b.invalid[i] != nil {
			continue
		}
		k := b.entries[i].Log.Key()
		if _, dup := first[k]; !dup {
			first[k] = i
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(x, y int) int { return compareKeys(b.entries[x].Log.Key(), b.entries[y].Log.Key()) })

	cols := make([][]string, 5) // project, task, uuid, task uuid, replay from
	for c := range cols {
		cols[c] = make([]string, 0, len(order))
	}
	records := make([][]byte, 0, len(order))
	qualities := make([][]byte, 0, len(order))
	created := make([]int64, 0, len(order))
	var sums summaryColumns
	for _, i := range order {
		e := &b.entries[i].Log
		cols[0] = append(cols[0], e.ProjectUUID)
		cols[1] = append(cols[1], e.TaskName)
		cols[2] = append(cols[2], e.UUID)
		cols[3] = append(cols[3], tasks[taskKey{e.ProjectUUID, e.TaskName}])
		cols[4] = append(cols[4], e.ReplayFrom)
		records = append(records, e.Record)
		qualities = append(qualities, e.Quality)
		created = append(created, nanos(e.CreatedAt))
		sums.add(e)
	}
	rows, err := tx.Query(ctx, insertLogs, cols[0], cols[1], cols[2], cols[3], records, cols[4], qualities, created,
		sums.outcomes, sums.runStarts, sums.durations, sums.scores)
	if err != nil {
		return nil, err
	}
	inserted := map[server.LogKey]bool{}
	var k server.LogKey
	_, err = pgx.ForEachRow(rows, []any{&k.ProjectUUID, &k.TaskName, &k.UUID}, func() error {
		inserted[k] = true
		return nil
	})
	if err != nil {
		return nil, err
	}

	stored, err := readBack(ctx, tx, order, b.entries, inserted)
	if err != nil {
		return nil, err
	}
	for i := range b.entries {
		if b.invalid[i] != nil {
			out[i] = server.PutLogResult{Err: b.invalid[i]}
			continue
		}
		e := b.entries[i].Log
		key := e.Key()
		switch {
		case first[key] != i:
			out[i] = server.PutLogResult{Entry: out[first[key]].Entry}
		case inserted[key]:
			e.ProjectName = names[e.ProjectUUID]
			e.TaskUUID = tasks[taskKey{e.ProjectUUID, e.TaskName}]
			out[i] = server.PutLogResult{Entry: e, Created: true}
		default:
			se, ok := stored[key]
			if !ok {
				return nil, fmt.Errorf("read back stored record %q: not found", e.UUID)
			}
			out[i] = server.PutLogResult{Entry: se}
		}
		if n, ok := takenBy[i]; ok {
			out[i].TaskUUIDTakenBy = n
		}
	}
	return out, nil
}

// readBack reads the stored records of the keys (of entries at order) not
// inserted.
func readBack(ctx context.Context, tx pgx.Tx, order []int, entries []server.IngestEntry, inserted map[server.LogKey]bool) (map[server.LogKey]server.StoredLog, error) {
	var ps, ts, us []string
	for _, i := range order {
		k := entries[i].Log.Key()
		if !inserted[k] {
			ps, ts, us = append(ps, k.ProjectUUID), append(ts, k.TaskName), append(us, k.UUID)
		}
	}
	out := map[server.LogKey]server.StoredLog{}
	if len(ps) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, selectLogsByKey, ps, ts, us)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanLog(rows)
		if err != nil {
			return nil, err
		}
		out[e.Key()] = e
	}
	return out, rows.Err()
}

func compareKeys(a, b server.LogKey) int {
	return cmp.Or(cmp.Compare(a.ProjectUUID, b.ProjectUUID), cmp.Compare(a.TaskName, b.TaskName), cmp.Compare(a.UUID, b.UUID))
}

// projects registers the batch's unknown projects, each named and dated by
// its first entry, and returns the name of every project of the batch.
func (b *batch) projects(ctx context.Context, tx pgx.Tx) (map[string]string, error) {
	seen := map[string]bool{}
	var uuids, names []string
	var created []int64
	for i := range b.entries {
		if b.invalid[i] != nil || seen[b.entries[i].Log.ProjectUUID] {
			continue
		}
		e := &b.entries[i]
		seen[e.Log.ProjectUUID] = true
		uuids, names, created = append(uuids, e.Log.ProjectUUID), append(names, e.ProjectName), append(created, nanos(e.Log.CreatedAt))
	}
	out := map[string]string{}
	if len(uuids) == 0 {
		return out, nil
	}
	if _, err := tx.Exec(ctx, insertProjects, uuids, names, created); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, selectProjectNames, uuids)
	if err != nil {
		return nil, err
	}
	var id, name string
	_, err = pgx.ForEachRow(rows, []any{&id, &name}, func() error {
		out[id] = name
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) != len(uuids) {
		return nil, errors.New("a project registered by the call is not stored")
	}
	return out, nil
}

// tasks registers the batch's unknown tasks, in the order of their first
// entries, and returns the uuid of every task of the batch, and, by entry
// index, the name of the task holding the uuid an entry asked for when it
// registered its task under a new uuid.
func (b *batch) tasks(ctx context.Context, tx pgx.Tx) (map[taskKey]string, map[int]string, error) {
	firstOf := map[taskKey]int{}
	var keys []taskKey
	var ps, ns []string
	for i := range b.entries {
		if b.invalid[i] != nil {
			continue
		}
		k := taskKey{b.entries[i].Log.ProjectUUID, b.entries[i].Log.TaskName}
		if _, ok := firstOf[k]; !ok {
			firstOf[k] = i
			keys = append(keys, k)
			ps, ns = append(ps, k.project), append(ns, k.name)
		}
	}
	out := map[taskKey]string{}
	takenBy := map[int]string{}
	if len(keys) == 0 {
		return out, takenBy, nil
	}
	rows, err := tx.Query(ctx, selectTasksByName, ps, ns)
	if err != nil {
		return nil, nil, err
	}
	var k taskKey
	var id string
	_, err = pgx.ForEachRow(rows, []any{&k.project, &k.name, &id}, func() error {
		out[k] = id
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, k := range keys {
		if _, ok := out[k]; ok {
			continue
		}
		i := firstOf[k]
		id, taken, err := registerTask(ctx, tx, k, b.entries[i].TaskUUID, nanos(b.entries[i].Log.CreatedAt))
		if err != nil {
			return nil, nil, err
		}
		out[k] = id
		if taken != "" {
			takenBy[i] = taken
		}
	}
	return out, takenBy, nil
}

// registerTask registers the project's task named k.name, under wantUUID
// when no task of the project has it, else under a new uuid, then also
// returning the name of the task that has wantUUID. A task of the name
// registered meanwhile by another transaction is returned as is.
func registerTask(ctx context.Context, tx pgx.Tx, k taskKey, wantUUID string, createdAt int64) (string, string, error) {
	id, takenBy := wantUUID, ""
	for range 3 {
		if id == "" {
			id = run.NewUUID()
		}
		tag, err := tx.Exec(ctx, insertTask, k.project, id, k.name, "", createdAt, "")
		if err != nil {
			return "", "", err
		}
		if tag.RowsAffected() == 1 {
			return id, takenBy, nil
		}
		// The name or the uuid is taken: the name by another transaction
		// that registered the task first, or the uuid by another task.
		t, found, err := lookupTask(ctx, tx, selectTaskByName, k.project, k.name)
		if err != nil {
			return "", "", err
		}
		if found {
			return t.UUID, "", nil
		}
		owner, found, err := lookupTask(ctx, tx, selectTaskByUUID, k.project, id)
		if err != nil {
			return "", "", err
		}
		if found && id == wantUUID {
			takenBy = owner.Name
		}
		id = ""
	}
	return "", "", fmt.Errorf("register task %q of project %q: no free uuid", k.name, k.project)
}
