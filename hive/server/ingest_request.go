package server

import (
	"encoding/json"
	"errors"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// decodeIngestRequest decodes the body of POST /api/log-ingest (and one item
// of the batch route). The error describes what is wrong with the JSON.
func decodeIngestRequest(data []byte) (wire.IngestRequest, error) {
	var req wire.IngestRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return wire.IngestRequest{}, errors.New(describeJSONError(err))
	}
	return req, nil
}
