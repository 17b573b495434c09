package exporter

import (
	"context"
	"errors"

	"github.com/hivetrace/hivetrace/otelrecord"
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
)

var dropReasons = [...]string{
	dropQueueFull:     DropReasonQueueFull,
	dropPendingLimit:  DropReasonPendingLimit,
	dropPendingTTL:    DropReasonPendingTTL,
	dropShutdown:      DropReasonShutdown,
	dropLateBoundary:  DropReasonLateBoundary,
	dropRejected:      DropReasonRejected,
	dropExportTimeout: DropReasonExportTimeout,
	dropExportFailed:  DropReasonExportFailed,
	dropRebuildFailed: DropReasonRebuildFailed,
	dropSpoolFull:     DropReasonSpoolFull,
}

// splitUndelivered sorts the records of a batch that Deliver reported as
// not delivered, as documented on DeliveryError: those handed back for
// another attempt, and the counts of the others by reason. ctx is the
// context Deliver was given; stopped says the processor was shutting down
// and cut Deliver short, so that a plain error hands the whole batch back
// (by the Sink contract, none of it was delivered).
func splitUndelivered(ctx context.Context, err error, batch []*otelrecord.ExecutionRecord, stopped bool) (handedBack []*otelrecord.ExecutionRecord, drops map[dropReason]int64) {
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
	left := n
	for _, de := range des {
		k := min(max(de.Failed, len(de.Records), 0), left)
		if k == 0 {
			continue
		}
		left -= k
		reason := failureReason(ctx, de.Err)
		if reason != dropRejected && len(de.Records) > 0 {
			back := de.Records[:min(len(de.Records), k)]
			handedBack = append(handedBack, back...)
			k -= len(back)
		}
		if k > 0 {
			drops[reason] += int64(k)
		}
	}
	return handedBack, drops
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
