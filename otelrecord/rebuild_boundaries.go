package otelrecord

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"slices"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"

	"github.com/hivetrace/hivetrace/internal/tally"
)

// payload returns an attribute's JSON text as a record payload, copied once.
// Text that is not valid JSON is kept as a JSON string and ok is false.
func payload(s string) (raw json.RawMessage, ok bool) {
	var a arena
	return a.payload(s)
}

// arena holds the payload bytes of a run's boundary calls in one
// allocation; each payload is a capacity-capped slice of it, so appending to
// one never overwrites another.
type arena []byte

func (a *arena) payload(s string) (json.RawMessage, bool) {
	if !validJSON(s) {
		q, _ := json.Marshal(s) // a string always marshals
		return q, false
	}
	if cap(*a)-len(*a) < len(s) {
		return json.RawMessage(s), true
	}
	start := len(*a)
	*a = append(*a, s...)
	return json.RawMessage((*a)[start:len(*a):len(*a)]), true
}

// rebuildBoundaries returns the record's boundary map: every declared
// boundary, and the calls of the run's boundary spans in call order.
func rebuildBoundaries(t *taskAttrs, spans []*Span, p *problems) map[string][]BoundaryRecord {
	out := declaredBoundaries(t, p)
	sc := getScratch(len(spans))
	defer sc.put()
	calls := readRunCalls(t, spans, sc.calls, p)
	order := callOrder(calls, sc.keys)
	sc.keys = order[:0]
	checkCallCount(t, order, p)
	if len(order) == 0 {
		return out
	}
	addCalls(out, calls, order, &sc.names, p)
	return out
}

// declaredBoundaries returns a boundary map holding every boundary the run
// declares (hive.task.boundaries), each with no calls.
func declaredBoundaries(t *taskAttrs, p *problems) map[string][]BoundaryRecord {
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
	return out
}

// readRunCalls reads every boundary span once into calls (which holds
// len(spans) entries) and returns those of this run, in input order; spans
// of another kind or another run are reported and left out, spans of calls
// past the run's bound (hive.boundary.omitted) left out silently.
func readRunCalls(t *taskAttrs, spans []*Span, calls []boundaryCall, p *problems) []boundaryCall {
	n := 0
	for i := range spans {
		c := &calls[n]
		*c = boundaryCall{}
		readBoundaryAttrs(spans[i], c, p)
		switch {
		case c.hasKind && c.kind != KindBoundary:
			p.addf("span %s is not a boundary span (%s=%q)", spans[i].SpanID, KindKey, c.kind)
			continue
		case c.hasUUID && t.hasUUID && c.uuid != t.uuid:
			p.addf("boundary span %s belongs to run %q", spans[i].SpanID, c.uuid)
			continue
		case c.omitted:
			continue
		}
		n++
	}
	return calls[:n]
}

// checkCallCount reports calls that do not match what the task-run span
// announces: their number (hive.task.boundary_calls) and, when that matches,
// their sequence numbers 0..n-1.
func checkCallCount(t *taskAttrs, order []callKey, p *problems) {
	if !t.hasCalls {
		if !t.invalidInput {
			p.addf("missing %s", TaskBoundaryCallsKey)
		}
		return
	}
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
}

// addCalls adds the calls to out under their boundary names, in call order
// within each boundary. A call without a boundary name takes its span's
// name, and is reported. The records of all calls share one backing array.
// names is an empty tally, the working memory of the grouping.
func addCalls(out map[string][]BoundaryRecord, calls []boundaryCall, order []callKey, names *tally.Tally[string], p *problems) {
	// Group the calls by boundary name: group[i] is the group of order[i];
	// the tally numbers the names in order of first call and counts the
	// calls of each.
	group := make([]int32, len(order))
	for i, k := range order {
		c := &calls[k.idx]
		if !c.hasName {
			c.name = c.span.Name
			p.addf("boundary span %s: missing %s", c.span.SpanID, BoundaryNameKey)
		}
		group[i] = int32(names.Add(c.name))
	}
	counts := names.Counts()
	records := boundaryRecords(calls, order, group, counts, p)
	start := 0
	for g, name := range names.Keys() {
		end := start + counts[g]
		out[name] = records[start:end:end]
		start = end
	}
}

// boundaryRecords returns the records of the calls in one backing array,
// group after group and in call order within each (group[i] is the group of
// order[i], counts the calls of each group); their timings and payloads
// share one allocation each.
func boundaryRecords(calls []boundaryCall, order []callKey, group []int32, counts []int, p *problems) []BoundaryRecord {
	next := make([]int, len(counts))
	for g := 1; g < len(counts); g++ {
		next[g] = next[g-1] + counts[g-1]
	}
	records := make([]BoundaryRecord, len(order))
	timings := make([]TimingInfo, len(order))
	size := 0
	for _, k := range order {
		size += len(calls[k.idx].input) + len(calls[k.idx].output)
	}
	payloads := make(arena, 0, size)
	for i, k := range order {
		c := &calls[k.idx]
		at := next[group[i]]
		next[group[i]]++
		timings[at] = *NewTiming(c.span.StartTime, c.span.EndTime)
		r := &records[at]
		r.Timing = &timings[at]
		fillBoundaryRecord(r, c, i, &payloads, p)
	}
	return records
}

// fillBoundaryRecord sets the payloads and error of one call; pos is its
// position in the run, used in problem reports when it has no seq.
func fillBoundaryRecord(r *BoundaryRecord, c *boundaryCall, pos int, payloads *arena, p *problems) {
	seq := c.seq
	if !c.hasSeq {
		seq = int64(pos)
	}
	var ok bool
	if c.hasInput {
		if r.Input, ok = payloads.payload(c.input); !ok {
			p.addf("boundary %s call %d: %s is not valid JSON", c.name, seq, BoundaryInputKey)
		}
	} else {
		p.addf("boundary %s call %d: missing %s", c.name, seq, BoundaryInputKey)
	}
	if c.hasOutput {
		if r.Output, ok = payloads.payload(c.output); !ok {
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
func callOrder(calls []boundaryCall, keys []callKey) []callKey {
	keys = slices.Grow(keys[:0], len(calls))[:len(calls)]
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

// rebuildScratch is the working memory of rebuildBoundaries, reused from run
// to run: the calls read from the spans, their sort keys, and the tally of
// boundary names.
type rebuildScratch struct {
	calls []boundaryCall
	keys  []callKey
	names tally.Tally[string]
}

// maxPooledCalls bounds the scratch kept for reuse, so that one huge run does
// not pin its working memory.
const maxPooledCalls = 1 << 14

var scratchPool = sync.Pool{New: func() any { return new(rebuildScratch) }}

// getScratch returns scratch whose calls hold n zero calls.
func getScratch(n int) *rebuildScratch {
	sc := scratchPool.Get().(*rebuildScratch)
	sc.calls = slices.Grow(sc.calls[:0], n)[:n]
	return sc
}

// put clears the calls (they point into spans) and the tally, and hands sc
// back.
func (sc *rebuildScratch) put() {
	if cap(sc.calls) > maxPooledCalls {
		return
	}
	clear(sc.calls)
	sc.calls = sc.calls[:0]
	sc.names.Reset()
	scratchPool.Put(sc)
}
