package hive

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// Quality is a score given to a stored record, with the reasons for it.
type Quality struct {
	// Score is the score; it must be a finite number.
	Score float64 `json:"score"`
	// Reason explains the score.
	Reason string `json:"reason"`
	// Suggestions says how the run could do better.
	Suggestions string `json:"suggestions"`
}

// ListOptions selects a page of ListLogs.
type ListOptions struct {
	// Limit is the page size; 0 lets the server choose.
	Limit int
	// Before is the cursor of the page to read: LogPage.Next of the previous
	// page; empty for the newest records. A cursor continues the listing it
	// came from: pass the same filters with it.
	Before string
	// Type keeps the records of that type, "success" or "error"; empty
	// keeps every record.
	Type string
	// Since, when not zero, keeps the records whose run started at or after
	// it (the record's timing.startTime, or when the server stored it).
	Since time.Time
	// Until, when not zero, keeps the records whose run started before it.
	Until time.Time
	// MinQuality, when set, keeps the records whose quality score is at
	// least *MinQuality; records without a score are left out.
	MinQuality *float64
}

// query adds the options to q.
func (o ListOptions) query(q url.Values) {
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Before != "" {
		q.Set("before", o.Before)
	}
	if o.Type != "" {
		q.Set("type", o.Type)
	}
	setTimeRange(q, o.Since, o.Until)
	if o.MinQuality != nil {
		q.Set("minQuality", strconv.FormatFloat(*o.MinQuality, 'g', -1, 64))
	}
}

// validate reports options the server would refuse, wrapping
// ErrInvalidArgument.
func (o ListOptions) validate() error {
	switch {
	case o.Limit < 0:
		return fmt.Errorf("%w: negative limit %d", ErrInvalidArgument, o.Limit)
	case o.Type != "" && o.Type != string(otelrecord.TypeSuccess) && o.Type != string(otelrecord.TypeError):
		return fmt.Errorf("%w: type must be %q or %q, got %q", ErrInvalidArgument, otelrecord.TypeSuccess, otelrecord.TypeError, o.Type)
	case o.MinQuality != nil && (math.IsNaN(*o.MinQuality) || math.IsInf(*o.MinQuality, 0)):
		return fmt.Errorf("%w: minimum quality must be a finite number, got %v", ErrInvalidArgument, *o.MinQuality)
	}
	return checkTimeRange(o.Since, o.Until)
}

// LogPage is one page of a task's records, newest first.
type LogPage struct {
	// Logs are the records of the page.
	Logs []LogEntry `json:"logs"`
	// Next is the cursor of the following (older) page; empty on the last.
	Next string `json:"next"`
}

// LogEntry is one stored record with the server's bookkeeping.
type LogEntry struct {
	// UUID is the record's uuid.
	UUID string `json:"uuid"`
	// TaskName is the record's task name.
	TaskName string `json:"taskName"`
	// ProjectName is the name of the project holding the record.
	ProjectName string `json:"projectName"`
	// ProjectUUID is the uuid of that project; empty when the server does
	// not say.
	ProjectUUID string `json:"projectUuid,omitempty"`
	// CreatedAt is when the server stored the record (RFC 3339).
	CreatedAt string `json:"createdAt"`
	// ReplayFrom is the uuid of the record the run replayed, if any.
	ReplayFrom string `json:"replayFrom,omitempty"`
	// Quality is the record's quality assessment; nil when it has none.
	Quality *Quality `json:"quality,omitempty"`
	// Record is the stored record.
	Record *otelrecord.ExecutionRecord `json:"logItem"`
}

