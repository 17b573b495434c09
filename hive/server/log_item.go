package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// parsedItem is a validated record. Of the ExecutionRecord, the fields the
// server reads are set (UUID, TaskName, Error, Type, Metrics, Timing);
// payloads, boundaries and metadata are checked but not kept, as the stored
// JSON holds them.
type parsedItem struct {
	otelrecord.ExecutionRecord
	replayFrom string
}

// parseLogItem validates a logItem (a JSON string holding the record, or the
// record object itself) and returns the record and the JSON to store: the
// record object as sent, with "uuid" set. A record without task name is
// returned with an empty TaskName: the caller names its task
// (Server.nameRecordTask) or refuses it.
//
// The record is read strictly (see strictUnmarshal): keys match the wire
// format's exactly, and a repeated key or invalid UTF-8 anywhere refuses it,
// as does a key spelling a record key in another case ("UUID"). Keys the
// wire format does not name are kept as sent and never read, so
// the task name and uuid the record is indexed under are the ones its stored
// JSON holds under "taskName" and "uuid". A record whose uuid is absent,
// null or "" gets a UUID v7: appended as the last key when absent (so that
// readers matching keys case-insensitively, which take the last match, see
// it too), written over the null or "" otherwise.
//
// Errors are *httpError: 413 when the record's JSON is longer than maxRecord
// bytes, 400 naming the field otherwise.
func parseLogItem(raw json.RawMessage, maxRecord int64) (parsedItem, []byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return parsedItem{}, nil, errorf(http.StatusBadRequest, "logItem is required: the record as a JSON string")
	}
	item := []byte(raw)
	switch raw[0] {
	case '"':
		s, err := jsontext.AppendUnquote(nil, raw)
		if err != nil {
			var msg string // decoding again locates the error
			if err := strictUnmarshal(raw, &msg); err != nil {
				return parsedItem{}, nil, errorf(http.StatusBadRequest, "%s", describeStrictError("logItem", err, "logItem"))
			}
			return parsedItem{}, nil, errorf(http.StatusBadRequest, "logItem is not a valid JSON string")
		}
		item = s
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
	var f recordFields
	if err := strictUnmarshal(item, &f); err != nil {
		return parsedItem{}, nil, errorf(http.StatusBadRequest, "%s", describeStrictError("logItem", err, "the record"))
	}
	p := parsedItem{ExecutionRecord: otelrecord.ExecutionRecord{
		TaskName: f.TaskName,
		Error:    f.Error,
		Type:     f.Type,
		Metrics:  f.Metrics,
		Timing:   f.Timing,
	}}
	switch f.UUID.Kind() {
	case '"':
		id, err := jsontext.AppendUnquote(nil, f.UUID)
		if err != nil { // cannot happen: the decoder checked the string
			return parsedItem{}, nil, errorf(http.StatusBadRequest, "logItem.uuid: %v", err)
		}
		p.UUID = string(id)
	case 0, 'n':
	default:
		return parsedItem{}, nil, errorf(http.StatusBadRequest, "field \"logItem.uuid\" must be a string, got %s", jsonKindName(f.UUID.Kind()))
	}
	if got, want, ok := caseVariant(f.Unknown); ok {
		return parsedItem{}, nil, errorf(http.StatusBadRequest,
			"logItem.%s: the key differs from %q only in case; keys are matched exactly, so a record may not hold both spellings or the wrong one", got, want)
	}
	if err := validateNamelessRecord(&p.ExecutionRecord); err != nil {
		return parsedItem{}, nil, err
	}
	if f.ReplayFrom.Kind() == '"' {
		if rf, err := jsontext.AppendUnquote(nil, f.ReplayFrom); err == nil {
			p.replayFrom = string(rf) // informative only; non-strings are ignored
		}
	}
	if p.UUID != "" {
		// The record is stored as sent: its JSON was just checked whole.
		return p, item, nil
	}
	p.UUID = run.NewUUID()
	return p, withUUID(item, f.UUID != nil, p.UUID), nil
}

