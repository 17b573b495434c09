package otelrecord

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/codes"
)

// MetadataIncomplete is the metadata key a rebuilt record carries when it
// could not be rebuilt completely; its value says why (several reasons are
// separated by "; "). Records rebuilt completely never carry it.
const MetadataIncomplete = "hive.incomplete"

// ErrIncomplete is wrapped by every *IncompleteError.
var ErrIncomplete = errors.New("otelrecord: incomplete record")

// ErrOrphanBoundarySpans is wrapped by the error Rebuild reports for boundary
// spans whose task-run span is not among the spans given.
var ErrOrphanBoundarySpans = errors.New("otelrecord: boundary spans without their task-run span")

// ErrDuplicateTaskSpan is wrapped by the error Rebuild reports when two
// different task-run spans carry the same run uuid. The first one is used.
var ErrDuplicateTaskSpan = errors.New("otelrecord: two task-run spans for one run")

// IncompleteError reports a record that was rebuilt with something missing
// or unreadable. The record still comes out; its metadata carries the same
// reason under MetadataIncomplete.
type IncompleteError struct {
	// RunUUID is the record uuid, when known.
	RunUUID string
	// TaskName is the task name, when known.
	TaskName string
	// Reason says what is missing or invalid.
	Reason string
}

// Error implements error.
func (e *IncompleteError) Error() string {
	return fmt.Sprintf("otelrecord: incomplete record of task %q run %q: %s", e.TaskName, e.RunUUID, e.Reason)
}

// Unwrap returns ErrIncomplete.
func (e *IncompleteError) Unwrap() error { return ErrIncomplete }

// RebuildRun rebuilds the record of one task run from its task-run span and
// the boundary spans of that run, given in any order.
//
// Boundary calls are ordered by hive.boundary.seq (then start time); the
// same span given twice (same span id) counts once. Timing comes from the
// span timestamps through NewTiming. Every declared boundary
// (hive.task.boundaries) is present, with no calls when it was not called.
// Metadata comes from hive.task.metadata, or else from the hive.metadata.*
// attributes; metrics from hive.task.metrics, or else from the hive.metric
// events. Payload attributes are used as they are (a truncation marker is
// valid JSON and stays in the record); a payload that is not valid JSON is
// kept as a JSON string. Attributes outside the convention are ignored.
//
// When something is missing or unreadable (fewer boundary spans than
// hive.task.boundary_calls, a missing or mistyped attribute, invalid JSON),
// the record still comes out, with the reason in Metadata[MetadataIncomplete],
// and the error is an *IncompleteError wrapping ErrIncomplete. Boundary spans
// of another run (by hive.run.uuid) or of another kind are left out and
// reported the same way. RebuildRun never panics and never modifies the
// spans.
func RebuildRun(task Span, boundaries []Span) (*ExecutionRecord, error) {
	ptrs := make([]*Span, len(boundaries))
	for i := range boundaries {
		ptrs[i] = &boundaries[i]
	}
	return rebuildRun(&task, ptrs)
}

// rebuildRun is RebuildRun on span pointers, which Rebuild groups without
// copying spans.
func rebuildRun(task *Span, boundaries []*Span) (*ExecutionRecord, error) {
	var p problems
	t := readTaskAttrs(task.Attributes, &p)
	rec := &ExecutionRecord{UUID: t.uuid, TaskName: t.name}

	switch {
	case !t.hasKind:
		p.addf("missing %s", KindKey)
	case t.kind != KindTask:
		p.addf("%s is %q, not %q", KindKey, t.kind, KindTask)
	}
	if !t.hasUUID {
		p.addf("missing %s", RunUUIDKey)
	}
	if !t.hasName {
		rec.TaskName = task.Name
		p.addf("missing %s", TaskNameKey)
	}

	rec.Type = recordType(&t, task.StatusCode, &p)
	if t.hasInput {
		var ok bool
		if rec.Input, ok = payload(t.input); !ok {
			p.addf("%s is not valid JSON", TaskInputKey)
		}
	} else {
		p.addf("missing %s", TaskInputKey)
	}
	if t.hasOutput {
		var ok bool
		if rec.Output, ok = payload(t.output); !ok {
			p.addf("%s is not valid JSON", TaskOutputKey)
		}
	} else if rec.Type == TypeSuccess {
		p.addf("missing %s", TaskOutputKey)
	}
	switch {
	case t.hasErr:
		rec.Error = t.errMsg
	case rec.Type == TypeError && task.StatusMessage != "":
		rec.Error = task.StatusMessage
	case rec.Type == TypeError:
		p.addf("missing %s", TaskErrorKey)
	}
	if !t.invalidInput {
		if task.EndTime.IsZero() {
			p.addf("task-run span has no end time")
		}
		rec.Timing = NewTiming(task.StartTime, task.EndTime)
	}

	rec.Boundaries = rebuildBoundaries(&t, boundaries, &p)
	rec.Metadata = rebuildMetadata(&t, task.Attributes, &p)
	rec.Metrics = rebuildMetrics(&t, task.Events, &p)

	if len(p) == 0 {
		return rec, nil
	}
	reason := strings.Join(p, "; ")
	if rec.Metadata == nil {
		rec.Metadata = make(map[string]string, 1)
	}
	rec.Metadata[MetadataIncomplete] = reason
	return rec, &IncompleteError{RunUUID: rec.UUID, TaskName: rec.TaskName, Reason: reason}
}

