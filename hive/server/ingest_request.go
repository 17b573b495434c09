package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// ingestBody is the body of POST /api/log-ingest (wire.IngestRequest) under
// its exact keys, read with strictUnmarshal.
type ingestBody struct {
	ProjectUUID string         `json:"projectUuid"`
	ProjectName string         `json:"projectName"`
	TaskUUID    string         `json:"taskUuid"`
	LogItem     jsontext.Value `json:"logItem"`
	ReplayFrom  string         `json:"replayFrom"`
	// Unknown holds the members with other keys, as one JSON object.
	Unknown jsontext.Value `json:",embed"`
}

// ingestBodyKeys are the keys of ingestBody.
var ingestBodyKeys = []string{"projectUuid", "projectName", "taskUuid", "logItem", "replayFrom"}

// decodeIngestRequest decodes the body of POST /api/log-ingest (and one item
// of the batch route). The body is read strictly (see strictUnmarshal), the
// logItem with it when it is an object: a repeated key or invalid UTF-8
// anywhere refuses it. A key that spells one of the body's in another case
// ("projectUUID") is refused too, rather than ignored, so that a misspelt
// key cannot silently send the record elsewhere; other unknown keys are
// ignored. The error describes what is wrong and names the field.
func decodeIngestRequest(data []byte) (wire.IngestRequest, error) {
	var b ingestBody
	if err := strictUnmarshal(data, &b); err != nil {
		return wire.IngestRequest{}, errors.New(describeStrictError("", err, ""))
	}
	if len(b.Unknown) > 0 {
		if err := checkUnknownKeys(b.Unknown, ingestBodyKeys); err != nil {
			return wire.IngestRequest{}, err
		}
	}
	return wire.IngestRequest{
		ProjectUUID: b.ProjectUUID,
		ProjectName: b.ProjectName,
		TaskUUID:    b.TaskUUID,
		LogItem:     json.RawMessage(b.LogItem),
		ReplayFrom:  b.ReplayFrom,
	}, nil
}

// checkUnknownKeys refuses a key of the JSON object unknown that differs
// from one of known only in case.
func checkUnknownKeys(unknown jsontext.Value, known []string) error {
	dec := jsontext.NewDecoder(bytes.NewBuffer(unknown))
	if _, err := dec.ReadToken(); err != nil {
		return nil
	}
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil
		}
		name := tok.String()
		for _, k := range known {
			if strings.EqualFold(name, k) {
				return fmt.Errorf("%s: unknown key: keys are matched exactly; did you mean %q?", keyPath("", name), k)
			}
		}
		if dec.SkipValue() != nil {
			return nil
		}
	}
	return nil
}
