package exporter

import (
	"errors"
	"fmt"
	"time"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// ErrRejected marks records the receiving end refused: sending them again
// would not help (for Hive, a 4xx answer other than 408 and 429). A Sink
// wraps it in the Err of a DeliveryError, and the record processor counts
// such records under DropReasonRejected.
var ErrRejected = errors.New("exporter: records rejected")

// DeliveryError is what Sink.Deliver returns when some records of the batch
// were not delivered: Failed of them, for the reason Err. A sink whose
// records failed for several reasons returns several, joined with
// errors.Join; a plain error (one that is not and does not wrap a
// *DeliveryError) means that no record of the batch was delivered.
//
// The record processor counts exactly the failed records in its
// dropped-records counter: under DropReasonRejected when Err wraps
// ErrRejected, DropReasonExportTimeout when Err wraps context.Canceled or
// context.DeadlineExceeded or Deliver's ctx was done when it returned, and
// DropReasonExportFailed otherwise. A Failed of 0 or less counts nothing; the
// counts of one batch never exceed its size.
//
// Records, when the sink sets it, holds the records not delivered (then
// len(Records) is Failed). When Err does not wrap ErrRejected, the record
// processor keeps those records queued and delivers them again after a
// backoff instead of dropping them: a sink sets Records for failures that a
// later attempt may overcome (the receiver unreachable, 5xx, 429, Deliver's
// ctx done first). Records the processor cannot hand back (Records nil) are
// counted as dropped. A SpanSink hands back runs the same way, in Runs.
//
// RetryAfter, when positive, is how long the receiver asked to be left
// alone (an HTTP Retry-After): the processor sends nothing before then,
// from any of its senders (at most one minute; ForceFlush retries at once),
// and backs off at least that long.
type DeliveryError struct {
	// Failed is the number of records (or runs) not delivered.
	Failed int
	// Records are the records not delivered, for a retry; nil when the sink
	// does not say which.
	Records []*otelrecord.ExecutionRecord
	// Runs are, for a SpanSink, the runs not delivered, for a retry; nil
	// when the sink does not say which.
	Runs []*RunSpans
	// RetryAfter is the delay the receiver asked for; 0 when none.
	RetryAfter time.Duration
	// Err says why.
	Err error
}

// Error says how many records were not delivered and why.
func (e *DeliveryError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exporter: %d records not delivered", e.Failed)
	}
	return fmt.Sprintf("exporter: %d records not delivered: %v", e.Failed, e.Err)
}

// Unwrap returns Err.
func (e *DeliveryError) Unwrap() error { return e.Err }

// deliveryErrors returns the *DeliveryError values in err's tree, not
// looking inside them, in depth-first order.
func deliveryErrors(err error, out []*DeliveryError) []*DeliveryError {
	switch e := err.(type) {
	case nil:
		return out
	case *DeliveryError:
		if e != nil {
			out = append(out, e)
		}
		return out
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			out = deliveryErrors(inner, out)
		}
		return out
	case interface{ Unwrap() error }:
		return deliveryErrors(e.Unwrap(), out)
	default:
		return out
	}
}
