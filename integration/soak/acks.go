package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
)

// Ingest paths whose answers the proxy counts.
const (
	ingestPath      = "/api/log-ingest"
	ingestBatchPath = "/api/log-ingest/batch"
)

// ingestItem is the part of an ingest request body the proxy reads.
type ingestItem struct {
	LogItem json.RawMessage `json:"logItem"`
}

// batchResult is the part of one result of a batch answer the proxy reads.
type batchResult struct {
	UUID  string `json:"uuid"`
	Error string `json:"error"`
}

// acked returns the record uuids a 2xx answer of an ingest request
// acknowledges: the request's record for POST /api/log-ingest; for POST
// /api/log-ingest/batch, the record of every item whose result is not an
// error (the result's uuid, else the item's). Bodies it cannot read
// acknowledge nothing.
func acked(path string, reqBody, respBody []byte) []string {
	switch path {
	case ingestPath:
		var item ingestItem
		if json.Unmarshal(reqBody, &item) != nil {
			return nil
		}
		if id := recordUUID(item.LogItem); id != "" {
			return []string{id}
		}
	case ingestBatchPath:
		var items []ingestItem
		var results []batchResult
		if json.Unmarshal(reqBody, &items) != nil || json.Unmarshal(respBody, &results) != nil {
			return nil
		}
		var ids []string
		for i, r := range results {
			if r.Error != "" {
				continue
			}
			id := r.UUID
			if id == "" && i < len(items) {
				id = recordUUID(items[i].LogItem)
			}
			if id != "" {
				ids = append(ids, id)
			}
		}
		return ids
	}
	return nil
}

// recordUUID returns the uuid of a logItem: the record as a JSON string
// holding its JSON (the wire format), or the record object itself.
func recordUUID(logItem json.RawMessage) string {
	raw := []byte(logItem)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return ""
		}
		raw = []byte(s)
	}
	var rec struct {
		UUID string `json:"uuid"`
	}
	if json.Unmarshal(raw, &rec) != nil {
		return ""
	}
	return rec.UUID
}

// decoded returns body without its content encoding (gzip or none).
func decoded(body []byte, encoding string) []byte {
	if encoding != "gzip" {
		return body
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil
	}
	return out
}
