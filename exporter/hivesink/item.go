package hivesink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// itemOverhead is what an ingest body adds to the escaped record it
// carries: the project and task uuids, names and punctuation.
const itemOverhead = 256

// itemState is what became of a record of a Deliver call.
type itemState int

const (
	statePending   itemState = iota // not settled yet
	stateDelivered                  // stored by the server
	stateRejected                   // refused; sending it again will not help
	stateFailed                     // not delivered in time; a later attempt may
)

// item is one record of a Deliver call: what is sent and what became of it.
// One goroutine at a time works on an item.
type item struct {
	orig     *otelrecord.ExecutionRecord // the record, with its uuid
	rec      *otelrecord.ExecutionRecord // what is sent: orig, or orig trimmed
	origSize int                         // JSON size of orig
	size     int                         // JSON size of rec
	wire     int                         // estimated size of rec's ingest body
	trims    int                         // how many times rec was trimmed
	attempts int                         // requests that carried it
	last     error                       // the last retryable failure
	state    itemState
	err      error // why it was rejected or failed
}

func newItem(rec *otelrecord.ExecutionRecord) *item {
	it := &item{orig: rec}
	it.set(rec, measure(rec))
	it.origSize = it.size
	return it
}

// set makes rec, whose JSON is data, what is sent.
func (it *item) set(rec *otelrecord.ExecutionRecord, data []byte) {
	it.rec = rec
	it.size = len(data)
	// The ingest body carries the record as a JSON string: every quote and
	// backslash gains a backslash.
	it.wire = len(data) + bytes.Count(data, []byte(`"`)) + bytes.Count(data, []byte(`\`)) + itemOverhead
}

// measure returns the JSON of rec; nil when it cannot be encoded (the client
// then refuses the record).
func measure(rec *otelrecord.ExecutionRecord) []byte {
	data, err := json.Marshal(rec)
	if err != nil {
		return nil
	}
	return data
}

// reject settles it as refused for the reason err.
func (it *item) reject(err error) {
	it.state = stateRejected
	it.err = fmt.Errorf("%w: record %s (task %q): %w", exporter.ErrRejected, it.rec.UUID, it.rec.TaskName, err)
}

// fail settles it as not delivered in time: ctxErr ended the attempts (the
// context's error, or context.DeadlineExceeded when the deadline left no
// time for another); the last failure is kept.
func (it *item) fail(ctxErr error) {
	it.state = stateFailed
	if it.last == nil {
		it.err = fmt.Errorf("hivesink: record %s (task %q) not sent: %w", it.rec.UUID, it.rec.TaskName, ctxErr)
		return
	}
	it.err = fmt.Errorf("hivesink: record %s (task %q) not delivered after %d attempts: %w (last failure: %w)",
		it.rec.UUID, it.rec.TaskName, it.attempts, ctxErr, it.last)
}

// failAll settles every item as not delivered in time.
func failAll(items []*item, ctxErr error) {
	for _, it := range items {
		it.fail(ctxErr)
	}
}

// summarize turns the outcomes into one DeliveryError per kind of failure,
// joined; nil when every record was delivered. Records still pending count
// as failed (Deliver settles every record before it returns); their
// DeliveryError carries the longest Retry-After of their last answers, for
// the processor to honour.
func summarize(items []*item) error {
	var rejected, failed exporter.DeliveryError
	for _, it := range items {
		switch it.state {
		case stateDelivered:
			continue
		case stateRejected:
			note(&rejected, it.err)
		default:
			err := it.err
			if err == nil {
				err = errors.New("hivesink: record not sent")
			}
			note(&failed, err)
			failed.Records = append(failed.Records, it.rec)
			if apiErr := (*hive.APIError)(nil); errors.As(err, &apiErr) {
				failed.RetryAfter = max(failed.RetryAfter, apiErr.RetryAfter)
			}
		}
	}
	var out []error
	for _, d := range []*exporter.DeliveryError{&rejected, &failed} {
		if d.Failed > 0 {
			if d.Failed > 1 {
				d.Err = fmt.Errorf("%w (and %d more)", d.Err, d.Failed-1)
			}
			out = append(out, d)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return errors.Join(out...)
}

// note counts one record of d, whose reason is the first record's.
func note(d *exporter.DeliveryError, err error) {
	if d.Failed == 0 {
		d.Err = err
	}
	d.Failed++
}

// withUUID returns rec, or a shallow copy of it with a new UUID v7 when it
// has no uuid (a v4 in the unlikely case the v7 clock read fails).
func withUUID(rec *otelrecord.ExecutionRecord) *otelrecord.ExecutionRecord {
	if rec.UUID != "" {
		return rec
	}
	cp := *rec
	cp.UUID = run.NewUUID()
	return &cp
}