// UnmarshalJSON decodes an entry whose logItem is the record as a JSON object
// or as a JSON string.
func (e *LogEntry) UnmarshalJSON(data []byte) error {
	var w struct {
		UUID        string          `json:"uuid"`
		TaskName    string          `json:"taskName"`
		ProjectName string          `json:"projectName"`
		ProjectUUID string          `json:"projectUuid"`
		CreatedAt   string          `json:"createdAt"`
		ReplayFrom  string          `json:"replayFrom"`
		Quality     *Quality        `json:"quality"`
		LogItem     json.RawMessage `json:"logItem"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	rec, err := decodeLogItem(w.LogItem)
	if err != nil {
		return err
	}
	*e = LogEntry{UUID: w.UUID, TaskName: w.TaskName, ProjectName: w.ProjectName, ProjectUUID: w.ProjectUUID,
		CreatedAt: w.CreatedAt, ReplayFrom: w.ReplayFrom, Quality: w.Quality, Record: rec}
	return nil
}

// projectQuery scopes a lookup to the client's project when it knows one.
func (c *LogClient) projectQuery() url.Values {
	q := url.Values{}
	if c.s.projectUUID != "" {
		q.Set("projectUuid", c.s.projectUUID)
	}
	return q
}

// GetLog reads one stored record from GET /api/tasks/{taskName}/logs/{uuid},
// scoped to the client's project when it has a project uuid. It accepts both
// answers a Hive server gives: the envelope the TypeScript Hive SDK reads
// ({"uuid","taskName","projectName","logItem","replayFrom","createdAt"},
// as hive serve answers), whose "logItem" is the record object or a JSON
// string holding it, and the record itself (older servers, other Hive
// implementations), told apart by "logItem" being absent or null. The record
// takes the envelope's uuid and task name when it lacks them. A record the
// server does not have gives an error wrapping ErrNotFound; a silent client
// returns ErrSilent without a request.
func (c *LogClient) GetLog(ctx context.Context, taskName, uuid string) (*otelrecord.ExecutionRecord, error) {
	if c.IsSilent() {
		return nil, ErrSilent
	}
	if taskName == "" || uuid == "" {
		return nil, fmt.Errorf("%w: GetLog needs a task name and a uuid", ErrInvalidArgument)
	}
	path := "/api/tasks/" + esc(taskName) + "/logs/" + esc(uuid)
	var raw json.RawMessage
	if err := c.tr.do(ctx, "GET", path, c.projectQuery(), nil, &raw); err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("hive: GET %s: %w: empty body", path, ErrInvalidResponse)
	}
	var wrapped struct {
		UUID     string          `json:"uuid"`
		TaskName string          `json:"taskName"`
		LogItem  json.RawMessage `json:"logItem"`
	}
	if err := json.Unmarshal(raw, &wrapped); err != nil {
		return nil, fmt.Errorf("hive: GET %s: %w: %s", path, ErrInvalidResponse, describeJSONError(err))
	}
	item := bytes.TrimSpace(wrapped.LogItem)
	if len(item) == 0 || bytes.Equal(item, []byte("null")) {
		// The record itself, as older servers answer.
		var rec otelrecord.ExecutionRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return nil, fmt.Errorf("hive: GET %s: %w: %w", path, ErrInvalidResponse, err)
		}
		return &rec, nil
	}
	if item[0] != '{' && item[0] != '"' {
		return nil, fmt.Errorf("hive: GET %s: %w: logItem is neither the record object nor a JSON string holding it", path, ErrInvalidResponse)
	}
	rec, err := decodeLogItem(wrapped.LogItem)
	if err != nil {
		return nil, fmt.Errorf("hive: GET %s: %w", path, err)
	}
	rec.UUID = firstNonEmpty(rec.UUID, wrapped.UUID)
	rec.TaskName = firstNonEmpty(rec.TaskName, wrapped.TaskName)
	return rec, nil
}

// ListLogs reads one page of a task's records, newest first, from
// GET /api/tasks/{taskName}/logs?limit=&before=&type=&since=&until=&minQuality=,
// scoped to the client's project when it has a project uuid, keeping the
// records opts selects. Options the server would refuse (a negative limit,
// another type, a NaN quality, Until not after Since) fail with
// ErrInvalidArgument without a request. A silent client returns ErrSilent
// without a request.
func (c *LogClient) ListLogs(ctx context.Context, taskName string, opts ListOptions) (*LogPage, error) {
	if c.IsSilent() {
		return nil, ErrSilent
	}
	if taskName == "" {
		return nil, fmt.Errorf("%w: ListLogs needs a task name", ErrInvalidArgument)
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	q := c.projectQuery()
	opts.query(q)
	var page LogPage
	if err := c.tr.do(ctx, "GET", "/api/tasks/"+esc(taskName)+"/logs", q, nil, &page); err != nil {
		return nil, err
	}
	if page.Logs == nil {
		page.Logs = []LogEntry{}
	}
	return &page, nil
}

// SetQuality scores a stored record through
// POST /api/tasks/{taskName}/logs/{uuid}/set-quality, scoped to the client's
// project when it has a project uuid. A silent client returns ErrSilent
// without a request.
func (c *LogClient) SetQuality(ctx context.Context, taskName, uuid string, q Quality) error {
	if c.IsSilent() {
		return ErrSilent
	}
	if taskName == "" || uuid == "" {
		return fmt.Errorf("%w: SetQuality needs a task name and a uuid", ErrInvalidArgument)
	}
	if math.IsNaN(q.Score) || math.IsInf(q.Score, 0) {
		return fmt.Errorf("%w: quality score must be a finite number, got %v", ErrInvalidArgument, q.Score)
	}
	body := struct {
		Quality Quality `json:"quality"`
	}{q}
	var resp struct {
		Success *bool  `json:"success"`
		Error   string `json:"error"`
	}
	path := "/api/tasks/" + esc(taskName) + "/logs/" + esc(uuid) + "/set-quality"
	if err := c.tr.do(ctx, "POST", path, c.projectQuery(), body, &resp); err != nil {
		return err
	}
	if resp.Success != nil && !*resp.Success {
		return fmt.Errorf("hive: POST %s: %w: success is false: %s", path, ErrInvalidResponse, resp.Error)
	}
	return nil
}
