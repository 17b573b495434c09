package exporter

import "context"

// SpanSink receives, from a processor made by NewRunSpanProcessor, the
// convention spans of finished task runs encoded as OTLP (RunSpans): for a
// receiver that rebuilds the records itself, as Hive's OTLP endpoint does
// (package otlpsink sends there).
//
// It follows the contract of Sink in every respect, runs standing for
// records: DeliverSpans sends the runs it is given before it returns, blocks
// until then, retries only within ctx and returns promptly once ctx is
// done; it keeps no queue of its own. It returns nil when every run was
// delivered; a *DeliveryError (several joined with errors.Join) for the
// runs it did not deliver, with Runs holding those a later attempt may
// deliver, RetryAfter what the receiver asked to wait, and an Err wrapping
// ErrRejected for runs refused for good; and any other error when none was
// delivered. A receiver that accepted a batch but rejected some of its spans
// is reported with a *PartialSuccessError, alone or joined with
// DeliveryErrors: those runs count as delivered. The runs passed belong to
// the sink from then on; nil runs are skipped. A SpanSink may implement
// Flusher and Shutdowner.
type SpanSink interface {
	// DeliverSpans sends runs and returns once they are delivered, failed,
	// or ctx is done. It blocks; see Sink for the concurrency rules.
	DeliverSpans(ctx context.Context, runs ...*RunSpans) error
}
