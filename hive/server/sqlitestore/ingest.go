package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/internal/run"
)

// Ingest implements server.Store: one write call, so the entries, and the
// projects and tasks they register, commit together or not at all. A created
// entry's Record is the slice passed in; an entry found stored is read back.
func (s *Store) Ingest(ctx context.Context, entries []server.IngestEntry) ([]server.PutLogResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap("ingest", err)
	}
	if len(entries) == 0 {
		return []server.PutLogResult{}, nil
	}
	out := make([]server.PutLogResult, len(entries))
	err := s.w.do(ctx, func(tx *wtx) error {
		in := ingester{s: s, tx: tx, projects: map[string]string{}, tasks: map[[2]string]string{}}
		for i := range entries {
			r, err := in.put(&entries[i])
			if err != nil {
				return err
			}
			out[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, wrap("ingest", err)
	}
	return out, nil
}

// ingester stores the entries of one Ingest call, remembering the projects
// and tasks it has found or registered.
type ingester struct {
	s        *Store
	tx       *wtx
	projects map[string]string    // uuid → name
	tasks    map[[2]string]string // (project uuid, task name) → task uuid
}

// put stores one entry. A storage failure is its error; an entry that cannot
// be stored gets the reason in its result.
func (in *ingester) put(entry *server.IngestEntry) (server.PutLogResult, error) {
	if err := entry.Validate(); err != nil {
		return server.PutLogResult{Err: wrap("ingest", err)}, nil
	}
	e := entry.Log
	e.CreatedAt = in.s.stamp(e.CreatedAt)
	var res server.PutLogResult
	var err error
	if e.ProjectName, err = in.project(e.ProjectUUID, entry.ProjectName, e.CreatedAt); err != nil {
		return server.PutLogResult{}, err
	}
	if e.TaskUUID, res.TaskUUIDTakenBy, err = in.task(e.ProjectUUID, e.TaskName, entry.TaskUUID, e.CreatedAt); err != nil {
		return server.PutLogResult{}, err
	}
	var quality any
	if e.Quality != nil {
		quality = string(e.Quality)
	}
	sum := summarize(e.Record, e.CreatedAt)
	r, err := in.tx.exec(insertLog, e.ProjectUUID, e.TaskName, e.UUID, e.TaskUUID, []byte(e.Record), e.ReplayFrom, quality, nanos(e.CreatedAt),
		sum.outcome, sum.runStart, sum.duration, qualityScore(e.Quality))
	if err != nil {
		return server.PutLogResult{}, err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return server.PutLogResult{}, err
	}
	if n == 1 {
		res.Entry, res.Created = e, true
		return res, nil
	}
	if res.Entry, err = scanLog(in.tx.queryRow(selectLog, e.ProjectUUID, e.TaskName, e.UUID)); err != nil {
		return server.PutLogResult{}, fmt.Errorf("read back stored record %q: %w", e.UUID, err)
	}
	return res, nil
}

// project returns the name of the project, registering it when unknown.
func (in *ingester) project(uuid, name string, createdAt time.Time) (string, error) {
	if stored, ok := in.projects[uuid]; ok {
		return stored, nil
	}
	p, err := scanProject(in.tx.queryRow(selectProject, uuid), uuid)
	switch {
	case err == nil:
		name = p.Name
	case errors.Is(err, server.ErrNotStored):
		if _, err := in.tx.exec(insertProject, uuid, name, "", nanos(createdAt)); err != nil {
			return "", err
		}
	default:
		return "", err
	}
	in.projects[uuid] = name
	return name, nil
}

// task returns the uuid of the project's task, registering it when unknown:
// under wantUUID when no task of the project has it, else under a new uuid,
// then also returning the name of the task that has wantUUID.
func (in *ingester) task(projectUUID, name, wantUUID string, createdAt time.Time) (string, string, error) {
	key := [2]string{projectUUID, name}
	if id, ok := in.tasks[key]; ok {
		return id, "", nil
	}
	t, found, err := lookupTask(in.tx, selectTaskByName, projectUUID, name)
	if err != nil {
		return "", "", err
	}
	if found {
		in.tasks[key] = t.UUID
		return t.UUID, "", nil
	}
	id, takenBy := wantUUID, ""
	if id != "" {
		owner, taken, err := lookupTask(in.tx, selectTaskByUUID, projectUUID, id)
		if err != nil {
			return "", "", err
		}
		if taken {
			id, takenBy = "", owner.Name
		}
	}
	if id == "" {
		id = run.NewUUID()
	}
	if _, err := in.tx.exec(insertTask, projectUUID, id, name, "", nanos(createdAt), ""); err != nil {
		return "", "", err
	}
	in.tasks[key] = id
	return id, takenBy, nil
}
