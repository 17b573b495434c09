package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"

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
// name, or the body's taskUuid must name a task of the project, whose name
// is then written into the stored record (so the name it is indexed under is
// the one it holds). A record without uuid gets a UUID v7. An unknown project is
// registered (named projectName, else "local"; a request without projectUuid
// goes to the project whose uuid is derived from that name), and so is an
// unknown task (named after the record, with taskUuid when no other task of
// the project has it, else a new uuid), in the store transaction that stores
// the record (Store.Ingest). Ingesting a record whose (project, task, uuid)
// is already stored changes nothing and answers the stored entry, so retries
// are safe. A body over the body limit, or a record over the record limit
// (WithMaxRecordBytes), is answered 413 with the limits in headers
// (wire.MaxBodyBytesHeader, wire.MaxRecordBytesHeader).
//
// The answer is wire.IngestResponse, its logItem the stored record as a
// JSON string, escaped from the stored bytes as it is written.
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
	in, err := s.ingestEntry(r.Context(), req)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	ctx := r.Context()
	results, err := s.store.Ingest(ctx, []IngestEntry{in})
	if err == nil && len(results) != 1 {
		err = errors.New("store answered an ingest with the wrong number of results")
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	res := results[0]
	if res.Err != nil {
		s.respondError(w, r, res.Err)
		return
	}
	s.logIngested(ctx, in, res)
	j := startJSON(w, http.StatusOK, false)
	j.envelope(res.Entry, logItemString)
	_ = j.endJSON() // an error here is a client gone away
}

// ingestEntry validates an ingest body and returns the entry to store. A
// record without task name takes the name of the task the body's taskUuid
// names (nameRecordTask). Errors are *httpError, or a store failure.
func (s *Server) ingestEntry(ctx context.Context, req wire.IngestRequest) (IngestEntry, error) {
	rec, stored, err := parseLogItem(req.LogItem, s.cfg.maxRecordBytes)
	if err != nil {
		return IngestEntry{}, err
	}
	if err := checkID("projectUuid", req.ProjectUUID, true); err != nil {
		return IngestEntry{}, err
	}
	if err := checkID("taskUuid", req.TaskUUID, true); err != nil {
		return IngestEntry{}, err
	}
	if len(req.ProjectName) > maxNameLen {
		return IngestEntry{}, errorf(http.StatusBadRequest, "projectName is longer than %d bytes", maxNameLen)
	}
	replayFrom := req.ReplayFrom
	if replayFrom == "" {
		replayFrom = rec.replayFrom
	}
	projectUUID, projectName := ingestProject(req.ProjectUUID, req.ProjectName)
	if rec.TaskName == "" {
		rec.TaskName, stored, err = s.nameRecordTask(ctx, projectUUID, req.TaskUUID, stored)
		if err != nil {
			return IngestEntry{}, err
		}
	}
	return IngestEntry{
		Log: StoredLog{
			ProjectUUID: projectUUID,
			TaskName:    rec.TaskName,
			UUID:        rec.UUID,
			Record:      stored,
			ReplayFrom:  replayFrom,
			CreatedAt:   s.cfg.clock().UTC(),
		},
		ProjectName: projectName,
		TaskUUID:    req.TaskUUID,
	}, nil
}

// ingestProject returns the uuid and name of the project an ingest body
// names: without name it is LocalName, without uuid the uuid derived from
// the name.
func ingestProject(projectUUID, name string) (string, string) {
	if name == "" {
		name = LocalName
	}
	if projectUUID == "" {
		projectUUID = uuid.NewSHA1(uuid.NameSpaceURL, []byte("hivetrace:project:"+name)).String()
	}
	return projectUUID, name
}

// logIngested logs what is worth knowing about a stored entry: at warning
// level a task registered under a new uuid because the one asked for was
// taken, at debug level an ingest that found its record stored.
func (s *Server) logIngested(ctx context.Context, in IngestEntry, res PutLogResult) {
	if res.TaskUUIDTakenBy != "" {
		err := fmt.Errorf("task uuid %q is used by task %q: %w", in.TaskUUID, res.TaskUUIDTakenBy, ErrConflict)
		s.cfg.logger.WarnContext(ctx, "hive server: task uuid taken by another task; registering under a new uuid",
			slog.String("task", in.Log.TaskName), slog.String("taskUuid", in.TaskUUID), slog.Any("error", err))
	}
	if !res.Created {
		s.cfg.logger.DebugContext(ctx, "hive server: record already stored",
			slog.String("task", res.Entry.TaskName), slog.String("uuid", res.Entry.UUID))
	}
}

// formatTime formats a createdAt.
func formatTime(t time.Time) string {
	return t.UTC().Format(createdAtLayout)
}
