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
}

// undelivered splits the records of a batch of n that Deliver reported as not
// delivered by reason, as documented on DeliveryError; ctx is the context
// Deliver was given.
func undelivered(ctx context.Context, err error, n int) map[dropReason]int64 {
	if err == nil || n <= 0 {
		return nil
	}
	out := map[dropReason]int64{}
	des := deliveryErrors(err, nil)
	if len(des) == 0 {
		out[failureReason(ctx, err)] = int64(n)
		return out
	}
	left := int64(n)
	for _, de := range des {
		k := min(int64(max(de.Failed, 0)), left)
		if k == 0 {
			continue
		}
		out[failureReason(ctx, de.Err)] += k
		left -= k
	}
	return out
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
