package server

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/hivetrace/hivetrace/internal/httpurl"

	"github.com/hivetrace/hivetrace/internal/run"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// handleGetProject answers a project and its tasks:
// GET /api/projects/{projectUuid}.
func (s *Server) handleGetProject(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("projectUuid")
	if err := checkID("projectUuid", id, false); err != nil {
		s.respondError(w, r, err)
		return
	}
	p, err := s.store.GetProject(r.Context(), id)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	tasks, err := s.store.ListTasks(r.Context(), id)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	resp := wire.ProjectResponse{Project: wire.Project{
		UUID: p.UUID, ProjectName: p.Name, Description: p.Description,
		CreatedAt: formatTime(p.CreatedAt), Tasks: make([]wire.Task, 0, len(tasks)),
	}}
	for _, t := range tasks {
		resp.Project.Tasks = append(resp.Project.Tasks, wire.Task{UUID: t.UUID, Name: t.Name, InvokeURL: t.InvokeURL, Description: t.Description})
	}
	writeJSON(w, http.StatusOK, resp)
}

type createProjectRequest struct {
	ProjectName string `json:"projectName"`
	Description string `json:"description"`
	UUID        string `json:"uuid"`
}

// handleCreateProject creates a project: POST /api/projects. Without uuid the
// server assigns a UUID v7. It answers 201, or 409 when the uuid is taken.
func (s *Server) handleCreateProject(w http.ResponseWriter, r *http.Request) {
	var req createProjectRequest
	if err := decodeBody(w, r, s.cfg.maxBodyBytes, &req); err != nil {
		s.respondError(w, r, err)
		return
	}
	if err := checkName("projectName", req.ProjectName); err != nil {
		s.respondError(w, r, err)
		return
	}
	if err := checkID("uuid", req.UUID, true); err != nil {
		s.respondError(w, r, err)
		return
	}
	if req.UUID == "" {
		req.UUID = run.NewUUID()
	}
	p, created, err := s.store.EnsureProject(r.Context(), Project{
		UUID: req.UUID, Name: req.ProjectName, Description: req.Description, CreatedAt: s.cfg.clock().UTC(),
	})
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	if !created {
		s.respondError(w, r, errorf(http.StatusConflict, "project %q already exists", p.UUID))
		return
	}
	writeJSON(w, http.StatusCreated, wire.ProjectResponse{Project: wire.Project{UUID: p.UUID, ProjectName: p.Name, Description: p.Description}})
}

// syncTask is a task in a sync request. A nil InvokeURL keeps the stored
// one; an empty one removes it.
type syncTask struct {
	UUID      string  `json:"uuid"`
	Name      string  `json:"name"`
	InvokeURL *string `json:"invokeUrl"`
}

type syncRequest struct {
	ProjectName *string    `json:"projectName"`
	Description *string    `json:"description"`
	Tasks       []syncTask `json:"tasks"`
}

// handleSyncProject makes the server's view of a project match the request:
// POST /api/projects/{projectUuid}/sync.
//
// The project is created when unknown (named projectName, else "local") and
// otherwise renamed or re-described when those fields are sent. Each task is
// matched by name: new ones are created (with their uuid, or a new one),
// known ones get the sent uuid and invokeUrl. Tasks the request does not
// mention are kept. It answers Forge Hive's summary (wire.SyncResponse):
// summary.total counts every task sent, results list the created and the
// updated ones (a task matched by name keeps it, so previousName is that
// name); results.errors is always empty, because a request with a bad task
// is refused whole. invokeUrl, an absolute http or https URL of at most 2048
// bytes, is how a task is registered for invoke; another one is answered 400
// naming the field (tasks[i].invokeUrl). Everything is validated before
// anything is written.
func (s *Server) handleSyncProject(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("projectUuid")
	if err := checkID("projectUuid", id, false); err != nil {
		s.respondError(w, r, err)
		return
	}
	var req syncRequest
	if err := decodeBody(w, r, s.cfg.maxBodyBytes, &req); err != nil {
		s.respondError(w, r, err)
		return
	}
	if err := validateSync(&req); err != nil {
		s.respondError(w, r, err)
		return
	}
	ctx := r.Context()
	name := LocalName
	if req.ProjectName != nil {
		name = *req.ProjectName
	}
	desc := ""
	if req.Description != nil {
		desc = *req.Description
	}
	p, created, err := s.store.EnsureProject(ctx, Project{UUID: id, Name: name, Description: desc, CreatedAt: s.cfg.clock().UTC()})
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	if !created && ((req.ProjectName != nil && *req.ProjectName != p.Name) || (req.Description != nil && *req.Description != p.Description)) {
		if req.ProjectName != nil {
			p.Name = *req.ProjectName
		}
		if req.Description != nil {
			p.Description = *req.Description
		}
		if err := s.store.UpdateProject(ctx, p); err != nil {
			s.respondError(w, r, err)
			return
		}
	}
	resp := wire.SyncResponse{
		ProjectUUID: p.UUID, ProjectName: p.Name,
		Summary: wire.SyncSummary{Total: len(req.Tasks)},
		Results: wire.SyncResults{Created: []wire.SyncCreated{}, Updated: []wire.SyncUpdated{}, Errors: []wire.SyncError{}},
	}

	existing, err := s.store.ListTasks(ctx, id)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	planned, err := planSync(id, existing, req.Tasks)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	for _, pt := range planned {
		if pt.unchanged {
			continue
		}
		created, err := s.store.PutTask(ctx, pt.task)
		if err != nil {
			s.respondError(w, r, err)
			return
		}
		if created {
			resp.Results.Created = append(resp.Results.Created, wire.SyncCreated{
				UUID: pt.task.UUID, TaskName: pt.task.Name, Action: wire.SyncActionCreated})
		} else {
			resp.Results.Updated = append(resp.Results.Updated, wire.SyncUpdated{
				UUID: pt.task.UUID, TaskName: pt.task.Name, Action: wire.SyncActionUpdated, PreviousName: pt.previousName})
		}
	}
	resp.Summary.Created, resp.Summary.Updated = len(resp.Results.Created), len(resp.Results.Updated)
	writeJSON(w, http.StatusOK, resp)
}

