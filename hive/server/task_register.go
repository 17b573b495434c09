package server

import (
	"errors"
	"net/http"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// handleRegisterTask registers a task in a project, or describes it again:
// POST /api/projects/{projectUuid}/tasks/{taskUuid} with
// {"taskName","description"}.
//
// An unknown project is registered (named "local", as a sync does). A task
// uuid the project does not know registers the task under it (a task of the
// same name takes the uuid); a known one keeps its name, and a request naming
// it otherwise is answered 409. The description replaces the stored one. The
// answer is {"task":{"uuid","taskName","description","projectUuid",
// "createdAt"}}: 201 when the task was created, 200 otherwise.
func (s *Server) handleRegisterTask(w http.ResponseWriter, r *http.Request) {
	projectUUID, taskUUID, err := taskPath(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	var req wire.RegisterTaskRequest
	if err := decodeBody(w, r, s.cfg.maxBodyBytes, &req); err != nil {
		s.respondError(w, r, err)
		return
	}
	if err := checkName("taskName", req.TaskName); err != nil {
		s.respondError(w, r, err)
		return
	}
	if err := checkRoutable("taskName", req.TaskName); err != nil {
		s.respondError(w, r, err)
		return
	}
	ctx := r.Context()
	now := s.cfg.clock().UTC()
	if _, _, err := s.store.EnsureProject(ctx, Project{UUID: projectUUID, Name: LocalName, CreatedAt: now}); err != nil {
		s.respondError(w, r, err)
		return
	}
	created := false
	existing, err := s.store.GetTask(ctx, projectUUID, taskUUID)
	switch {
	case err == nil && existing.Name != req.TaskName:
		s.respondError(w, r, errorf(http.StatusConflict, "task uuid %q is registered as task %q, not %q", taskUUID, existing.Name, req.TaskName))
		return
	case err == nil:
	case errors.Is(err, ErrNotStored):
		created, err = s.store.PutTask(ctx, RegisteredTask{
			ProjectUUID: projectUUID, UUID: taskUUID, Name: req.TaskName, Description: req.Description, CreatedAt: now,
		})
		if err != nil {
			s.respondError(w, r, err)
			return
		}
	default:
		s.respondError(w, r, err)
		return
	}
	if !created {
		if err := s.store.DescribeTask(ctx, projectUUID, taskUUID, req.Description); err != nil {
			s.respondError(w, r, err)
			return
		}
	}
	t, err := s.store.GetTask(ctx, projectUUID, taskUUID)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, wire.RegisterTaskResponse{Task: wire.RegisteredTask{
		UUID: t.UUID, TaskName: t.Name, Description: t.Description, ProjectUUID: t.ProjectUUID, CreatedAt: formatTime(t.CreatedAt),
	}})
}
