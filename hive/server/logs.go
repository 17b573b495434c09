package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// Listing page sizes.
const (
	// DefaultListLimit is the page size when the request gives none.
	DefaultListLimit = 20
	// MaxListLimit caps the page size.
	MaxListLimit = 100
)

// logKey reads the record key of a request: path values taskName and uuid,
// and the optional projectUuid query parameter.
func logKey(r *http.Request) (LogKey, error) {
	key := LogKey{
		ProjectUUID: r.URL.Query().Get("projectUuid"),
		TaskName:    r.PathValue("taskName"),
		UUID:        r.PathValue("uuid"),
	}
	if err := checkName("taskName", key.TaskName); err != nil {
		return LogKey{}, err
	}
	if err := checkID("uuid", key.UUID, false); err != nil {
		return LogKey{}, err
	}
	if err := checkID("projectUuid", key.ProjectUUID, true); err != nil {
		return LogKey{}, err
	}
	return key, nil
}

// handleGetLog answers the stored record: GET /api/tasks/{taskName}/logs/{uuid}.
func (s *Server) handleGetLog(w http.ResponseWriter, r *http.Request) {
	key, err := logKey(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	e, err := s.store.GetLog(r.Context(), key)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, json.RawMessage(e.Record))
}

// listEntry is one record in a listing.
type listEntry struct {
	UUID        string          `json:"uuid"`
	TaskName    string          `json:"taskName"`
	TaskUUID    string          `json:"taskUuid"`
	ProjectName string          `json:"projectName"`
	ProjectUUID string          `json:"projectUuid"`
	LogItem     json.RawMessage `json:"logItem"`
	ReplayFrom  *string         `json:"replayFrom"`
	Quality     json.RawMessage `json:"quality,omitempty"`
	CreatedAt   string          `json:"createdAt"`
}

type listResponse struct {
	Logs []listEntry `json:"logs"`
	Next string      `json:"next"`
}

// handleListLogs lists a task's records newest first:
// GET /api/tasks/{taskName}/logs?limit=&before=&projectUuid=.
//
// limit defaults to DefaultListLimit and is capped at MaxListLimit; before is
// the "next" value of the previous page; next is empty on the last page.
func (s *Server) handleListLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	query := LogQuery{ProjectUUID: q.Get("projectUuid"), TaskName: r.PathValue("taskName"), Limit: DefaultListLimit}
	if err := checkName("taskName", query.TaskName); err != nil {
		s.respondError(w, r, err)
		return
	}
	if err := checkID("projectUuid", query.ProjectUUID, true); err != nil {
		s.respondError(w, r, err)
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.respondError(w, r, errorf(http.StatusBadRequest, "limit must be a positive integer, got %q", v))
			return
		}
		query.Limit = min(n, MaxListLimit)
	}
	if v := q.Get("before"); v != "" {
		c, err := decodeCursor(v)
		if err != nil {
			s.respondError(w, r, errorf(http.StatusBadRequest, "before: %v", err))
			return
		}
		query.Before = &c
	}
	pageSize := query.Limit
	query.Limit++ // one more tells whether a next page exists
	entries, err := s.store.ListLogs(r.Context(), query)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	resp := listResponse{Logs: make([]listEntry, 0, min(len(entries), pageSize))}
	if len(entries) > pageSize {
		entries = entries[:pageSize]
		resp.Next = encodeCursor(cursorOf(entries[len(entries)-1]))
	}
	for _, e := range entries {
		le := listEntry{
			UUID:        e.UUID,
			TaskName:    e.TaskName,
			TaskUUID:    e.TaskUUID,
			ProjectName: e.ProjectName,
			ProjectUUID: e.ProjectUUID,
			LogItem:     json.RawMessage(e.Record),
			Quality:     json.RawMessage(e.Quality),
			CreatedAt:   formatTime(e.CreatedAt),
		}
		if e.ReplayFrom != "" {
			le.ReplayFrom = &e.ReplayFrom
		}
		resp.Logs = append(resp.Logs, le)
	}
	writeJSON(w, http.StatusOK, resp)
}

// qualityRequest is the body of set-quality.
type qualityRequest struct {
	Quality json.RawMessage `json:"quality"`
	// ProjectUUID scopes the lookup like the projectUuid query parameter.
	ProjectUUID string `json:"projectUuid"`
}

// quality is what set-quality accepts.
type quality struct {
	Score       *float64 `json:"score"`
	Reason      *string  `json:"reason"`
	Suggestions *string  `json:"suggestions"`
}

// handleSetQuality stores a quality assessment with a record:
// POST /api/tasks/{taskName}/logs/{uuid}/set-quality.
func (s *Server) handleSetQuality(w http.ResponseWriter, r *http.Request) {
	key, err := logKey(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	var req qualityRequest
	if err := decodeBody(w, r, s.cfg.maxBodyBytes, &req); err != nil {
		s.respondError(w, r, err)
		return
	}
	if key.ProjectUUID == "" {
		key.ProjectUUID = req.ProjectUUID
		if err := checkID("projectUuid", key.ProjectUUID, true); err != nil {
			s.respondError(w, r, err)
			return
		}
	}
	raw := bytes.TrimSpace(req.Quality)
	if len(raw) == 0 || raw[0] != '{' {
		s.respondError(w, r, errorf(http.StatusBadRequest, "quality must be an object {\"score\",\"reason\",\"suggestions\"}"))
		return
	}
	var qv quality
	if err := json.Unmarshal(raw, &qv); err != nil {
		s.respondError(w, r, errorf(http.StatusBadRequest, "quality: %s", describeJSONError(err)))
		return
	}
	if qv.Score == nil {
		s.respondError(w, r, errorf(http.StatusBadRequest, "quality.score is required"))
		return
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		s.respondError(w, r, errorf(http.StatusBadRequest, "quality: %v", err))
		return
	}
	if err := s.store.SetQuality(r.Context(), key, compact.Bytes()); err != nil {
		s.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}
