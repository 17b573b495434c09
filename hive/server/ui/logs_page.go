package ui

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
)

// errPageFull stops a listing once its page is full.
var errPageFull = errors.New("page full")

// logsData is what a task's records page shows.
type logsData struct {
	Task     string
	Filters  filters
	Rows     []logRow
	NextURL  string
	FirstURL string
	Paged    bool // this is not the first page
}

// logRow is one record of the list.
type logRow struct {
	UUID, URL       string
	Type            string
	Started         string
	Duration        string
	Error           string
	Quality         string
	ProjectName     string
	ReplayFrom      string
	DurationPresent bool
}

// rowFields are the fields of a record the list shows; decoding only them
// skips the rest of the record cheaply.
type rowFields struct {
	Type   string `json:"type"`
	Error  string `json:"error"`
	Timing *struct {
		StartTime int64   `json:"startTime"`
		Duration  float64 `json:"duration"`
	} `json:"timing"`
}

// handleLogs lists a task's records, newest first, a page at a time:
// GET /ui/tasks/{task}/logs?project=&type=&range=&since=&until=&minQuality=&before=&limit=.
func (h *Handler) handleLogs(w http.ResponseWriter, r *http.Request, v visitor) {
	task := r.PathValue("task")
	q := r.URL.Query()
	f, err := parseFilters(q, h.now())
	if err != nil {
		h.errorPage(w, r, http.StatusBadRequest, err.Error())
		return
	}
	size := DefaultPageSize
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			h.errorPage(w, r, http.StatusBadRequest, "limit must be a positive whole number, got "+strconv.Quote(s))
			return
		}
		size = min(n, MaxPageSize)
	}
	query := server.LogQuery{ProjectUUID: f.Project, TaskName: task, Limit: size + 1, Type: f.Type,
		Since: f.Since, Until: f.Until, MinQuality: f.MinQuality}
	if s := q.Get("before"); s != "" {
		c, err := server.ParseCursor(s)
		if err != nil {
			h.errorPage(w, r, http.StatusBadRequest, "before: not a position this UI made; start from the first page")
			return
		}
		query.Before = &c
	}
	d := logsData{Task: task, Filters: f, Paged: query.Before != nil}
	var last server.Cursor
	more := false
	err = h.store.EachLog(r.Context(), query, func(e server.StoredLog) error {
		if len(d.Rows) == size {
			more = true
			return errPageFull
		}
		d.Rows = append(d.Rows, newLogRow(e))
		last = server.Cursor{CreatedAt: e.CreatedAt, ProjectUUID: e.ProjectUUID, UUID: e.UUID}
		return nil
	})
	if err != nil && !errors.Is(err, errPageFull) {
		h.storeFailure(w, r, "list the records", err)
		return
	}
	base := f.values()
	if size != DefaultPageSize {
		base.Set("limit", strconv.Itoa(size))
	}
	if more {
		nq := maps.Clone(base)
		nq.Set("before", last.String())
		d.NextURL = logsURL(task, nq)
	}
	d.FirstURL = logsURL(task, base)
	h.render(w, r, http.StatusOK, "logs", page{
		Title:   task + " · records",
		Crumbs:  []crumb{{task, logsURL(task, projectQuery(f.Project))}},
		Visitor: &v,
		Data:    d,
	})
}

// newLogRow returns the list row of a stored record.
func newLogRow(e server.StoredLog) logRow {
	row := logRow{UUID: e.UUID, URL: recordURL(e.TaskName, e.UUID, e.ProjectUUID), ProjectName: e.ProjectName,
		ReplayFrom: e.ReplayFrom, Started: formatTime(e.CreatedAt)}
	var rf rowFields
	if err := json.Unmarshal(e.Record, &rf); err != nil {
		row.Type, row.Error = "unreadable", err.Error()
		return row
	}
	row.Type = rf.Type
	row.Error = firstLine(rf.Error, 160)
	if rf.Timing != nil {
		row.Started = formatTime(time.UnixMilli(rf.Timing.StartTime))
		row.Duration, row.DurationPresent = formatMs(rf.Timing.Duration), true
	}
	if qv := newQualityView(e.Quality); qv.Set {
		row.Quality = qv.Score
	}
	return row
}

// firstLine returns the first line of s, cut to n bytes.
func firstLine(s string, n int) string {
	s, _, cut := strings.Cut(s, "\n")
	if len(s) > n {
		s, cut = s[:n], true
	}
	s = strings.ToValidUTF8(s, "")
	if cut {
		s += "…"
	}
	return s
}