// validateSync checks a sync request before anything is written.
func validateSync(req *syncRequest) error {
	if req.ProjectName != nil {
		if err := checkName("projectName", *req.ProjectName); err != nil {
			return err
		}
	}
	names := map[string]bool{}
	uuids := map[string]bool{}
	for i, t := range req.Tasks {
		if err := checkName(fmt.Sprintf("tasks[%d].name", i), t.Name); err != nil {
			return err
		}
		if names[t.Name] {
			return errorf(http.StatusBadRequest, "tasks[%d]: task %q appears twice", i, t.Name)
		}
		names[t.Name] = true
		if err := checkID(fmt.Sprintf("tasks[%d].uuid", i), t.UUID, true); err != nil {
			return err
		}
		if t.UUID != "" {
			if uuids[t.UUID] {
				return errorf(http.StatusBadRequest, "tasks[%d]: uuid %q appears twice", i, t.UUID)
			}
			uuids[t.UUID] = true
		}
		if t.InvokeURL != nil && *t.InvokeURL != "" {
			if err := checkInvokeURL(*t.InvokeURL); err != nil {
				return errorf(http.StatusBadRequest, "tasks[%d].invokeUrl: %v", i, err)
			}
		}
	}
	return nil
}

// maxInvokeURLBytes is the longest invoke URL a sync registers.
const maxInvokeURLBytes = 2048

// checkInvokeURL accepts absolute http and https URLs of at most
// maxInvokeURLBytes bytes: the rule of a sync, which registers invoke URLs,
// and of every invoke, which may meet a row stored before the rule.
func checkInvokeURL(s string) error {
	if len(s) > maxInvokeURLBytes {
		return fmt.Errorf("URL of %d bytes is longer than %d bytes", len(s), maxInvokeURLBytes)
	}
	_, err := httpurl.Parse(s)
	return err
}

// plannedTask is a task a sync writes, or leaves as it is.
type plannedTask struct {
	task         RegisteredTask
	previousName string // the stored task's name; empty for a new task
	unchanged    bool
}

// planSync merges the sent tasks into the stored ones and checks that the
// result keeps task uuids unique in the project.
func planSync(projectUUID string, existing []RegisteredTask, sent []syncTask) ([]plannedTask, error) {
	byName := make(map[string]RegisteredTask, len(existing))
	for _, t := range existing {
		byName[t.Name] = t
	}
	final := make(map[string]string, len(existing)+len(sent)) // name → uuid
	for _, t := range existing {
		final[t.Name] = t.UUID
	}
	out := make([]plannedTask, 0, len(sent))
	for _, st := range sent {
		old, ok := byName[st.Name]
		t := old
		if !ok {
			t = RegisteredTask{ProjectUUID: projectUUID, Name: st.Name, UUID: st.UUID}
			if t.UUID == "" {
				t.UUID = run.NewUUID()
			}
		} else if st.UUID != "" {
			t.UUID = st.UUID
		}
		if st.InvokeURL != nil {
			t.InvokeURL = *st.InvokeURL
		}
		final[t.Name] = t.UUID
		out = append(out, plannedTask{task: t, previousName: old.Name, unchanged: ok && t == old})
	}
	owners := make(map[string]string, len(final))
	names := make([]string, 0, len(final))
	for n := range final {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if other, dup := owners[final[n]]; dup {
			return nil, errorf(http.StatusConflict, "task uuid %q would be used by both %q and %q", final[n], other, n)
		}
		owners[final[n]] = n
	}
	return out, nil
}
