package server

import (
	"container/list"
	"time"
)

// throttleLimits are the thresholds a throttleTable applies.
type throttleLimits struct {
	maxFailures int
	window      time.Duration
	block       time.Duration
}

// throttleTable counts failures per id (a remote address, an API key) in a
// table of at most capacity entries. An entry expires once its window has
// passed and it is not blocked; expired entries are swept at most once per
// window, and when the table is full the entry that failed least recently is
// evicted, so a flood of distinct ids costs bounded memory and never blocks
// an id that did not fail. Its methods are not safe for concurrent use: the
// caller holds a lock.
type throttleTable[K comparable] struct {
	limits    throttleLimits
	capacity  int
	entries   map[K]*list.Element // of *throttleEntry[K]
	order     *list.List          // least recently failed first
	lastSweep time.Time
}

// throttleEntry is the failure count of one id.
type throttleEntry[K comparable] struct {
	id           K
	start        time.Time // of the current window
	failures     int       // in the current window
	blockedUntil time.Time // zero: not blocked
}

func newThrottleTable[K comparable](limits throttleLimits, capacity int) *throttleTable[K] {
	return &throttleTable[K]{limits: limits, capacity: max(capacity, 1), entries: map[K]*list.Element{}, order: list.New()}
}

// Len returns the number of entries.
func (t *throttleTable[K]) Len() int { return len(t.entries) }

// blockedFor returns how much longer id is blocked at now; zero when it is
// not.
func (t *throttleTable[K]) blockedFor(id K, now time.Time) time.Duration {
	el, ok := t.entries[id]
	if !ok {
		return 0
	}
	if until := el.Value.(*throttleEntry[K]).blockedUntil; now.Before(until) {
		return until.Sub(now)
	}
	return 0
}

// fail counts a failure of id at now. It returns the failures counted in the
// window and whether this one started a block.
func (t *throttleTable[K]) fail(id K, now time.Time) (failures int, blocked bool) {
	t.sweep(now)
	el, ok := t.entries[id]
	if !ok {
		for len(t.entries) >= t.capacity {
			t.remove(t.order.Front())
		}
		el = t.order.PushBack(&throttleEntry[K]{id: id, start: now})
		t.entries[id] = el
	} else {
		t.order.MoveToBack(el)
	}
	e := el.Value.(*throttleEntry[K])
	if t.expired(e, now) || (!e.blockedUntil.IsZero() && !now.Before(e.blockedUntil)) {
		*e = throttleEntry[K]{id: id, start: now}
	}
	e.failures++
	if e.failures >= t.limits.maxFailures && e.blockedUntil.IsZero() {
		e.blockedUntil = now.Add(t.limits.block)
		return e.failures, true
	}
	return e.failures, false
}

// expired reports whether e no longer counts at now: its window has passed
// and it is not blocked.
func (t *throttleTable[K]) expired(e *throttleEntry[K], now time.Time) bool {
	return !now.Before(e.blockedUntil) && now.Sub(e.start) >= t.limits.window
}

// sweep removes the expired entries, at most once per window.
func (t *throttleTable[K]) sweep(now time.Time) {
	if len(t.entries) == 0 || now.Sub(t.lastSweep) < t.limits.window {
		return
	}
	t.lastSweep = now
	for el := t.order.Front(); el != nil; {
		next := el.Next()
		if t.expired(el.Value.(*throttleEntry[K]), now) {
			t.remove(el)
		}
		el = next
	}
}

func (t *throttleTable[K]) remove(el *list.Element) {
	delete(t.entries, el.Value.(*throttleEntry[K]).id)
	t.order.Remove(el)
}
