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
// record that is not valid, 413 for a record over the record limit), so one
// bad record never fails the others. Each item is handled as
// /api/log-ingest handles its body, idempotent by (project, task, uuid),
// including against earlier items of the same batch; the records, and the
// projects and tasks they register, are written in one store transaction
// (Store.Ingest).
//
// The request as a whole is answered 400 when its body is not a JSON array,
// 413 when it is over the body limit or holds more than MaxBatchItems items,
// and 500 or 503 when the store fails; nothing is stored then. Every answer
// states the server's limits in headers (wire.MaxBodyBytesHeader,
// wire.MaxRecordBytesHeader, wire.MaxBatchItemsHeader).
//
// The results are written as json.Marshal writes []wire.BatchResult, each
// stored record escaped into its logItem string from the stored bytes.
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

	failed := make([]error, len(items)) // why item i is not stored, if it is not
	entries := make([]IngestEntry, 0, len(items))
	at := make([]int, 0, len(items)) // entries[k] is item at[k]
	for i, raw := range items {
		in, err := s.batchEntry(r.Context(), raw)
		if err != nil {
			failed[i] = err
			continue
		}
		entries = append(entries, in)
		at = append(at, i)
	}
	ctx := r.Context()
	stored, err := s.store.Ingest(ctx, entries)
	if err == nil && len(stored) != len(entries) {
		err = errors.New("store answered a batch with the wrong number of results")
	}
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	results := make([]*PutLogResult, len(failed)) // the result of item i, when it reached the store
	for k := range stored {
		res := &stored[k]
		if res.Err != nil {
			failed[at[k]] = res.Err
			continue
		}
		s.logIngested(ctx, entries[k], *res)
		results[at[k]] = res
	}

	form := logItemString
	if prefersMinimal(r) {
		w.Header().Set(wire.PreferenceApplied, wire.PreferMinimal)
		form = logItemOmitted
	}
	j := startJSON(w, http.StatusOK, true) // as wire.BatchResult marshals its items
	j.raw("[")
	for i := range failed {
		if i > 0 {
			j.raw(",")
		}
		if failed[i] != nil {
			j.write(s.failedItem(r, failed[i]))
			continue
		}
		j.envelope(results[i].Entry, form)
	}
	j.raw("]")
	_ = j.endJSON() // an error here is a client gone away
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
func (s *Server) batchEntry(ctx context.Context, raw json.RawMessage) (IngestEntry, error) {
	if !bytes.HasPrefix(raw, []byte("{")) {
		return IngestEntry{}, errorf(http.StatusBadRequest, "item is not a /api/log-ingest body: expected a JSON object")
	}
	req, err := decodeIngestRequest(raw)
	if err != nil {
		return IngestEntry{}, errorf(http.StatusBadRequest, "item is not a /api/log-ingest body: %v", err)
	}
	return s.ingestEntry(ctx, req)
}

// failedItem is the JSON of the result of an item that was not stored:
// {"error","status"}.
func (s *Server) failedItem(r *http.Request, err error) []byte {
	status, msg := s.errorStatus(r, err)
	b, err := json.Marshal(wire.ErrorBody{Error: msg, Status: status})
	if err != nil { // a struct of a string and an int: cannot happen
		return []byte(`{"error":"no result","status":500}`)
	}
	return b
}

// decodeBatch splits a batch body into its items, each a JSON value with no
// surrounding space, sharing data's memory. Errors are *httpError: 400 when
// data is not one JSON array, 413 when the array holds more than maxItems
// items.
//
// A valid body is checked in one pass (json.Valid) and split in another;
// any other body goes through encoding/json's decoder, which names the
// problem, and answers 413 for an array longer than maxItems without reading
// past the item after the last allowed.
func decodeBatch(data []byte, maxItems int) ([]json.RawMessage, error) {
	if json.Valid(data) {
		if items, ok := splitArray(data, maxItems); ok {
			return items, nil
		}
	}
	return decodeBatchSlowly(data, maxItems)
}

// splitArray returns the items of data, which must be valid JSON, without
// the space around them, as slices of data. It reports false when data is
// not an array or when the array holds more than maxItems items.
func splitArray(data []byte, maxItems int) ([]json.RawMessage, bool) {
	i := 0
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	if i == len(data) || data[i] != '[' {
		return nil, false
	}
	items := []json.RawMessage{}
	depth, start := 0, -1 // start: where the current item begins, -1 before it
	inString, escaped := false, false
	for i++; i < len(data); i++ {
		c := data[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch {
		case isSpace(c):
			continue
		case (c == ',' || c == ']' || c == '}') && depth == 0:
			// The end of an item (']' may also close an empty array).
			if start >= 0 {
				if len(items) == maxItems {
					return nil, false
				}
				items = append(items, bytes.TrimRight(data[start:i], " \t\r\n"))
			}
			if c == ']' {
				return items, true
			}
			start = -1
			continue
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		}
		if start < 0 {
			start = i
		}
	}
	return nil, false
}

// isSpace reports whether c is JSON white space.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// decodeBatchSlowly is decodeBatch through encoding/json's decoder.
func decodeBatchSlowly(data []byte, maxItems int) ([]json.RawMessage, error) {
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
