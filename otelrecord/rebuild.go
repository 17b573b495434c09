package otelrecord

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/codes"
)

// MetadataIncomplete is the metadata key a rebuilt record carries when it
// could not be rebuilt completely; its value says why (several reasons are
// separated by "; "). Records rebuilt completely never carry it.
const MetadataIncomplete = "hive.incomplete"

// Metadata keys of a bounded run (a record made by this library always
// says so: records rebuilt from spans carry them as well, through
// hive.task.metadata). A run keeps at most a configured number of boundary
// calls, holding at most a configured number of payload bytes, in its
// record; the calls past the bound are left out and only aggregated. Such a
// record is complete as far as rebuilding goes: it never carries
// MetadataIncomplete for the calls left out.
const (
	// MetadataCallsOmitted is the number of boundary calls left out of the
	// record, in decimal. Records without omitted calls do not carry it.
	MetadataCallsOmitted = "hive.calls.omitted"
	// MetadataCallsOmittedPrefix prefixes the key of the aggregate of the
	// calls of one boundary left out: "hive.calls.omitted.<boundary>" holds
	// "<count>,<total duration in milliseconds>", for example "1200,35.5"
	// (see FormatOmittedCalls).
	MetadataCallsOmittedPrefix = MetadataCallsOmitted + "."
)

// FormatOmittedCalls formats the value of a MetadataCallsOmittedPrefix key:
// the number of calls and their total duration in milliseconds, with a
// fraction when the duration is not a whole number of milliseconds.
func FormatOmittedCalls(count int, total time.Duration) string {
	return strconv.Itoa(count) + "," + strconv.FormatFloat(float64(total)/float64(time.Millisecond), 'f', -1, 64)
}

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
// reported the same way. Spans of calls past the run's bound
// (hive.boundary.omitted) are left out without a report: the record's
// metadata accounts for them (MetadataCallsOmitted). RebuildRun never panics
// and never modifies the spans.
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
	g := groupRuns(spans)
	sortByStart(spans, g.tasks)
	records := make([]*ExecutionRecord, 0, len(g.tasks))
	for _, i := range g.tasks {
		rec, err := rebuildRun(&spans[i], g.boundarySpans(&spans[i]))
		records = append(records, rec)
		if err != nil {
			g.errs = append(g.errs, err)
		}
	}
	for _, r := range g.runs {
		if r.task < 0 {
			g.errs = append(g.errs, fmt.Errorf("%w: run %q: %d boundary spans", ErrOrphanBoundarySpans, r.uuid, r.boundaries))
		}
	}
	return records, errors.Join(g.errs...)
}

// runGroups is Rebuild's input grouped by run uuid.
type runGroups struct {
	runs    []runGroup
	index   map[string]int // run uuid → index in runs
	tasks   []int          // task-run spans to rebuild, as indexes in the input
	grouped []*Span        // the boundary spans of each run side by side
	errs    []error        // duplicate task-run spans

	// The spans of a run usually come together and carry the same string:
	// lookup compares it with the last one before hashing it.
	lastUUID string
	lastRun  int
}

// runGroup is one run among Rebuild's input.
type runGroup struct {
	uuid       string
	task       int // index in the input; -1 when absent
	boundaries int // number of boundary spans
	offset     int // start of the run's boundary spans in grouped
}

// groupRuns finds the runs of spans by their uuid: each run's task-run span,
// and its boundary spans laid side by side in input order. Task-run spans
// without a run uuid are runs of their own; boundary spans without one and
// spans outside the convention are left out.
func groupRuns(spans []Span) runGroups {
	g := runGroups{index: make(map[string]int), lastRun: -1}
	member, total := g.classify(spans)
	g.layOut(spans, member, total)
	return g
}

// classify files every span under its run. It returns, for each span, the
// run index of a boundary span (-1 for any other span) and the number of
// boundary spans filed.
func (g *runGroups) classify(spans []Span) (member []int32, total int) {
	member = make([]int32, len(spans))
	for i := range spans {
		member[i] = -1
		kind, uuid := Classify(spans[i].Attributes)
		switch kind {
		case KindTask:
			if uuid == "" {
				g.tasks = append(g.tasks, i)
				continue
			}
			r := g.lookup(uuid)
			switch first := g.runs[r].task; {
			case first < 0:
				g.runs[r].task = i
			case spans[first].SpanID != spans[i].SpanID || !spans[i].SpanID.IsValid():
				g.errs = append(g.errs, fmt.Errorf("%w: run %q: span %s ignored, span %s used",
					ErrDuplicateTaskSpan, uuid, spans[i].SpanID, spans[first].SpanID))
			}
		case KindBoundary:
			if uuid == "" {
				continue
			}
			r := g.lookup(uuid)
			member[i] = int32(r)
			g.runs[r].boundaries++
			total++
		}
	}
	return member, total
}

// lookup returns the index of the run with this uuid, adding the run when
// it is new.
func (g *runGroups) lookup(uuid string) int {
	if g.lastRun >= 0 && uuid == g.lastUUID {
		return g.lastRun
	}
	r, ok := g.index[uuid]
	if !ok {
		r = len(g.runs)
		g.index[uuid] = r
		g.runs = append(g.runs, runGroup{uuid: uuid, task: -1})
	}
	g.lastUUID, g.lastRun = uuid, r
	return r
}

// layOut lays the boundary spans of each run side by side in grouped, in
// input order, and adds the runs' task-run spans to tasks.
func (g *runGroups) layOut(spans []Span, member []int32, total int) {
	g.tasks = slices.Grow(g.tasks, len(g.runs))
	off := 0
	for r := range g.runs {
		g.runs[r].offset = off
		off += g.runs[r].boundaries
		if g.runs[r].task >= 0 {
			g.tasks = append(g.tasks, g.runs[r].task)
		}
	}
	g.grouped = make([]*Span, total)
	fill := make([]int, len(g.runs))
	for i, r := range member {
		if r < 0 {
			continue
		}
		g.grouped[g.runs[r].offset+fill[r]] = &spans[i]
		fill[r]++
	}
}

// boundarySpans returns the boundary spans of the run of task, a task-run
// span of the input.
func (g *runGroups) boundarySpans(task *Span) []*Span {
	_, uuid := Classify(task.Attributes)
	if uuid == "" {
		return nil
	}
	r := g.runs[g.index[uuid]]
	return g.grouped[r.offset : r.offset+r.boundaries]
}

// sortByStart orders tasks, indexes in spans, by the start time of their
// span, then by index.
func sortByStart(spans []Span, tasks []int) {
	slices.SortStableFunc(tasks, func(a, b int) int {
		if c := spans[a].StartTime.Compare(spans[b].StartTime); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
}
