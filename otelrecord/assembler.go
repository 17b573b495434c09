package otelrecord

import (
	"container/list"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Assembler rebuilds records from spans that arrive in batches and in any
// order, as they do in a collector or a server receiving OTLP.
//
// Add spans as they come. A run's record is emitted as soon as its task-run
// span and all the boundary spans hive.task.boundary_calls announces have
// arrived (right away for a run whose input was invalid). Runs still waiting
// are emitted by Flush, or when the bound set by WithMaxPendingRuns is
// reached (oldest first); such records are marked incomplete when spans are
// missing (see RebuildRun). Boundary spans whose task-run span never arrives
// are dropped and logged. Spans of a run already emitted (late copies) are
// dropped.
//
// An Assembler keeps the spans given to Add until their run is emitted;
// callers must not modify them meanwhile. All methods are safe for
// concurrent use; none blocks on anything but the Assembler's own lock, and
// records are rebuilt outside it.
type Assembler struct {
	cfg assemblerConfig
	now func() time.Time

	mu      sync.Mutex
	runs    map[string]*pendingRun
	arrival list.List // *pendingRun, in order of arrival
	done    recentSet // uuids of runs already emitted
}

type pendingRun struct {
	uuid       string
	arrived    time.Time
	elem       *list.Element
	task       Span
	hasTask    bool
	want       int64 // boundary spans announced; -1 when unknown
	boundaries []Span
	seen       map[trace.SpanID]struct{}
}

// NewAssembler returns an Assembler. By default it holds at most
// DefaultMaxPendingRuns runs and logs to slog.Default().
func NewAssembler(opts ...AssemblerOption) *Assembler {
	cfg := newAssemblerConfig(opts)
	return &Assembler{
		cfg:  cfg,
		now:  time.Now,
		runs: make(map[string]*pendingRun),
		done: newRecentSet(cfg.maxPendingRuns),
	}
}

// Add takes spans of any runs, in any order, and returns the records of the
// runs they complete (and of runs evicted to make room), in the order they
// were completed. Spans outside the convention are ignored. A task-run span
// without a run uuid is rebuilt on its own right away.
func (a *Assembler) Add(spans ...Span) []*ExecutionRecord {
	var ready, dropped []*pendingRun
	a.mu.Lock()
	for i := range spans {
		s := &spans[i]
		kind, uuid := Classify(s.Attributes)
		if kind != KindTask && kind != KindBoundary {
			continue
		}
		if uuid == "" {
			if kind == KindTask {
				ready = append(ready, &pendingRun{task: *s, hasTask: true})
			}
			continue
		}
		if a.done.has(uuid) {
			continue
		}
		r := a.runs[uuid]
		if r == nil {
			for len(a.runs) >= a.cfg.maxPendingRuns {
				old := a.removeLocked(a.arrival.Front().Value.(*pendingRun))
				if old.hasTask {
					ready = append(ready, old)
				} else {
					dropped = append(dropped, old)
				}
			}
			r = &pendingRun{uuid: uuid, arrived: a.now(), want: -1}
			r.elem = a.arrival.PushBack(r)
			a.runs[uuid] = r
		}
		if kind == KindTask {
			if r.hasTask {
				continue // a copy, or a second task-run span: the first wins
			}
			r.task, r.hasTask = *s, true
			r.want = announcedCalls(s.Attributes)
		} else {
			if s.SpanID.IsValid() {
				if _, dup := r.seen[s.SpanID]; dup {
					continue
				}
				if r.seen == nil {
					r.seen = make(map[trace.SpanID]struct{})
				}
				r.seen[s.SpanID] = struct{}{}
			}
			r.boundaries = append(r.boundaries, *s)
		}
		if r.hasTask && r.want >= 0 && int64(len(r.boundaries)) >= r.want {
			ready = append(ready, a.removeLocked(r))
		}
	}
	a.mu.Unlock()
	a.logDropped(dropped, "evicted")
	return rebuildPending(ready)
}

// Flush emits every run that arrived (its first span was added) at or before
// olderThan, in order of arrival: the records of those whose task-run span
// is present, marked incomplete as RebuildRun does; boundary spans without
// their task-run span are dropped and logged. Flush(time.Now()) empties the
// Assembler.
func (a *Assembler) Flush(olderThan time.Time) []*ExecutionRecord {
	var ready, dropped []*pendingRun
	a.mu.Lock()
	for e := a.arrival.Front(); e != nil; e = a.arrival.Front() {
		r := e.Value.(*pendingRun)
		if r.arrived.After(olderThan) {
			break
		}
		a.removeLocked(r)
		if r.hasTask {
			ready = append(ready, r)
		} else {
			dropped = append(dropped, r)
		}
	}
	a.mu.Unlock()
	a.logDropped(dropped, "flushed")
	return rebuildPending(ready)
}

// Len returns the number of runs waiting for spans.
func (a *Assembler) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.runs)
}

// removeLocked takes r out of the pending runs. Runs with a task-run span
// are remembered as emitted, so late copies of their spans are dropped.
func (a *Assembler) removeLocked(r *pendingRun) *pendingRun {
	delete(a.runs, r.uuid)
	a.arrival.Remove(r.elem)
	r.elem = nil
	if r.hasTask {
		a.done.add(r.uuid)
	}
	return r
}

func (a *Assembler) logDropped(runs []*pendingRun, why string) {
	for _, r := range runs {
		a.cfg.log().Warn("otelrecord: dropping boundary spans whose task-run span never arrived",
			"run_uuid", r.uuid, "spans", len(r.boundaries), "reason", why)
	}
}

func rebuildPending(runs []*pendingRun) []*ExecutionRecord {
	if len(runs) == 0 {
		return nil
	}
	out := make([]*ExecutionRecord, 0, len(runs))
	for _, r := range runs {
		rec, _ := RebuildRun(r.task, r.boundaries) // problems are in rec.Metadata
		out = append(out, rec)
	}
	return out
}

// announcedCalls returns the number of boundary calls a task-run span
// announces: 0 for a run whose input was invalid, -1 when unknown.
func announcedCalls(attrs []attribute.KeyValue) int64 {
	calls := int64(-1)
	var p problems
	for _, kv := range attrs {
		switch kv.Key {
		case TaskInvalidInputKey:
			if kv.Value.Type() == attribute.BOOL && kv.Value.AsBool() {
				return 0
			}
		case TaskBoundaryCallsKey:
			var n int64
			if readInt(kv, &n, &p) && n >= 0 {
				calls = n
			}
		}
	}
	return calls
}

// recentSet remembers the last n strings added.
type recentSet struct {
	set  map[string]struct{}
	ring []string
	next int
}

func newRecentSet(n int) recentSet {
	return recentSet{set: make(map[string]struct{}), ring: make([]string, n)}
}

func (s *recentSet) has(k string) bool {
	_, ok := s.set[k]
	return ok
}

func (s *recentSet) add(k string) {
	if s.has(k) {
		return
	}
	if old := s.ring[s.next]; old != "" {
		delete(s.set, old)
	}
	s.ring[s.next] = k
	s.set[k] = struct{}{}
	s.next = (s.next + 1) % len(s.ring)
}
