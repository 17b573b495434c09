package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
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

// handleGetLog answers one stored record: GET /api/tasks/{taskName}/logs/{uuid}.
// The answer is the envelope the TypeScript Hive SDK reads (getLog's
// LogApiResponse): {"uuid","taskName","projectName","logItem","replayFrom",
// "createdAt"}, the record object as "logItem", written from its stored
// bytes, and "replayFrom" only when the record replays another (see
// jsonWriter.logAnswer).
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
	j := startJSON(w, http.StatusOK, false)
	j.logAnswer(e)
	_ = j.endJSON() // an error here is a client gone away
}

// errPageFull stops a listing once its page is full.
var errPageFull = errors.New("page full")

// handleListLogs lists a task's records newest first:
// GET /api/tasks/{taskName}/logs?limit=&before=&projectUuid=&type=&since=&until=&minQuality=.
//
// The filters keep the records of a type ("success" or "error"), whose run
// started at or after since and before until (RFC 3339; a run starts at its
// record's timing.startTime, or when it was stored), and whose quality score
// is at least minQuality (records without a score are left out). A bad
// value is answered 400 naming the parameter. A page's "next" continues the
// same listing when the request repeats the filters.
//
// The answer is {"logs":[…],"next":"…"}, each item the record with its key,
// project, replayFrom, quality and createdAt (see jsonWriter.listEntry).
// limit defaults to DefaultListLimit and is capped at MaxListLimit; a page
// also ends before the record that would take its records (and their
// quality) past the byte cap (WithMaxListBytes), though it always holds at
// least one record. before is the "next" value of the previous page; next
// points after the last record of the page, and is empty on the last page.
//
// The records are streamed from the store as the answer is written, one at a
// time, from their stored bytes. A store failure after the first record is
// written cannot change the status any more: the answer is cut off instead.
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
	if err := parseLogFilters(q, &query); err != nil {
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
		c, err := ParseCursor(v)
		if err != nil {
			s.respondError(w, r, errorf(http.StatusBadRequest, "before: %v", err))
			return
		}
		query.Before = &c
	}
	pageSize := query.Limit
	query.Limit++ // one more tells whether a next page exists

	var (
		j         *jsonWriter
		sent      int
		pageBytes int64
		last      Cursor
		more      bool
	)
	err := s.store.EachLog(r.Context(), query, func(e StoredLog) error {
		size := int64(len(e.Record) + len(e.Quality))
		if sent == pageSize || (sent > 0 && pageBytes+size > s.cfg.maxListBytes) {
			more = true
			return errPageFull
		}
		if j == nil {
			j = startJSON(w, http.StatusOK, false)
			j.raw(`{"logs":[`)
		} else {
			j.raw(",")
		}
		j.listEntry(e)
		sent++
		pageBytes += size
		last = cursorOf(e)
		return j.err
	})
	switch {
	case err != nil && !errors.Is(err, errPageFull) && j == nil:
		s.respondError(w, r, err)
		return
	case err != nil && !errors.Is(err, errPageFull):
		if j.err != nil {
			return // the client is gone
		}
		s.cfg.logger.ErrorContext(r.Context(), "hive server: listing cut off by a store failure",
			slog.String("path", r.URL.Path), slog.Any("error", err))
		panic(http.ErrAbortHandler) // the status is sent: only a cut answer tells the client
	case j == nil:
		j = startJSON(w, http.StatusOK, false)
		j.raw(`{"logs":[`)
	}
	j.raw(`],"next":`)
	if more {
		j.str(last.String())
	} else {
		j.raw(`""`)
	}
	j.raw("}")
	_ = j.endJSON() // an error here is a client gone away
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
