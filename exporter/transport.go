package exporter

import (
	"context"
	"errors"
)

// transport is what a record processor makes of each finished run and
// where it delivers it: the run's record to a Sink (NewRecordProcessor) or
// the run's spans, encoded as OTLP, to a SpanSink (NewRunSpanProcessor).
// The queue, its byte bound, the spool, the senders, the backoff and the
// drop counting are the processor's, the same for both.
type transport interface {
	// prepare turns a finished run (it.task and it.boundaries set) into
	// what is delivered; an error drops the run (DropReasonRebuildFailed).
	// Only the rebuilder goroutine calls it.
	prepare(it *item) error
	// encode returns the spool form of a prepared item.
	encode(it *item) ([]byte, error)
	// decode reads a spool entry back into an item ready for delivery. It
	// returns errForeignEntry for an entry it cannot deliver, left in the
	// spool for a process of the other transport.
	decode(id string, data []byte) (*item, error)
	// send hands the batch's prepared items to the sink and returns its
	// error, within ctx.
	send(ctx context.Context, batch []*item) error
	// target is the sink, for its Flusher and Shutdowner methods.
	target() any
}

// errForeignEntry is decode's error for a spool entry the other transport
// wrote and this one cannot deliver.
var errForeignEntry = errors.New("exporter: spool entry of the other transport")

// Spool entries are told apart by their first byte: the JSON of a record
// starts with '{', the protobuf of a TracesData with the tag of its field 1
// (a length-delimited ResourceSpans).
const (
	recordEntryByte = '{'
	spansEntryByte  = 0x0a
)
