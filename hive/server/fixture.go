package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// handleGetFixture answers a stored record as a fixture, in the shape the
// forge CLI's fixture:download saves and task:replay reads:
// GET /api/fixture/{uuid}?projectUuid=.
//
// Records are keyed by project, task and uuid, so a uuid alone may name
// several: the optional projectUuid narrows the lookup to one project. A uuid
// found in several places is answered 409 naming them (project and task); one
// found nowhere, 404. The answer is wire.FixtureResponse:
// {"fixture":{"fixtureUUID","name","taskName","projectName","projectUuid",
// "type","input","output","error","boundaries","context","createdAt"}},
// "name" being the task name and "context" the record's metadata.
func (s *Server) handleGetFixture(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("uuid")
	if err := checkID("uuid", id, false); err != nil {
		s.respondError(w, r, err)
		return
	}
	projectUUID := r.URL.Query().Get("projectUuid")
	if err := checkID("projectUuid", projectUUID, true); err != nil {
		s.respondError(w, r, err)
		return
	}
	found, err := s.store.FindLogs(r.Context(), projectUUID, id, MaxFoundLogs)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	switch len(found) {
	case 0:
		if projectUUID != "" {
			s.respondError(w, r, errorf(http.StatusNotFound, "no record %q in project %q", id, projectUUID))
		} else {
			s.respondError(w, r, errorf(http.StatusNotFound, "no record %q", id))
		}
		return
	case 1:
	default:
		s.respondError(w, r, ambiguousFixture(id, projectUUID, found))
		return
	}
	f, err := fixtureOf(found[0])
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.FixtureResponse{Fixture: f})
}

// ambiguousFixture is the 409 answer for a record uuid stored in several
// places, naming them.
func ambiguousFixture(id, projectUUID string, found []StoredLog) error {
	places := make([]string, 0, len(found))
	for _, e := range found {
		places = append(places, fmt.Sprintf("project %q task %q", e.ProjectUUID, e.TaskName))
	}
	more := ""
	if len(found) >= MaxFoundLogs {
		more = ", …"
	}
	hint := "; pass the projectUuid query parameter"
	if projectUUID != "" {
		hint = "; the uuid names records of several tasks of the project"
	}
	return errorf(http.StatusConflict, "record %q is stored in several places: %s%s%s", id, strings.Join(places, ", "), more, hint)
}

// fixtureOf turns a stored record into a fixture. The record was validated at
// ingest; a stored record that is not a JSON object is a store failure.
func fixtureOf(e StoredLog) (wire.Fixture, error) {
	var rec struct {
		Type       string          `json:"type"`
		Input      json.RawMessage `json:"input"`
		Output     json.RawMessage `json:"output"`
		Error      json.RawMessage `json:"error"`
		Boundaries json.RawMessage `json:"boundaries"`
		Metadata   json.RawMessage `json:"metadata"`
	}
	if err := json.Unmarshal(e.Record, &rec); err != nil {
		return wire.Fixture{}, fmt.Errorf("stored record %q of task %q is not a record object: %w", e.UUID, e.TaskName, err)
	}
	f := wire.Fixture{
		FixtureUUID: e.UUID,
		Name:        e.TaskName,
		TaskName:    e.TaskName,
		ProjectName: e.ProjectName,
		ProjectUUID: e.ProjectUUID,
		Type:        rec.Type,
		Input:       orJSON(rec.Input, "null"),
		Output:      orJSON(rec.Output, "null"),
		Boundaries:  orJSON(rec.Boundaries, "{}"),
		Context:     orJSON(rec.Metadata, "{}"),
		CreatedAt:   formatTime(e.CreatedAt),
	}
	var msg string
	if json.Unmarshal(rec.Error, &msg) == nil {
		f.Error = msg
	}
	return f, nil
}

// orJSON returns v, or def when v is absent or null.
func orJSON(v json.RawMessage, def string) json.RawMessage {
	if len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return json.RawMessage(def)
	}
	return v
}
