package exporter

import (
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// item is one run on its way to the sink: first a finished run waiting for
// the rebuilder (task and boundaries set), then what the processor's
// transport delivers, waiting for a sender: its record (rec set) or its
// spans encoded as OTLP (spans set).
type item struct {
	seq        uint64
	size       int64  // bytes counted against the queue's bound
	id         string // the run's uuid, the record's
	task       sdktrace.ReadOnlySpan
	boundaries []sdktrace.ReadOnlySpan
	rec        *otelrecord.ExecutionRecord
	spans      *RunSpans
	spooled    bool // the item is in the spool, under its id
	readyAt    time.Time
	done       bool
}

// recordQueue is the record processor's one queue between a run and the
// sink, bounded in bytes. It holds finished runs until the rebuilder turns
// them into records, and records until a sender delivers them, hands them
// back for a retry, or drops them. Every method is safe for concurrent use
// and none blocks: waiting is done on the channel Changed returns.
type recordQueue struct {
	maxBytes int64

	mu      sync.Mutex
	bytes   int64
	runs    []*item // finished runs, oldest first
	ready   []*item // records ready for delivery, oldest first
	order   []*item // every item not done, in the order it entered
	head    int     // order[head:] are the items not known done
	inBuild int     // runs taken by the rebuilder and not handed on yet
	nextSeq uint64
	changed chan struct{}
}

func newRecordQueue(maxBytes int64) *recordQueue {
	return &recordQueue{maxBytes: maxBytes, changed: make(chan struct{})}
}

// Changed returns a channel closed at the next change of the queue.
func (q *recordQueue) Changed() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.changed
}

// Wake wakes every waiter, to look at the queue again.
func (q *recordQueue) Wake() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.signalLocked()
}

// signalLocked wakes every waiter.
func (q *recordQueue) signalLocked() {
	close(q.changed)
	q.changed = make(chan struct{})
}

// enterLocked counts it in, or reports false when it does not fit. An item
// larger than the bound fits an empty queue, so it is not refused forever.
func (q *recordQueue) enterLocked(it *item) bool {
	if q.bytes > 0 && q.bytes+it.size > q.maxBytes {
		return false
	}
	q.bytes += it.size
	it.seq = q.nextSeq
	q.nextSeq++
	q.order = append(q.order, it)
	return true
}

// PushRun queues a finished run; false when it does not fit in the bound.
func (q *recordQueue) PushRun(it *item) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.enterLocked(it) {
		return false
	}
	q.runs = append(q.runs, it)
	q.signalLocked()
	return true
}

// PushLoaded queues records read back from the spool, as far as they fit;
// it returns how many it took.
func (q *recordQueue) PushLoaded(items []*item, now time.Time) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, it := range items {
		if !q.enterLocked(it) {
			break
		}
		it.readyAt = now
		q.ready = append(q.ready, it)
		n++
	}
	if n > 0 {
		q.signalLocked()
	}
	return n
}

// TakeRuns takes up to max finished runs, oldest first.
func (q *recordQueue) TakeRuns(max int) []*item {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(max, len(q.runs))
	if n == 0 {
		return nil
	}
	out := make([]*item, n)
	copy(out, q.runs)
	q.runs = q.runs[:copy(q.runs, q.runs[n:])]
	q.inBuild += n
	return out
}

// Rebuilt says the rebuilder handed on (or dropped) n runs it took.
func (q *recordQueue) Rebuilt(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inBuild -= n
	q.signalLocked()
}

// Rebuilding reports whether runs wait for the rebuilder or are being
// rebuilt.
func (q *recordQueue) Rebuilding() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.runs) > 0 || q.inBuild > 0
}

// PushReady makes rebuilt records available to the senders.
func (q *recordQueue) PushReady(items []*item, now time.Time) {
	if len(items) == 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, it := range items {
		it.readyAt = now
	}
	q.ready = append(q.ready, items...)
	q.signalLocked()
}

// Requeue hands records back, ahead of the others, for another attempt.
func (q *recordQueue) Requeue(items []*item) {
	if len(items) == 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ready = append(items[:len(items):len(items)], q.ready...)
	q.signalLocked()
}

// TakeBatch takes the oldest ready records, at most maxRecords of them and,
// beyond the first, at most maxBytes in all. Unless force is set it takes
// them only when they fill a batch or the oldest has waited for timeout.
func (q *recordQueue) TakeBatch(maxRecords int, maxBytes int64, timeout time.Duration, now time.Time, force bool) []*item {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.ready) == 0 {
		return nil
	}
	n, size := 0, int64(0)
	for n < len(q.ready) && n < maxRecords && (n == 0 || size+q.ready[n].size <= maxBytes) {
		size += q.ready[n].size
		n++
	}
	full := n == maxRecords || n < len(q.ready)
	if !force && !full && now.Sub(q.ready[0].readyAt) < timeout {
		return nil
	}
	out := make([]*item, n)
	copy(out, q.ready)
	q.ready = q.ready[:copy(q.ready, q.ready[n:])]
	return out
}

// OldestReady returns when the oldest ready record became ready, and false
// when there is none.
func (q *recordQueue) OldestReady() (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.ready) == 0 {
		return time.Time{}, false
	}
	return q.ready[0].readyAt, true
}

// Done marks items delivered or dropped and frees their bytes.
func (q *recordQueue) Done(items []*item) {
	if len(items) == 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, it := range items {
		if it.done {
			continue
		}
		it.done = true
		q.bytes -= it.size
		it.task, it.boundaries, it.rec, it.spans = nil, nil, nil, nil
	}
	for q.head < len(q.order) && q.order[q.head].done {
		q.order[q.head] = nil
		q.head++
	}
	if q.head > 1024 && q.head*2 > len(q.order) {
		q.order = q.order[:copy(q.order, q.order[q.head:])]
		q.head = 0
	}
	q.signalLocked()
}

// Next returns the sequence number the next item will get: every item that
// entered before has a smaller one.
func (q *recordQueue) Next() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.nextSeq
}

// DoneBefore reports whether every item with a sequence number below seq is
// done.
func (q *recordQueue) DoneBefore(seq uint64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.head == len(q.order) || q.order[q.head].seq >= seq
}

// Idle reports whether no run waits for the rebuilder and no record for a
// sender (records being delivered may remain).
func (q *recordQueue) Idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.runs) == 0 && len(q.ready) == 0
}

// Remaining returns the items not done: those still queued or in flight.
func (q *recordQueue) Remaining() []*item {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]*item, 0, len(q.order)-q.head)
	for _, it := range q.order[q.head:] {
		if !it.done {
			out = append(out, it)
		}
	}
	return out
}

// Bytes returns the bytes queued and the bound.
func (q *recordQueue) Bytes() (int64, int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes, q.maxBytes
}
