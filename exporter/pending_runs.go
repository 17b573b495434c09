package exporter

import (
	"container/list"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// pendingRuns holds the boundary spans of runs whose task-run span is still
// open, bounded in number and age, and remembers the runs that finished
// recently so a late boundary span is told apart from a new run. It is safe
// for concurrent use; no method blocks.
type pendingRuns struct {
	max int
	ttl time.Duration

	mu       sync.Mutex
	runs     map[string]*pendingRun
	order    list.List           // of *pendingRun, oldest first
	finished map[string]struct{} // recently finished runs
	ring     []string            // finished runs in finishing order
	ringNext int
	// last is the run the previous span was kept for (nil once removed): a
	// run's spans mostly end one after the other, and finding it here
	// spares hashing its uuid twice a span.
	last *pendingRun
}

// pendingRun holds the boundary spans of a run whose task-run span is open.
// Spans are kept as the SDK hands them over (immutable snapshots) and
// converted by the rebuilder, so OnEnd stays short.
type pendingRun struct {
	uuid    string
	spans   []sdktrace.ReadOnlySpan
	size    int64 // spanSize of the spans, summed as they come (while in cache)
	created time.Time
	elem    *list.Element
}

func newPendingRuns(max int, ttl time.Duration) *pendingRuns {
	return &pendingRuns{
		max:      max,
		ttl:      ttl,
		runs:     make(map[string]*pendingRun),
		finished: make(map[string]struct{}),
		ring:     make([]string, max),
	}
}

// Keep holds a boundary span of run. late reports that the run has already
// finished (the span is not kept); expired and evicted count the pending
// runs dropped to make room. now is read only when the span is its run's
// first (a new pending run is dated and older ones expire), so the other
// spans of a run cost no clock reading.
func (r *pendingRuns) Keep(run string, sp sdktrace.ReadOnlySpan, now func() time.Time) (late bool, expired, evicted int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pr := r.last
	if pr == nil || pr.uuid != run { // a run in r.runs is never finished
		if _, ok := r.finished[run]; ok {
			return true, 0, 0
		}
		pr = r.runs[run]
	}
	if pr == nil {
		t := now()
		expired = r.expireLocked(t)
		for len(r.runs) >= r.max {
			r.removeLocked(r.order.Front().Value.(*pendingRun))
			evicted++
		}
		pr = &pendingRun{uuid: run, created: t}
		pr.elem = r.order.PushBack(pr)
		r.runs[run] = pr
	}
	r.last = pr
	pr.spans = append(pr.spans, sp)
	pr.size += spanSize(sp)
	return false, expired, evicted
}

// Finish returns the boundary spans held for run and the sum of their
// spanSize, and remembers it as finished. again reports that run had
// already finished (its task-run span ended twice, or a second task-run
// span carries its uuid): nothing is returned, and the run is not
// remembered a second time.
func (r *pendingRuns) Finish(run string) (spans []sdktrace.ReadOnlySpan, size int64, again bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.finished[run]; ok {
		return nil, 0, true
	}
	if pr := r.runs[run]; pr != nil {
		spans, size = pr.spans, pr.size
		r.removeLocked(pr)
	}
	if old := r.ring[r.ringNext]; old != "" {
		delete(r.finished, old)
	}
	r.ring[r.ringNext] = run
	r.finished[run] = struct{}{}
	r.ringNext = (r.ringNext + 1) % len(r.ring)
	return spans, size, false
}

// Expire evicts the runs older than the TTL and returns how many.
func (r *pendingRuns) Expire(now time.Time) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.expireLocked(now)
}

// Clear forgets every pending run and returns how many there were.
func (r *pendingRuns) Clear() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := int64(len(r.runs))
	clear(r.runs)
	r.order.Init()
	r.last = nil
	return n
}

func (r *pendingRuns) expireLocked(now time.Time) int64 {
	var n int64
	for e := r.order.Front(); e != nil; e = r.order.Front() {
		pr := e.Value.(*pendingRun)
		if now.Sub(pr.created) < r.ttl {
			break
		}
		r.removeLocked(pr)
		n++
	}
	return n
}

func (r *pendingRuns) removeLocked(pr *pendingRun) {
	r.order.Remove(pr.elem)
	delete(r.runs, pr.uuid)
	if r.last == pr {
		r.last = nil
	}
}
