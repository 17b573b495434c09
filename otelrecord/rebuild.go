package otelrecord

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/attribute"
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

// problems collects the reasons a record is incomplete. It allocates only
// when there is something to report.
type problems []string

func (p *problems) addf(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

// taskAttrs are the convention attributes of a task-run span, read in one
// pass.
type taskAttrs struct {
	kind, name, uuid                  string
	input, output, errMsg, recordType string
	metadataJSON, metricsJSON         string
	declared                          attribute.Value
	calls                             int64
	hasKind, hasName, hasUUID         bool
	hasInput, hasOutput, hasErr       bool
	hasType, hasDeclared, hasCalls    bool
	hasMetadataJSON, hasMetricsJSON   bool
	invalidInput                      bool
	metadataAttrs                     int
}

func readTaskAttrs(attrs []attribute.KeyValue, p *problems) taskAttrs {
	var t taskAttrs
	for _, kv := range attrs {
		switch kv.Key {
		case KindKey:
			t.hasKind = readString(kv, &t.kind, p)
		case TaskNameKey:
			t.hasName = readString(kv, &t.name, p)
		case RunUUIDKey:
			t.hasUUID = readString(kv, &t.uuid, p)
		case TaskInputKey:
			t.hasInput = readString(kv, &t.input, p)
		case TaskOutputKey:
			t.hasOutput = readString(kv, &t.output, p)
		case TaskErrorKey:
			t.hasErr = readString(kv, &t.errMsg, p)
		case RecordTypeKey:
			t.hasType = readString(kv, &t.recordType, p)
		case TaskMetadataKey:
			t.hasMetadataJSON = readString(kv, &t.metadataJSON, p)
		case TaskMetricsKey:
			t.hasMetricsJSON = readString(kv, &t.metricsJSON, p)
		case TaskBoundariesKey:
			switch kv.Value.Type() {
			case attribute.STRINGSLICE, attribute.SLICE:
				t.declared, t.hasDeclared = kv.Value, true
			default:
				p.addf("%s is a %s, not a list of strings", kv.Key, kv.Value.Type())
			}
		case TaskBoundaryCallsKey:
			t.hasCalls = readInt(kv, &t.calls, p)
		case TaskInvalidInputKey:
			if kv.Value.Type() == attribute.BOOL {
				t.invalidInput = kv.Value.AsBool()
			} else {
				p.addf("%s is a %s, not a bool", kv.Key, kv.Value.Type())
			}
		default:
			if strings.HasPrefix(string(kv.Key), MetadataKeyPrefix) {
				t.metadataAttrs++
			}
		}
	}
	return t
}

// boundaryCall is one boundary span with its convention attributes.
type boundaryCall struct {
	span                        *Span
	kind, name, uuid            string
	input, output, errMsg       string
	seq                         int64
	hasKind, hasName, hasUUID   bool
	hasInput, hasOutput, hasErr bool
	hasSeq                      bool
}

func readBoundaryAttrs(s *Span, c *boundaryCall, p *problems) {
	c.span = s
	for _, kv := range s.Attributes {
		switch kv.Key {
		case KindKey:
			c.hasKind = readString(kv, &c.kind, p)
		case RunUUIDKey:
			c.hasUUID = readString(kv, &c.uuid, p)
		case BoundaryNameKey:
			c.hasName = readString(kv, &c.name, p)
		case BoundarySeqKey:
			c.hasSeq = readInt(kv, &c.seq, p)
		case BoundaryInputKey:
			c.hasInput = readString(kv, &c.input, p)
		case BoundaryOutputKey:
			c.hasOutput = readString(kv, &c.output, p)
		case BoundaryErrorKey:
			c.hasErr = readString(kv, &c.errMsg, p)
		}
	}
}

func readString(kv attribute.KeyValue, dst *string, p *problems) bool {
	if kv.Value.Type() != attribute.STRING {
		p.addf("%s is a %s, not a string", kv.Key, kv.Value.Type())
		return false
	}
	*dst = kv.Value.AsString()
	return true
}

// readInt reads an integer attribute. OTLP JSON readers and some SDKs turn
// integers into doubles; whole doubles are accepted.
func readInt(kv attribute.KeyValue, dst *int64, p *problems) bool {
	switch kv.Value.Type() {
	case attribute.INT64:
		*dst = kv.Value.AsInt64()
		return true
	case attribute.FLOAT64:
		f := kv.Value.AsFloat64()
		if f == float64(int64(f)) && f >= -(1<<53) && f <= 1<<53 {
			*dst = int64(f)
			return true
		}
	}
	p.addf("%s is not an integer (%s)", kv.Key, kv.Value.Type())
	return false
}

// payload returns an attribute's JSON text as a record payload; the one copy
// made is the conversion to bytes. Text that is not valid JSON is kept as a
// JSON string and ok is false.
func payload(s string) (raw json.RawMessage, ok bool) {
	if validJSON(s) {
		return json.RawMessage(s), true
	}
	q, _ := json.Marshal(s) // a string always marshals
	return q, false
}

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

// rebuildBoundaries returns the record's boundary map: every declared
// boundary, and the calls of the run's boundary spans in call order.
func rebuildBoundaries(t *taskAttrs, spans []Span, p *problems) map[string][]BoundaryRecord {
	var declared []string
	var declaredValues []attribute.Value
	if t.hasDeclared {
		if t.declared.Type() == attribute.STRINGSLICE {
			declared = t.declared.AsStringSlice()
		} else {
			declaredValues = t.declared.AsSlice()
		}
	} else {
		p.addf("missing %s", TaskBoundariesKey)
	}
	out := make(map[string][]BoundaryRecord, len(declared)+len(declaredValues))
	for _, name := range declared {
		out[name] = []BoundaryRecord{}
	}
	for _, v := range declaredValues {
		if v.Type() != attribute.STRING {
			p.addf("%s holds a %s, not a string", TaskBoundariesKey, v.Type())
			continue
		}
		out[v.AsString()] = []BoundaryRecord{}
	}

	// Read every boundary span once, keep those of this run.
	calls := make([]boundaryCall, len(spans))
	n := 0
	for i := range spans {
		c := &calls[n]
		*c = boundaryCall{}
		readBoundaryAttrs(&spans[i], c, p)
		switch {
		case c.hasKind && c.kind != KindBoundary:
			p.addf("span %s is not a boundary span (%s=%q)", spans[i].SpanID, KindKey, c.kind)
			continue
		case c.hasUUID && t.hasUUID && c.uuid != t.uuid:
			p.addf("boundary span %s belongs to run %q", spans[i].SpanID, c.uuid)
			continue
		}
		n++
	}
	calls = calls[:n]
	order := callOrder(calls)

	if t.hasCalls {
		switch have := int64(len(order)); {
		case have < t.calls:
			p.addf("have %d of %d boundary spans", have, t.calls)
		case have > t.calls:
			p.addf("have %d boundary spans, %s is %d", have, TaskBoundaryCallsKey, t.calls)
		default:
			for i, k := range order {
				if !k.hasSeq || k.seq != int64(i) {
					p.addf("boundary call sequence numbers are not 0..%d", len(order)-1)
					break
				}
			}
		}
	} else if !t.invalidInput {
		p.addf("missing %s", TaskBoundaryCallsKey)
	}
	if len(order) == 0 {
		return out
	}

	// Group the calls by boundary name into one backing array, keeping call
	// order within each boundary.
	group := make([]int32, len(order))
	var names []string
	var counts []int
	var index map[string]int
	for i, k := range order {
		c := &calls[k.idx]
		if !c.hasName {
			c.name = c.span.Name
			p.addf("boundary span %s: missing %s", c.span.SpanID, BoundaryNameKey)
		}
		g := -1
		if index != nil {
			if j, ok := index[c.name]; ok {
				g = j
			}
		} else {
			for j, name := range names {
				if name == c.name {
					g = j
					break
				}
			}
		}
		if g < 0 {
			g = len(names)
			names = append(names, c.name)
			counts = append(counts, 0)
			if index != nil {
				index[c.name] = g
			} else if len(names) > 16 {
				index = make(map[string]int, 2*len(names))
				for j, name := range names {
					index[name] = j
				}
			}
		}
		group[i] = int32(g)
		counts[g]++
	}
	next := make([]int, len(names))
	for g := 1; g < len(names); g++ {
		next[g] = next[g-1] + counts[g-1]
	}
	records := make([]BoundaryRecord, len(order))
	timings := make([]TimingInfo, len(order))
	for i, k := range order {
		c := &calls[k.idx]
		at := next[group[i]]
		next[group[i]]++
		timings[at] = *NewTiming(c.span.StartTime, c.span.EndTime)
		r := &records[at]
		r.Timing = &timings[at]
		fillBoundaryRecord(r, c, i, p)
	}
	start := 0
	for g, name := range names {
		end := start + counts[g]
		out[name] = records[start:end:end]
		start = end
	}
	return out
}

// fillBoundaryRecord sets the payloads and error of one call; pos is its
// position in the run, used in problem reports when it has no seq.
func fillBoundaryRecord(r *BoundaryRecord, c *boundaryCall, pos int, p *problems) {
	seq := c.seq
	if !c.hasSeq {
		seq = int64(pos)
	}
	var ok bool
	if c.hasInput {
		if r.Input, ok = payload(c.input); !ok {
			p.addf("boundary %s call %d: %s is not valid JSON", c.name, seq, BoundaryInputKey)
		}
	} else {
		p.addf("boundary %s call %d: missing %s", c.name, seq, BoundaryInputKey)
	}
	if c.hasOutput {
		if r.Output, ok = payload(c.output); !ok {
			p.addf("boundary %s call %d: %s is not valid JSON", c.name, seq, BoundaryOutputKey)
		}
	}
	switch {
	case c.hasErr:
		r.Error = c.errMsg
	case !c.hasOutput && c.span.StatusCode == codes.Error:
		r.Error = c.span.StatusMessage
	}
}

// callKey is the sort key of one call. It holds no pointers, so sorting
// moves little memory and needs no write barriers.
type callKey struct {
	seq, start int64
	id         uint64
	idx        int32
	hasSeq     bool
	validID    bool
}

// callOrder returns the calls in call order: by seq (calls without one
// last), then start time, then span id. Copies of one span (same valid span
// id), as retried OTLP deliveries produce, count once.
func callOrder(calls []boundaryCall) []callKey {
	keys := make([]callKey, len(calls))
	for i := range calls {
		c := &calls[i]
		keys[i] = callKey{
			seq:     c.seq,
			start:   c.span.StartTime.UnixNano(),
			id:      binary.BigEndian.Uint64(c.span.SpanID[:]),
			idx:     int32(i),
			hasSeq:  c.hasSeq,
			validID: c.span.SpanID.IsValid(),
		}
	}
	slices.SortFunc(keys, compareCallKeys)
	return slices.CompactFunc(keys, func(a, b callKey) bool {
		return a.validID && a.id == b.id && a.seq == b.seq && a.hasSeq == b.hasSeq && a.start == b.start
	})
}

func compareCallKeys(a, b callKey) int {
	if a.hasSeq != b.hasSeq {
		if a.hasSeq {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(a.seq, b.seq); c != 0 {
		return c
	}
	if c := cmp.Compare(a.start, b.start); c != 0 {
		return c
	}
	if c := cmp.Compare(a.id, b.id); c != 0 {
		return c
	}
	return cmp.Compare(a.idx, b.idx)
}

// rebuildMetadata reads hive.task.metadata, or else the hive.metadata.*
// attributes. It returns nil when the run has no metadata.
func rebuildMetadata(t *taskAttrs, attrs []attribute.KeyValue, p *problems) map[string]string {
	if t.hasMetadataJSON {
		m, err := decodeMetadata(t.metadataJSON)
		if err == nil {
			return m
		}
		p.addf("%s is not a JSON object of strings", TaskMetadataKey)
	}
	if t.metadataAttrs == 0 {
		return nil
	}
	m := make(map[string]string, t.metadataAttrs)
	for _, kv := range attrs {
		key, found := strings.CutPrefix(string(kv.Key), MetadataKeyPrefix)
		if !found {
			continue
		}
		if kv.Value.Type() == attribute.STRING {
			m[key] = kv.Value.AsString()
		} else {
			m[key] = kv.Value.Emit()
		}
	}
	return m
}

// rebuildMetrics reads hive.task.metrics, or else the hive.metric events. It
// returns nil when the run has no metrics.
func rebuildMetrics(t *taskAttrs, events []Event, p *problems) []Metric {
	if t.hasMetricsJSON {
		ms, err := decodeMetrics(t.metricsJSON)
		if err == nil {
			return ms
		}
		p.addf("%s is not a JSON array of metrics", TaskMetricsKey)
	}
	var ms []Metric
	for i := range events {
		if events[i].Name != MetricEventName {
			continue
		}
		m, ok := metricFromEvent(events[i].Attributes)
		if !ok {
			p.addf("%s event %d is not a valid metric", MetricEventName, i)
			continue
		}
		ms = append(ms, m)
	}
	return ms
}

func metricFromEvent(attrs []attribute.KeyValue) (Metric, bool) {
	var m Metric
	var hasValue bool
	for _, kv := range attrs {
		switch kv.Key {
		case MetricTypeKey:
			if kv.Value.Type() == attribute.STRING {
				m.Type = kv.Value.AsString()
			}
		case MetricNameKey:
			if kv.Value.Type() == attribute.STRING {
				m.Name = kv.Value.AsString()
			}
		case MetricValueKey:
			switch kv.Value.Type() {
			case attribute.FLOAT64:
				m.Value, hasValue = kv.Value.AsFloat64(), true
			case attribute.INT64:
				m.Value, hasValue = float64(kv.Value.AsInt64()), true
			}
		}
	}
	return m, hasValue && m.Validate() == nil
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
	lookup := func(uuid string) int {
		r, ok := index[uuid]
		if !ok {
			r = len(runs)
			index[uuid] = r
			runs = append(runs, run{uuid: uuid, task: -1})
		}
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
	grouped := make([]Span, total)
	fill := make([]int, len(runs))
	for i, r := range member {
		if r < 0 {
			continue
		}
		grouped[runs[r].offset+fill[r]] = spans[i]
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
		var bs []Span
		if _, uuid := Classify(spans[i].Attributes); uuid != "" {
			r := runs[index[uuid]]
			bs = grouped[r.offset : r.offset+r.boundaries]
		}
		rec, err := RebuildRun(spans[i], bs)
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
