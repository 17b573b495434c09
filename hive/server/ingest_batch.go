package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// handleIngestBatch stores several records: POST /api/log-ingest/batch.
//
// The body is a JSON array of /api/log-ingest bodies, at most MaxBatchItems
// of them. The answer is 200 with a JSON array holding one result per item,
// in order: the object /api/log-ingest answers for a stored item, or
// {"error","status"} for an item that was not stored (400 for a body or
// record that is not valid, 413 for a record over the record limit, 500 for
// a storage failure of that item), so one bad record never fails the others.
// Each item is handled as /api/log-ingest handles its body, idempotent by
// (project, task, uuid), including against earlier items of the same batch;
// the records are written in one store transaction (Store.PutLogs).
//
// The request as a whole is answered 400 when its body is not a JSON array,
// 413 when it is over the body limit or holds more than MaxBatchItems items,
// and 500 or 503 when the store fails; nothing is stored then. Every answer
// states the server's limits in headers (wire.MaxBodyBytesHeader,
// wire.MaxRecordBytesHeader, wire.MaxBatchItemsHeader).
func (s *Server) handleIngestBatch(w http.ResponseWriter, r *http.Request) {
	s.setLimitHeaders(w)
	data, err := readBody(w, r, s.cfg.maxBodyBytes, "a JSON array of /api/log-ingest bodies")
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	items, err := decodeBatch(data, MaxBatchItems)
	if err != nil {
		s.respondError(w, r, err)
		return
	}

	minimal := prefersMinimal(r)
	if minimal {
		w.Header().Set(wire.PreferenceApplied, wire.PreferMinimal)
	}
	ctx := r.Context()
	results := make([]wire.BatchResult, len(items))
	entries := make([]StoredLog, 0, len(items))
	at := make([]int, 0, len(items)) // entries[j] is item at[j]
	reg := newRegistry(s)
	for i, raw := range items {
		e, err := s.batchEntry(ctx, reg, raw)
		if err != nil {
			if ctx.Err() != nil {
				s.respondError(w, r, ctx.Err())
				return
			}
			results[i] = s.failedItem(r, err)
			continue
		}
		entries = append(entries, e)
		at = append(at, i)
	}
	stored, err := s.store.PutLogs(ctx, entries)
	if err == nil && len(stored) != len(entries) {
		err = errors.New("store answered a batch with the wrong number of results")
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	for j, res := range stored {
		i := at[j]
		if res.Err != nil {
			results[i] = s.failedItem(r, res.Err)
			continue
		}
		s.logStored(ctx, res.Entry, res.Created)
		answer := ingestAnswer(res.Entry)
		if minimal {
			answer.LogItem = ""
		}
		results[i] = wire.BatchResult{Stored: &answer}
	}
	writeJSON(w, http.StatusOK, results)
}

// prefersMinimal reports whether the request asks for results without the
// stored records (Prefer: return=minimal, RFC 7240).
func prefersMinimal(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, pref := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(pref), wire.PreferMinimal) {
				return true
			}
		}
	}
	return false
}

// batchEntry validates one item of a batch as handleIngest validates a body.
func (s *Server) batchEntry(ctx context.Context, reg *registry, raw json.RawMessage) (StoredLog, error) {
	if !bytes.HasPrefix(raw, []byte("{")) {
		return StoredLog{}, errorf(http.StatusBadRequest, "item is not a /api/log-ingest body: expected a JSON object")
	}
	req, err := decodeIngestRequest(raw)
	if err != nil {
		return StoredLog{}, errorf(http.StatusBadRequest, "item is not a /api/log-ingest body: %v", err)
	}
	return s.ingestEntry(ctx, reg, req)
}

// failedItem is the result of an item that was not stored.
func (s *Server) failedItem(r *http.Request, err error) wire.BatchResult {
	status, msg := s.errorStatus(r, err)
	return wire.BatchResult{Failed: &wire.ErrorBody{Error: msg, Status: status}}
}

// decodeBatch splits a batch body into its items, each a JSON value with no
// surrounding space. Errors are *httpError: 400 when data is not one JSON
// array, 413 when the array holds more than maxItems items (found without
// reading past the item after the last allowed).
func decodeBatch(data []byte, maxItems int) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "malformed JSON body: %s", describeJSONError(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, errorf(http.StatusBadRequest, "request body must be a JSON array of /api/log-ingest bodies")
	}
	items := []json.RawMessage{}
	for dec.More() {
		if len(items) == maxItems {
			return nil, errorf(http.StatusRequestEntityTooLarge,
				"batch holds more than %d items (%s); send it in several requests", maxItems, wire.MaxBatchItemsHeader)
		}
		var item json.RawMessage
		if err := dec.Decode(&item); err != nil {
			return nil, errorf(http.StatusBadRequest, "malformed JSON body: item %d: %s", len(items), describeJSONError(err))
		}
		items = append(items, item)
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return nil, errorf(http.StatusBadRequest, "malformed JSON body: %s", describeJSONError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errorf(http.StatusBadRequest, "malformed JSON body: data after the array")
	}
	return items, nil
}
