package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// Limits on identifiers, so a bad client cannot fill the store with keys.
const (
	maxIDLen   = 128
	maxNameLen = 512
)

// createdAtLayout formats createdAt: RFC 3339 in UTC with milliseconds, as
// JavaScript's Date.toISOString writes it.
const createdAtLayout = "2006-01-02T15:04:05.000Z07:00"

// handleIngest stores a record: POST /api/log-ingest.
//
// The record must decode as an otelrecord.ExecutionRecord and have a task
// name. A record without uuid gets a UUID v7. An unknown project is
// registered (named projectName, else "local"; a request without projectUuid
// goes to the project whose uuid is derived from that name), and so is an
// unknown task (named after the record, with taskUuid or a new uuid).
// Ingesting a record whose (project, task, uuid) is already stored changes
// nothing and answers the stored entry, so retries are safe. A body over the
// body limit, or a record over the record limit (WithMaxRecordBytes), is
// answered 413 with the limits in headers (wire.MaxBodyBytesHeader,
// wire.MaxRecordBytesHeader).
func (s *Server) handleIngest(w http.ResponseWriter, r *http.Request) {
	var req wire.IngestRequest
	if err := decodeBody(w, r, s.cfg.maxBodyBytes, &req); err != nil {
		s.respondError(w, r, err)
		return
	}
	ctx := r.Context()
	e, err := s.ingestEntry(ctx, newRegistry(s), req)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	entry, created, err := s.store.PutLog(ctx, e)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.logStored(ctx, entry, created)
	writeJSON(w, http.StatusOK, ingestAnswer(entry))
}

// ingestEntry validates an ingest body and returns the entry to store,
// registering its project and task through reg. Errors are *httpError for
// bad input, store errors otherwise.
func (s *Server) ingestEntry(ctx context.Context, reg *registry, req wire.IngestRequest) (StoredLog, error) {
	rec, stored, err := parseLogItem(req.LogItem, s.cfg.maxRecordBytes)
	if err != nil {
		return StoredLog{}, err
	}
	if err := checkID("projectUuid", req.ProjectUUID, true); err != nil {
		return StoredLog{}, err
	}
	if err := checkID("taskUuid", req.TaskUUID, true); err != nil {
		return StoredLog{}, err
	}
	if len(req.ProjectName) > maxNameLen {
		return StoredLog{}, errorf(http.StatusBadRequest, "projectName is longer than %d bytes", maxNameLen)
	}
	replayFrom := req.ReplayFrom
	if replayFrom == "" {
		replayFrom = rec.replayFrom
	}
	project, err := reg.project(ctx, req.ProjectUUID, req.ProjectName)
	if err != nil {
		return StoredLog{}, err
	}
	task, err := reg.task(ctx, project.UUID, req.TaskUUID, rec.TaskName)
	if err != nil {
		return StoredLog{}, err
	}
	return StoredLog{
		ProjectUUID: project.UUID,
		TaskName:    task.Name,
		TaskUUID:    task.UUID,
		UUID:        rec.UUID,
		Record:      stored,
		ReplayFrom:  replayFrom,
		CreatedAt:   s.cfg.clock().UTC(),
	}, nil
}

// logStored notes at debug level an ingest that found its record stored.
func (s *Server) logStored(ctx context.Context, e StoredLog, created bool) {
	if !created {
		s.cfg.logger.DebugContext(ctx, "hive server: record already stored",
			slog.String("task", e.TaskName), slog.String("uuid", e.UUID))
	}
}

// ingestAnswer is the answer of an ingest for the stored entry.
func ingestAnswer(e StoredLog) wire.IngestResponse {
	resp := wire.IngestResponse{
		UUID:        e.UUID,
		TaskName:    e.TaskName,
		ProjectName: e.ProjectName,
		LogItem:     string(e.Record),
		CreatedAt:   formatTime(e.CreatedAt),
	}
	if e.ReplayFrom != "" {
		resp.ReplayFrom = &e.ReplayFrom
	}
	return resp
}

// parsedItem is a validated record.
type parsedItem struct {
	otelrecord.ExecutionRecord
	replayFrom string
}

