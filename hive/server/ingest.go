package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
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
	data, err := readBody(w, r, s.cfg.maxBodyBytes, "a JSON object")
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	req, err := decodeIngestRequest(data)
	if err != nil {
		s.respondError(w, r, errorf(http.StatusBadRequest, "malformed JSON body: %v", err))
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

// formatTime formats a createdAt.
func formatTime(t time.Time) string {
	return t.UTC().Format(createdAtLayout)
}