func recordType(t *taskAttrs, status codes.Code, p *problems) RecordType {
	if t.hasType {
		switch rt := RecordType(t.recordType); rt {
		case TypeSuccess, TypeError, TypePending:
			return rt
		}
		p.addf("%s is %q, not a record type", RecordTypeKey, t.recordType)
	} else {
		p.addf("missing %s", RecordTypeKey)
	}
	if t.hasErr || status == codes.Error {
		return TypeError
	}
	return TypeSuccess
}

// Rebuild rebuilds the record of every task run whose task-run span is among
// spans, given in any order and possibly mixed with other spans.
//
// Spans are grouped by hive.run.uuid, not by parent: other spans may sit
// between a boundary span and its task-run span, and a nested task (a task
// called as a boundary) has its own run uuid, so each record holds only its
// own boundary calls. Spans outside the convention, and boundary spans
// without a run uuid, are ignored. A task-run span without a run uuid is
// rebuilt on its own.
//
// Records come out ordered by the start time of their task-run span. The
// error joins every problem: an *IncompleteError per incomplete record (the
// record still comes out), ErrOrphanBoundarySpans for boundary spans whose
// task-run span is missing, ErrDuplicateTaskSpan for a second task-run span
// with the same run uuid (the same span given twice is not a problem).
// Rebuild never panics and never modifies the spans.
func Rebuild(spans []Span) ([]*ExecutionRecord, error) {
	type run struct {
		uuid       string
		task       int // index in spans; -1 when absent
		boundaries int // number of boundary spans
		offset     int // start of the run's boundary spans in grouped
	}
	var (
		runs   []run
		index  = make(map[string]int)
		member = make([]int32, len(spans)) // run index of a boundary span, else -1
		tasks  []int                       // task-run spans without a run uuid
		errs   []error
		total  int
	)
	lastUUID, lastRun := "", -1
	lookup := func(uuid string) int {
		// The spans of a run usually come together, and carry the same
		// string: one comparison instead of hashing it.
		if lastRun >= 0 && uuid == lastUUID {
			return lastRun
		}
		r, ok := index[uuid]
		if !ok {
			r = len(runs)
			index[uuid] = r
			runs = append(runs, run{uuid: uuid, task: -1})
		}
		lastUUID, lastRun = uuid, r
		return r
	}
	for i := range spans {
		member[i] = -1
		kind, uuid := Classify(spans[i].Attributes)
		switch kind {
		case KindTask:
			if uuid == "" {
				tasks = append(tasks, i)
				continue
			}
			r := lookup(uuid)
			switch first := runs[r].task; {
			case first < 0:
				runs[r].task = i
			case spans[first].SpanID != spans[i].SpanID || !spans[i].SpanID.IsValid():
				errs = append(errs, fmt.Errorf("%w: run %q: span %s ignored, span %s used",
					ErrDuplicateTaskSpan, uuid, spans[i].SpanID, spans[first].SpanID))
			}
		case KindBoundary:
			if uuid == "" {
				continue
			}
			r := lookup(uuid)
			member[i] = int32(r)
			runs[r].boundaries++
			total++
		}
	}

	// Lay the boundary spans of each run side by side, in input order.
	off := 0
	for r := range runs {
		runs[r].offset = off
		off += runs[r].boundaries
		if runs[r].task >= 0 {
			tasks = append(tasks, runs[r].task)
		}
	}
	grouped := make([]*Span, total)
	fill := make([]int, len(runs))
	for i, r := range member {
		if r < 0 {
			continue
		}
		grouped[runs[r].offset+fill[r]] = &spans[i]
		fill[r]++
	}

	slices.SortStableFunc(tasks, func(a, b int) int {
		if c := spans[a].StartTime.Compare(spans[b].StartTime); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	records := make([]*ExecutionRecord, 0, len(tasks))
	for _, i := range tasks {
		var bs []*Span
		if _, uuid := Classify(spans[i].Attributes); uuid != "" {
			r := runs[index[uuid]]
			bs = grouped[r.offset : r.offset+r.boundaries]
		}
		rec, err := rebuildRun(&spans[i], bs)
		records = append(records, rec)
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, r := range runs {
		if r.task < 0 {
			errs = append(errs, fmt.Errorf("%w: run %q: %d boundary spans", ErrOrphanBoundarySpans, r.uuid, r.boundaries))
		}
	}
	return records, errors.Join(errs...)
}