// withUUID returns a copy of the record object item with "uuid" set to id:
// appended as its last key when it has none, else written over the value it
// has (null or ""). item is a valid JSON object with at least one key.
func withUUID(item []byte, present bool, id string) []byte {
	quoted := fmt.Appendf(nil, "%q", id) // a UUID: ASCII letters, digits and '-'
	if present {
		if start, end, ok := topLevelValueSpan(item, "uuid"); ok {
			out := make([]byte, 0, len(item)+len(quoted))
			out = append(append(append(out, item[:start]...), quoted...), item[end:]...)
			return out
		}
	}
	end := bytes.LastIndexByte(item, '}')
	out := make([]byte, 0, len(item)+len(quoted)+8)
	out = append(out, item[:end]...)
	out = append(append(append(out, `,"uuid":`...), quoted...), item[end:]...)
	return out
}

// topLevelValueSpan returns where the value of key sits in the JSON object
// item: item[start:end].
func topLevelValueSpan(item []byte, key string) (start, end int64, ok bool) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(item))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return 0, 0, false
	}
	for dec.PeekKind() == '"' {
		name, err := dec.ReadToken()
		if err != nil {
			return 0, 0, false
		}
		isKey := name.String() == key
		v, err := dec.ReadValue()
		if err != nil {
			return 0, 0, false
		}
		if isKey {
			end = dec.InputOffset()
			return end - int64(len(v)), end, true
		}
	}
	return 0, 0, false
}

// validateRecord checks what the server relies on: a task name that can be
// routed back (checkName and checkRoutable), a uuid that can (checkID), a
// known type and valid metrics.
func validateRecord(rec *otelrecord.ExecutionRecord) error {
	if rec.TaskName == "" {
		return errorf(http.StatusBadRequest, "logItem has no taskName")
	}
	return validateNamelessRecord(rec)
}

// validateNamelessRecord is validateRecord for a record that may have no
// task name yet (the ingest body's taskUuid may name its task: see
// Server.nameRecordTask); a name it has is checked.
func validateNamelessRecord(rec *otelrecord.ExecutionRecord) error {
	if rec.TaskName != "" {
		if err := checkName("logItem.taskName", rec.TaskName); err != nil {
			return err
		}
		if err := checkRoutable("logItem.taskName", rec.TaskName); err != nil {
			return err
		}
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

// checkID validates an identifier (a record, project or task uuid): not too
// long, printable, and usable as one URL path segment (checkRoutable), as
// identifiers are routed: /api/tasks/{taskName}/logs/{uuid},
// /api/projects/{projectUuid}.
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
	if err := checkPrintable(field, id); err != nil {
		return err
	}
	return checkRoutable(field, id)
}

// checkName validates a task or project name: present, not too long,
// printable. A task name must also pass checkRoutable, which
// validateRecord checks at ingest.
func checkName(field, name string) error {
	if name == "" {
		return errorf(http.StatusBadRequest, "%s is required", field)
	}
	if len(name) > maxNameLen {
		return errorf(http.StatusBadRequest, "%s is longer than %d bytes", field, maxNameLen)
	}
	return checkPrintable(field, name)
}

// checkPrintable rejects invalid UTF-8 and control characters (C0, DEL and
// C1).
func checkPrintable(field, s string) error {
	if !utf8.ValidString(s) {
		return errorf(http.StatusBadRequest, "%s is not valid UTF-8", field)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return errorf(http.StatusBadRequest, "%s contains a control character (%U)", field, r)
		}
	}
	return nil
}

// checkRoutable rejects the names that cannot travel as one URL path
// segment and be routed back to the same value, as found by sending every
// kind of name through a client and the router:
//
//   - "." and "..", which url.PathEscape leaves as they are and clients and
//     routers then resolve as relative paths;
//   - "/", whose escaped form %2F the router takes for a trailing slash.
//
// Every other printable string can: a client escapes it with url.PathEscape
// (a "/" inside a longer name as %2F, which the router decodes).
func checkRoutable(field, s string) error {
	switch s {
	case ".", "..":
		return errorf(http.StatusBadRequest, "%s: %q cannot be used as a name: it is a relative URL path", field, s)
	case "/":
		return errorf(http.StatusBadRequest, "%s: %q cannot be used as a name: it cannot be told from a trailing slash in a URL path", field, s)
	}
	return nil
}
