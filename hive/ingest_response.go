package hive

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// IngestResponse is the server's answer to POST /api/log-ingest.
type IngestResponse struct {
	// UUID is the stored record's uuid.
	UUID string `json:"uuid"`
	// TaskName is the stored record's task name.
	TaskName string `json:"taskName"`
	// ProjectName is the name of the project the record was stored in.
	ProjectName string `json:"projectName"`
	// LogItem is the stored record as JSON text. Servers that answer with the
	// record as a JSON object are accepted too; the object's text is kept.
	LogItem string `json:"logItem"`
	// ReplayFrom is the uuid of the record this one replays, if any.
	ReplayFrom string `json:"replayFrom,omitempty"`
	// CreatedAt is when the server stored the record (RFC 3339).
	CreatedAt string `json:"createdAt"`
}

// UnmarshalJSON decodes the answer, accepting logItem as a JSON string or as a
// JSON object.
func (r *IngestResponse) UnmarshalJSON(data []byte) error {
	type plain IngestResponse
	var w struct {
		plain
		LogItem json.RawMessage `json:"logItem"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*r = IngestResponse(w.plain)
	item, err := logItemText(w.LogItem)
	if err != nil {
		return err
	}
	r.LogItem = item
	return nil
}

// Record decodes LogItem.
func (r *IngestResponse) Record() (*otelrecord.ExecutionRecord, error) {
	return decodeLogItem(json.RawMessage(r.LogItem))
}

// logItemText returns the record JSON carried by a logItem field, which may be
// a JSON string holding the record, the record object itself, or absent.
func logItemText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	return string(raw), nil
}

// decodeLogItem decodes a record carried as a JSON string or a JSON object.
func decodeLogItem(raw json.RawMessage) (*otelrecord.ExecutionRecord, error) {
	text, err := logItemText(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: logItem: %s", ErrInvalidResponse, describeJSONError(err))
	}
	if text == "" {
		return nil, fmt.Errorf("%w: logItem is missing", ErrInvalidResponse)
	}
	var rec otelrecord.ExecutionRecord
	if err := json.Unmarshal([]byte(text), &rec); err != nil {
		return nil, fmt.Errorf("%w: logItem: %w", ErrInvalidResponse, err)
	}
	return &rec, nil
}
