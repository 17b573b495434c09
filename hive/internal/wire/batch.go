package wire

import (
	"bytes"
	"encoding/json"
	"errors"
)

// BatchIngestPath is the route of this project's batch ingest: POST a JSON
// array of IngestRequest bodies, get a JSON array with one BatchResult per
// item, in order.
const BatchIngestPath = "/api/log-ingest/batch"

// MaxBatchItems is the largest number of items one batch ingest request may
// carry. A server answers a longer batch with 413 and the
// MaxBatchItemsHeader header, without storing any item.
const MaxBatchItems = 1000

// Headers with which a server states its size limits. It sends them with
// every 413 answer of the ingest routes and with every batch ingest answer,
// so a client can shrink what it sends to fit.
const (
	// MaxBodyBytesHeader is the largest request body the server reads, in
	// bytes.
	MaxBodyBytesHeader = "Hive-Max-Body-Bytes"
	// MaxRecordBytesHeader is the largest record (the JSON of one logItem)
	// the server stores, in bytes.
	MaxRecordBytesHeader = "Hive-Max-Record-Bytes"
	// MaxBatchItemsHeader is the largest number of items in one batch ingest
	// request.
	MaxBatchItemsHeader = "Hive-Max-Batch-Items"
)

// BatchIngestRequest is the body of POST /api/log-ingest/batch: one
// /api/log-ingest body per record.
type BatchIngestRequest []IngestRequest

// BatchResult is one item of the answer of POST /api/log-ingest/batch: the
// answer /api/log-ingest gives for a stored record, or the error body of an
// item that was not stored. Exactly one of Stored and Failed is set.
type BatchResult struct {
	// Stored is the item's answer when the record is stored.
	Stored *IngestResponse
	// Failed says why the item was not stored ({"error","status"}).
	Failed *ErrorBody
}

// MarshalJSON writes Failed when it is set, else Stored. A result with
// neither is written as a 500 error item.
func (r BatchResult) MarshalJSON() ([]byte, error) {
	switch {
	case r.Failed != nil:
		return json.Marshal(r.Failed)
	case r.Stored != nil:
		return json.Marshal(r.Stored)
	default:
		return json.Marshal(ErrorBody{Error: "no result", Status: 500})
	}
}

// UnmarshalJSON reads an item: an object with an "error" or a "status" field
// is a Failed item, any other object a Stored one.
func (r *BatchResult) UnmarshalJSON(data []byte) error {
	failed, err := DecodeBatchFailure(data)
	if err != nil {
		return err
	}
	*r = BatchResult{Failed: failed}
	if failed != nil {
		return nil
	}
	var ok IngestResponse
	if err := json.Unmarshal(data, &ok); err != nil {
		return err
	}
	r.Stored = &ok
	return nil
}

// DecodeBatchFailure reads one item of a batch ingest answer: the error body
// when the item is an object with an "error" or a "status" field, nil when
// it is another object (a stored record's answer), an error when it is not
// a JSON object.
func DecodeBatchFailure(data []byte) (*ErrorBody, error) {
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		return nil, errors.New("batch result is not a JSON object")
	}
	var probe struct {
		Error  *string `json:"error"`
		Status *int    `json:"status"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, err
	}
	if probe.Error == nil && probe.Status == nil {
		return nil, nil
	}
	e := &ErrorBody{}
	if probe.Error != nil {
		e.Error = *probe.Error
	}
	if probe.Status != nil {
		e.Status = *probe.Status
	}
	return e, nil
}

// PreferMinimal is the value of the Prefer request header (RFC 7240) with
// which a client of the batch route asks for results without the stored
// record: each stored item's result then has no "logItem". A server that
// honours it answers with the PreferenceApplied header set to the same value.
const PreferMinimal = "return=minimal"

// PreferenceApplied is the answer header saying which preference the server
// honoured (RFC 7240).
const PreferenceApplied = "Preference-Applied"
