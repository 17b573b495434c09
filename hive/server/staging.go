package server

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// RunKey identifies a run whose record is assembled from spans: the project
// the record goes to and the run's uuid (hive.run.uuid, the record uuid).
type RunKey struct {
	// ProjectUUID is the project of the run's record.
	ProjectUUID string
	// RunUUID is the run's uuid.
	RunUUID string
}

// StagedSpan is a span of the convention kept in the store until the
// record of its run is assembled.
type StagedSpan struct {
	// SpanID is the span's id: a span staged again with the same id (a
	// redelivery) is not staged twice.
	SpanID trace.SpanID
	// Task is true for the run's task-run span, false for a boundary span.
	Task bool
	// Want is, for a task-run span, the number of boundary spans it
	// announces (hive.task.boundary_calls; 0 for a run whose input was
	// invalid), or -1 when it does not say: such a run waits for the sweep.
	Want int64
	// Data is the span as an OTLP protobuf Span message.
	Data []byte
}

// StagedRun is spans of one run: given to StageSpans, or read back from the
// store with every span staged for the run.
type StagedRun struct {
	// Key is the run.
	Key RunKey
	// ProjectName names the project when the run's record registers it.
	ProjectName string
	// Spans are the run's spans.
	Spans []StagedSpan
}

// StageResult is what StageSpans did.
type StageResult struct {
	// Staged is the number of spans stored; the others were staged before,
	// or belong to runs already assembled.
	Staged int
	// Ready are the runs the call completed (their task-run span and every
	// boundary span it announces are staged), each with all its staged
	// spans and claimed for the caller (see SpanStager).
	Ready []StagedRun
}

// AssembledRun is the record assembled from a run's spans, for
// FinishRuns.
type AssembledRun struct {
	// Key is the run.
	Key RunKey
	// Entry stores the record as Ingest does: registering its project and
	// task when new. Entry.Log.ProjectUUID must be Key.ProjectUUID.
	Entry IngestEntry
	// Incomplete marks a record assembled with spans still missing, after
	// the assembly wait: its run stays open, and spans that complete it
	// later replace the record.
	Incomplete bool
	// Refused marks a run whose record cannot be stored (invalid, or too
	// large): Entry is not read, and the run is marked done with its spans
	// removed, so that it is not assembled again.
	Refused bool
}

// FinishResult is the outcome of one run of FinishRuns.
type FinishResult struct {
	// Created reports that the run's record was stored.
	Created bool
	// Replaced reports that the run's incomplete record was replaced by the
	// complete one.
	Replaced bool
	// Err is why the record was not stored (wrapping ErrInvalid); nil
	// otherwise. A run already assembled, or a record already stored, is
	// not an error: both flags are false.
	Err error
}

// SweepRequest says what SweepRuns looks for.
type SweepRequest struct {
	// Now is the current time: claims that end before it have expired.
	Now time.Time
	// ClaimUntil is when the claims SweepRuns makes end.
	ClaimUntil time.Time
	// IncompleteBefore: a run with its task-run span whose first span was
	// staged before it, and still incomplete, is claimed, to be stored
	// marked incomplete.
	IncompleteBefore time.Time
	// DropBefore: the staged spans of a run whose first span was staged
	// before it are dropped when the run has no task-run span (or was
	// stored incomplete), and the marks of runs assembled before it are
	// forgotten.
	DropBefore time.Time
	// Limit bounds the runs claimed; <= 0 means no bound.
	Limit int
}

// SweepResult is what SweepRuns did.
type SweepResult struct {
	// Runs are the runs claimed, each with all its staged spans: complete
	// runs whose claim expired before they were finished, and runs past
	// IncompleteBefore.
	Runs []StagedRun
	// DroppedSpans is the number of boundary spans dropped because their
	// run's task-run span never arrived.
	DroppedSpans int
	// DroppedRuns is the number of runs whose staged spans or marks were
	// dropped.
	DroppedRuns int
}

// SpanStager keeps the spans of runs whose record is assembled from spans
// (the server's OTLP endpoints), until the record is stored. Several
// servers may share one store: each write is one transaction, and the
// claims and state changes below let exactly one of them assemble a run.
//
// A run is pending from its first staged span until its record is stored:
// then it is done, or incomplete when the record was stored with spans
// missing. An incomplete run takes spans still, and the spans that
// complete it have its record replaced by the complete one; a done run
// takes no span. A claim reserves a run for one assembler until a time:
// others skip it until then, so that a run is assembled once unless its
// assembler stops before finishing it.
type SpanStager interface {
	// StageSpans stores the spans of runs in one write transaction. Spans
	// of a done run are skipped; so is a span whose id is staged for its
	// run already, and a task-run span when the run has one. now is when
	// the run's first span arrived, for a run new to the store. Every run
	// the call completes (its task-run span and the boundary spans it
	// announces are staged) that no one claims is claimed until
	// claimUntil, and returned with all its staged spans in Ready.
	StageSpans(ctx context.Context, runs []StagedRun, now, claimUntil time.Time) (StageResult, error)
	// FinishRuns stores the records of assembled runs in one write
	// transaction and returns one result per run, in order. For a done run
	// it does nothing. Otherwise it stores the record as Ingest does (a
	// record already stored under its key is kept), except that the
	// complete record of an incomplete run replaces the one stored; then
	// the run is marked done, its staged spans removed, or, for an
	// Incomplete record, marked incomplete with its spans kept. An
	// incomplete record never replaces a stored one. The error is a
	// storage failure or ctx's, after which nothing of the call is stored.
	FinishRuns(ctx context.Context, runs []AssembledRun) ([]FinishResult, error)
	// SweepRuns, in one write transaction, claims until req.ClaimUntil the
	// runs nobody holds a claim on that are to be assembled (see
	// SweepResult.Runs) and drops what has waited past req.DropBefore.
	SweepRuns(ctx context.Context, req SweepRequest) (SweepResult, error)
}
