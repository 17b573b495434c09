package hive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// MaxBatchRecords is the largest number of records one SendLogs call sends:
// the most items a batch ingest request may carry.
const MaxBatchRecords = wire.MaxBatchItems

// BatchResult is the outcome of one record of SendLogs.
type BatchResult struct {
	// UUID is the uuid the record was sent under (the record's own, or the
	// UUID v7 SendLogs gave it); empty for a record that could not be sent.
	UUID string
	// Response is the server's answer for the stored record; nil when Err is
	// set.
	Response *IngestResponse
	// Err is why the record is not stored: an *APIError with the item's
	// status and message (so errors.Is(Err, ErrBadRequest) and Retryable
	// work as for SendLog), or an error wrapping ErrInvalidArgument for a
	// record that was not sent. Nil when the record is stored.
	Err error
}

// SendLogs sends records to POST /api/log-ingest/batch, this project's
// server's batch ingest, in one request, and returns one result per record,
// in order; it never panics and returns once ctx is done. Each record is
// prepared as SendLog prepares it: a copy with the record's uuid or a new
// UUID v7, metadata merged (the client's base < the record's own <
// metadata), the project and task uuids of the client and forge.json. The
// server's ingest is idempotent by uuid, so give records their uuids before
// the first attempt to retry without risking duplicates. The records are not
// modified. It asks for results without the stored records (Prefer:
// return=minimal): a result's Response carries the uuid, task and project
// names and creation time, and its LogItem is empty.
//
// The error reports a failure of the request as a whole; then no result is
// returned. A server without the batch route (a 404 answer, as the hosted
// Hive gives) fails with an error wrapping ErrNoBatchRoute and the *APIError:
// send the records with SendLog instead. Other errors are those of SendLog
// (an *APIError for a 400 or 413 answer to the whole batch, ErrNetwork…), and
// ErrInvalidResponse when the answer does not hold one result per record.
// The *APIError of a 413 answer carries the server's limits (MaxBodyBytes,
// MaxRecordBytes).
//
// When the error is nil, each result says whether its record is stored: the
// server stores the good records of a batch even when others fail. A nil
// record or one without a task name gets an error wrapping
// ErrInvalidArgument and is not sent; the request is not made when no record
// is left. An item refused for its size has an *APIError with status 413
// whose MaxBodyBytes and MaxRecordBytes state the server's limits.
//
// A silent client returns ErrSilent and a client with neither project uuid
// nor project name ErrNoProject, without a request; more than MaxBatchRecords records fail
// with ErrInvalidArgument.
func (c *LogClient) SendLogs(ctx context.Context, recs []*otelrecord.ExecutionRecord, metadata map[string]string) ([]BatchResult, error) {
	if c.IsSilent() {
		return nil, ErrSilent
	}
	if !c.s.hasProject() {
		return nil, errNoProject()
	}
	if len(recs) > MaxBatchRecords {
		return nil, fmt.Errorf("%w: %d records in one batch, more than %d", ErrInvalidArgument, len(recs), MaxBatchRecords)
	}
	results := make([]BatchResult, len(recs))
	body := make(wire.BatchIngestRequest, 0, len(recs))
	at := make([]int, 0, len(recs)) // body[j] sends recs[at[j]]
	for i, rec := range recs {
		// This project's batch route takes the record as a JSON object,
		// sparing an escape on each side.
		req, out, err := c.ingestRequest(rec, metadata, true)
		if err != nil {
			results[i].Err = err
			continue
		}
		results[i].UUID = out.UUID
		body = append(body, req)
		at = append(at, i)
	}
	if len(body) == 0 {
		return results, nil
	}

	var items []json.RawMessage
	header, err := c.tr.doHeader(ctx, http.MethodPost, wire.BatchIngestPath, nil, body, &items,
		http.Header{"Prefer": {wire.PreferMinimal}})
	if apiErr := (*APIError)(nil); errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%w: %w", ErrNoBatchRoute, err)
	}
	if err != nil {
		return nil, err
	}
	if len(items) != len(body) {
		return nil, fmt.Errorf("hive: POST %s: %w: %d results for %d records", wire.BatchIngestPath, ErrInvalidResponse, len(items), len(body))
	}
	for j, raw := range items {
		r := &results[at[j]]
		r.Response, r.Err = batchItem(raw, header, j)
		if r.Response != nil {
			if r.Response.UUID == "" {
				r.Response.UUID = r.UUID
			}
			if r.Response.TaskName == "" {
				r.Response.TaskName = recs[at[j]].TaskName
			}
		}
	}
	return results, nil
}

// batchItem reads the j-th result of a batch answer whose header is header:
// the answer of a stored record, or the *APIError of a refused one.
func batchItem(raw json.RawMessage, header http.Header, j int) (*IngestResponse, error) {
	failed, err := wire.DecodeBatchFailure(raw)
	if err != nil {
		return nil, fmt.Errorf("hive: POST %s: %w: result %d: %s", wire.BatchIngestPath, ErrInvalidResponse, j, describeJSONError(err))
	}
	if failed != nil {
		apiErr := &APIError{Method: http.MethodPost, Path: wire.BatchIngestPath, StatusCode: failed.Status, Message: failed.Error}
		apiErr.setHeaderFields(header)
		return nil, apiErr
	}
	var resp IngestResponse
	if err := json.Unmarshal(raw, &resp); err != nil { // accepts logItem as a string or an object
		return nil, fmt.Errorf("hive: POST %s: %w: result %d: %s", wire.BatchIngestPath, ErrInvalidResponse, j, describeJSONError(err))
	}
	return &resp, nil
}
