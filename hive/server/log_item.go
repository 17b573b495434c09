package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"unicode/utf8"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

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
