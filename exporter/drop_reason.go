package exporter

import (
	"context"
	"errors"
)

// DroppedRecordsCounter is the name of the record processor's one counter of
// the records it dropped or could not deliver, with the reason under
// otelrecord.DropReasonKey (one of the DropReason… values).
const DroppedRecordsCounter = "hive.processor.records.dropped"

// Values of otelrecord.DropReasonKey on DroppedRecordsCounter.
const (
	// DropReasonQueueFull: a task-run span ended while the queue was full;
	// the newest run (the one ending) was dropped.
	DropReasonQueueFull = "queue_full"
	// DropReasonPendingLimit: a run still open was evicted, oldest first, to
	// keep the number of pending runs within WithMaxPendingRuns.
	DropReasonPendingLimit = "pending_limit"
	// DropReasonPendingTTL: a run stayed open longer than WithPendingRunTTL.
	DropReasonPendingTTL = "pending_ttl"
	// DropReasonShutdown: a run was still open when the processor shut down.
	DropReasonShutdown = "shutdown"
	// DropReasonLateBoundary: a boundary span ended after the task-run span
	// of its run (counts boundary calls, not records; see NewRecordProcessor).
	DropReasonLateBoundary = "late_boundary"
	// DropReasonRejected: the sink's receiver refused the records (the
	// sink's DeliveryError wraps ErrRejected).
	DropReasonRejected = "rejected"
	// DropReasonExportTimeout: Deliver's context (the export timeout, or the
	// ctx of ForceFlush or Shutdown) ended before the records were delivered.
	DropReasonExportTimeout = "export_timeout"
	// DropReasonExportFailed: the sink failed to deliver the records for
	// another reason.
	DropReasonExportFailed = "export_failed"
	// DropReasonRebuildFailed: the record of a finished run could not be
	// rebuilt from its spans (the error goes to otel.Handle).
	DropReasonRebuildFailed = "rebuild_failed"
	// DropReasonSpoolFull: the spool (WithSpool) had no room for the record,
	// or could not store it.
	DropReasonSpoolFull = "spool_full"
	// DropReasonPartialSuccess: a SpanSink's receiver accepted a batch but
	// rejected some of its spans (PartialSuccessError; counts spans, not
	// records: the receiver does not say which runs they belong to).
	DropReasonPartialSuccess = "partial_success"
)

// dropReason indexes dropReasons.
type dropReason int

const (
	dropQueueFull dropReason = iota
	dropPendingLimit
	dropPendingTTL
	dropShutdown
	dropLateBoundary
	dropRejected
	dropExportTimeout
	dropExportFailed
	dropRebuildFailed
	dropSpoolFull
	dropPartialSuccess
)

var dropReasons = [...]string{
	dropQueueFull:      DropReasonQueueFull,
	dropPendingLimit:   DropReasonPendingLimit,
	dropPendingTTL:     DropReasonPendingTTL,
	dropShutdown:       DropReasonShutdown,
	dropLateBoundary:   DropReasonLateBoundary,
	dropRejected:       DropReasonRejected,
	dropExportTimeout:  DropReasonExportTimeout,
	dropExportFailed:   DropReasonExportFailed,
	dropRebuildFailed:  DropReasonRebuildFailed,
	dropSpoolFull:      DropReasonSpoolFull,
	dropPartialSuccess: DropReasonPartialSuccess,
}

// splitUndelivered sorts the items of a batch that Deliver reported as not
// delivered, as documented on DeliveryError: those handed back for another
// attempt (in batch order), and the counts of the others by reason. ctx is
// the context Deliver was given; stopped says the processor was shutting
// down and cut Deliver short, so that a plain error hands the whole batch
// back (by the Sink contract, none of it was delivered).
func splitUndelivered(ctx context.Context, err error, batch []*item, stopped bool) (again []*item, drops map[dropReason]int64) {
	n := len(batch)
	if err == nil || n == 0 {
		return nil, nil
	}
	drops = map[dropReason]int64{}
	des := deliveryErrors(err, nil)
	if len(des) == 0 {
		if stopped && !errors.Is(err, ErrRejected) {
			return batch, nil
		}
		drops[failureReason(ctx, err)] = int64(n)
		return nil, drops
	}
	idx := indexItems(batch)
	back := make(map[*item]struct{})
	left := n
	for _, de := range des {
		returned := len(de.Records) + len(de.Runs)
		k := min(max(de.Failed, returned, 0), left)
		if k == 0 {
			continue
		}
		left -= k
		reason := failureReason(ctx, de.Err)
		if reason != dropRejected && returned > 0 {
			m := min(returned, k)
			k -= m
			for i := range m {
				it := idx.find(de, i)
				if _, twice := back[it]; it == nil || twice {
					drops[failureReason(ctx, err)]++ // one the sink made up: not ours to retry
					continue
				}
				back[it] = struct{}{}
			}
		}
		if k > 0 {
			drops[reason] += int64(k)
		}
	}
	for _, it := range batch {
		if _, ok := back[it]; ok {
			again = append(again, it)
		}
	}
	return again, drops
}

// itemIndex finds the items of a batch by the record or run a sink hands
// back: by pointer or else by uuid.
type itemIndex struct {
	byPtr  map[any]*item
	byUUID map[string]*item
}

func indexItems(batch []*item) itemIndex {
	idx := itemIndex{byPtr: make(map[any]*item, len(batch)), byUUID: make(map[string]*item, len(batch))}
	for _, it := range batch {
		switch {
		case it.rec != nil:
			idx.byPtr[it.rec] = it
		case it.spans != nil:
			idx.byPtr[it.spans] = it
		}
		if it.id != "" {
			idx.byUUID[it.id] = it
		}
	}
	return idx
}

// find returns the item of the i-th unit de hands back (its Records, then
// its Runs), or nil.
func (idx itemIndex) find(de *DeliveryError, i int) *item {
	var ptr any
	var uuid string
	if i < len(de.Records) {
		r := de.Records[i]
		if r == nil {
			return nil
		}
		ptr, uuid = r, r.UUID
	} else {
		r := de.Runs[i-len(de.Records)]
		if r == nil {
			return nil
		}
		ptr, uuid = r, r.UUID
	}
	if it, ok := idx.byPtr[ptr]; ok {
		return it
	}
	if uuid != "" {
		return idx.byUUID[uuid]
	}
	return nil
}

// failureReason says why records failed with err.
func failureReason(ctx context.Context, err error) dropReason {
	switch {
	case errors.Is(err, ErrRejected):
		return dropRejected
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), ctx.Err() != nil:
		return dropExportTimeout
	default:
		return dropExportFailed
	}
}
