package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// traceIDPattern is what a trace id must look like to be put in a link.
var traceIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// recordData is what the record page shows.
type recordData struct {
	Entry       server.StoredLog
	Record      *otelrecord.ExecutionRecord
	DecodeError string
	Input       jsonView
	Output      jsonView
	Metadata    []keyValue
	Started     string
	Duration    string
	Timeline    timeline
	TraceURL    string
	TraceID     string
	Commands    []string
	Quality     qualityView
	Saved       bool
	QualityURL  string
	CallsURL    func(boundary string, bucket, buckets int) string
	LogsURL     string
	ReplayURL   string
}

// keyValue is one metadata entry.
type keyValue struct{ Key, Value string }

// qualityView is the record's quality as the form shows it.
type qualityView struct {
	Set                       bool
	Score, Reason, Suggestion string
	Other                     string // a stored value the form cannot show field by field
}

// recordKey reads the record key of a page: path values task and uuid, and
// the optional project query parameter.
func recordKey(r *http.Request) (server.LogKey, error) {
	key := server.LogKey{TaskName: r.PathValue("task"), UUID: r.PathValue("uuid"), ProjectUUID: r.URL.Query().Get("project")}
	if key.TaskName == "" || key.UUID == "" {
		return key, errors.New("the address names no task or record")
	}
	return key, nil
}

// getLog reads the record of a page, answering the failure itself; ok is
// false when it did.
func (h *Handler) getLog(w http.ResponseWriter, r *http.Request) (server.StoredLog, bool) {
	key, err := recordKey(r)
	if err != nil {
		h.errorPage(w, r, http.StatusBadRequest, err.Error())
		return server.StoredLog{}, false
	}
	e, err := h.store.GetLog(r.Context(), key)
	switch {
	case errors.Is(err, server.ErrNotStored):
		h.errorPage(w, r, http.StatusNotFound, fmt.Sprintf("No record %s of task %s is stored.", key.UUID, key.TaskName))
		return e, false
	case errors.Is(err, server.ErrAmbiguous):
		h.errorPage(w, r, http.StatusConflict, fmt.Sprintf("Record %s of task %s exists in several projects: open it from the task's records page of its project.", key.UUID, key.TaskName))
		return e, false
	case err != nil:
		h.storeFailure(w, r, "read the record", err)
		return e, false
	}
	return e, true
}

// storeFailure answers 500 for a store error, logging it.
func (h *Handler) storeFailure(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, context.Canceled) {
		return // the visitor left
	}
	h.logger.ErrorContext(r.Context(), "hive ui: store failure", "action", what, "path", r.URL.Path, "error", err)
	h.errorPage(w, r, http.StatusInternalServerError, "The store failed to "+what+"; the server log says why.")
}

// handleRecord shows one record: GET /ui/tasks/{task}/logs/{uuid}?project=.
func (h *Handler) handleRecord(w http.ResponseWriter, r *http.Request, v visitor) {
	e, ok := h.getLog(w, r)
	if !ok {
		return
	}
	d := h.recordData(e)
	d.Saved = r.URL.Query().Get("saved") == "1"
	h.render(w, r, http.StatusOK, "record", page{
		Title:   e.TaskName + " · " + e.UUID,
		Crumbs:  []crumb{{e.TaskName, d.LogsURL}, {shortID(e.UUID), recordURL(e.TaskName, e.UUID, e.ProjectUUID)}},
		Visitor: &v,
		Data:    d,
	})
}

// recordData builds the record page's data from the stored entry.
func (h *Handler) recordData(e server.StoredLog) recordData {
	d := recordData{
		Entry:      e,
		LogsURL:    logsURL(e.TaskName, projectQuery(e.ProjectUUID)),
		QualityURL: recordSubURL(e.TaskName, e.UUID, "quality", projectQuery(e.ProjectUUID)),
		Quality:    newQualityView(e.Quality),
	}
	if e.ReplayFrom != "" {
		d.ReplayURL = recordURL(e.TaskName, e.ReplayFrom, e.ProjectUUID)
	}
	d.CallsURL = func(boundary string, bucket, buckets int) string {
		q := url.Values{"boundary": {boundary}, "bucket": {strconv.Itoa(bucket)}, "buckets": {strconv.Itoa(buckets)}}
		if e.ProjectUUID != "" {
			q.Set("project", e.ProjectUUID)
		}
		return recordSubURL(e.TaskName, e.UUID, "calls", q)
	}
	d.Commands = h.commands(e)
	rec := new(otelrecord.ExecutionRecord)
	if err := json.Unmarshal(e.Record, rec); err != nil {
		d.DecodeError = err.Error()
		d.Input = newJSONView(e.Record)
		return d
	}
	d.Record = rec
	d.Input, d.Output = newJSONView(rec.Input), newJSONView(rec.Output)
	for k, val := range rec.Metadata {
		d.Metadata = append(d.Metadata, keyValue{k, val})
	}
	slices.SortFunc(d.Metadata, func(a, b keyValue) int { return strings.Compare(a.Key, b.Key) })
	if rec.Timing != nil {
		d.Started = formatTime(time.UnixMilli(rec.Timing.StartTime))
		d.Duration = formatMs(rec.Timing.Duration)
	}
	d.Timeline = newTimeline(rec, h.cfg.timelineBars)
	d.TraceID, d.TraceURL = h.traceLink(rec.Metadata[otelrecord.MetadataTraceID])
	return d
}

// traceLink returns the trace id and the link to the trace, when the record
// holds a well-formed trace id and a trace URL template is configured.
func (h *Handler) traceLink(id string) (traceID, link string) {
	if !traceIDPattern.MatchString(id) {
		return "", ""
	}
	if h.cfg.traceURL == "" {
		return id, ""
	}
	return id, strings.ReplaceAll(h.cfg.traceURL, "{traceId}", url.PathEscape(strings.ToLower(id)))
}

// commands are the command lines that show and replay the record.
func (h *Handler) commands(e server.StoredLog) []string {
	service := h.cfg.serviceName
	if service == "" {
		service = "<service>"
	}
	show := "hive logs show " + shellQuote(e.TaskName) + " " + shellQuote(e.UUID)
	if e.ProjectUUID != "" {
		show = "HIVE_PROJECT_UUID=" + shellQuote(e.ProjectUUID) + " " + show
	}
	return []string{show, service + " replay " + shellQuote(e.TaskName) + " --uuid " + shellQuote(e.UUID)}
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:/@%+=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shortID shortens a record uuid for breadcrumbs.
func shortID(id string) string {
	if len(id) > 13 {
		return id[:8] + "…"
	}
	return id
}

// newQualityView reads a stored quality object.
func newQualityView(raw json.RawMessage) qualityView {
	if len(raw) == 0 {
		return qualityView{}
	}
	var q struct {
		Score       *float64 `json:"score"`
		Reason      any      `json:"reason"`
		Suggestions any      `json:"suggestions"`
	}
	v := qualityView{Set: true}
	if err := json.Unmarshal(raw, &q); err != nil {
		v.Other = string(raw)
		return v
	}
	if q.Score != nil && !math.IsNaN(*q.Score) {
		v.Score = strconv.FormatFloat(*q.Score, 'f', -1, 64)
	}
	v.Reason, v.Suggestion = textOf(q.Reason), textOf(q.Suggestions)
	return v
}

// textOf returns a JSON value as text: a string as is, anything else as JSON.
func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