// parseLogItem validates a logItem (a JSON string holding the record, or the
// record object itself) and returns the record and the JSON to store: the
// record object as sent, with "uuid" set. Errors are *httpError: 413 when the
// record's JSON is longer than maxRecord bytes, 400 otherwise.
func parseLogItem(raw json.RawMessage, maxRecord int64) (parsedItem, []byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return parsedItem{}, nil, errorf(http.StatusBadRequest, "logItem is required: the record as a JSON string")
	}
	item := []byte(raw)
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return parsedItem{}, nil, errorf(http.StatusBadRequest, "logItem: %s", describeJSONError(err))
		}
		item = []byte(s)
	case '{':
	default:
		return parsedItem{}, nil, errorf(http.StatusBadRequest, "logItem must be a JSON string holding the record")
	}
	if int64(len(item)) > maxRecord {
		return parsedItem{}, nil, errorf(http.StatusRequestEntityTooLarge,
			"record of %d bytes exceeds the limit of %d bytes (%s)", len(item), maxRecord, wire.MaxRecordBytesHeader)
	}

	if !bytes.HasPrefix(bytes.TrimLeft(item, " \t\r\n"), []byte("{")) {
		return parsedItem{}, nil, errorf(http.StatusBadRequest, "logItem is not a JSON object")
	}
	var p parsedItem
	if err := json.Unmarshal(item, &p.ExecutionRecord); err != nil {
		return parsedItem{}, nil, errorf(http.StatusBadRequest, "logItem is not a valid execution record: %s", describeJSONError(err))
	}
	if err := validateRecord(&p.ExecutionRecord); err != nil {
		return parsedItem{}, nil, err
	}
	if bytes.Contains(item, []byte(`"replayFrom"`)) {
		var rf struct {
			ReplayFrom json.RawMessage `json:"replayFrom"`
		}
		if json.Unmarshal(item, &rf) == nil {
			_ = json.Unmarshal(rf.ReplayFrom, &p.replayFrom) // informative only; ignore non-strings
		}
	}
	if p.UUID != "" {
		// The record is stored as sent: its JSON was just decoded whole.
		return p, item, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(item, &fields); err != nil || fields == nil {
		return parsedItem{}, nil, errorf(http.StatusBadRequest, "logItem is not a JSON object")
	}
	p.UUID = run.NewUUID()
	fields["uuid"], _ = json.Marshal(p.UUID)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(fields); err != nil { // fields hold valid JSON: cannot fail
		return parsedItem{}, nil, errorf(http.StatusBadRequest, "logItem: %v", err)
	}
	return p, bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// validateRecord checks what the server relies on: a task name, sane
// identifiers, a known type and valid metrics.
func validateRecord(rec *otelrecord.ExecutionRecord) error {
	if rec.TaskName == "" {
		return errorf(http.StatusBadRequest, "logItem has no taskName")
	}
	if err := checkName("logItem.taskName", rec.TaskName); err != nil {
		return err
	}
	if err := checkID("logItem.uuid", rec.UUID, true); err != nil {
		return err
	}
	switch rec.Type {
	case "", otelrecord.TypeSuccess, otelrecord.TypeError, otelrecord.TypePending:
	default:
		return errorf(http.StatusBadRequest, "logItem.type %q is not one of success, error, pending", rec.Type)
	}
	for i, m := range rec.Metrics {
		if err := m.Validate(); err != nil {
			return errorf(http.StatusBadRequest, "logItem.metrics[%d]: %v", i, err)
		}
	}
	return nil
}

// checkID validates an identifier: not too long, printable.
func checkID(field, id string, optional bool) error {
	if id == "" {
		if optional {
			return nil
		}
		return errorf(http.StatusBadRequest, "%s is required", field)
	}
	if len(id) > maxIDLen {
		return errorf(http.StatusBadRequest, "%s is longer than %d bytes", field, maxIDLen)
	}
	return checkPrintable(field, id)
}

// checkName validates a task or project name.
func checkName(field, name string) error {
	if name == "" {
		return errorf(http.StatusBadRequest, "%s is required", field)
	}
	if len(name) > maxNameLen {
		return errorf(http.StatusBadRequest, "%s is longer than %d bytes", field, maxNameLen)
	}
	return checkPrintable(field, name)
}

// checkPrintable rejects invalid UTF-8 and control characters.
func checkPrintable(field, s string) error {
	if !utf8.ValidString(s) {
		return errorf(http.StatusBadRequest, "%s is not valid UTF-8", field)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return errorf(http.StatusBadRequest, "%s contains a control character", field)
		}
	}
	return nil
}

// formatTime formats a createdAt.
func formatTime(t time.Time) string {
	return t.UTC().Format(createdAtLayout)
}
