package task

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// Listener receives the record of every finished run, as it leaves the
// process: with its payloads redacted by the task's payload capture policy
// (see WithRedactKeys and WithCapturePayloads), so a listener that sends
// records elsewhere sends what the spans carry. It must not modify the
// record. A panicking listener is recovered and reported through otel.Handle
// (see the package doc); it never affects the run or the other listeners.
type Listener func(ctx context.Context, rec *otelrecord.ExecutionRecord)

// ListenerID identifies a listener added with AddListener.
type ListenerID uint64

type listenerEntry struct {
	id ListenerID
	l  Listener
}

// listeners is a copy-on-write list: runs read it without locking.
type listeners struct {
	mu   sync.Mutex
	next ListenerID
	list atomic.Pointer[[]listenerEntry]
}

func (ls *listeners) add(l Listener) ListenerID {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.next++
	var cur []listenerEntry
	if p := ls.list.Load(); p != nil {
		cur = *p
	}
	n := append(append(make([]listenerEntry, 0, len(cur)+1), cur...), listenerEntry{ls.next, l})
	ls.list.Store(&n)
	return ls.next
}

func (ls *listeners) remove(id ListenerID) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	p := ls.list.Load()
	if p == nil {
		return false
	}
	n := make([]listenerEntry, 0, len(*p))
	for _, e := range *p {
		if e.id != id {
			n = append(n, e)
		}
	}
	if len(n) == len(*p) {
		return false
	}
	ls.list.Store(&n)
	return true
}

func (ls *listeners) snapshot() []listenerEntry {
	if p := ls.list.Load(); p != nil {
		return *p
	}
	return nil
}

// callListener calls l, recovering a panic and reporting it.
func callListener(ctx context.Context, task string, l Listener, rec *otelrecord.ExecutionRecord) {
	defer func() {
		if r := recover(); r != nil {
			run.Handle(reasonListenerPanic, fmt.Errorf("task %s: record %s: %w", task, rec.UUID, run.PanicError(r)))
		}
	}()
	l(ctx, rec)
}

// Global listeners.
//
// Each finished run with at least one global listener starts one goroutine
// that calls every global listener in turn with a copy of the record, so a
// slow listener never delays a run. At most maxGlobalDeliveries deliveries are
// in flight; beyond that a record is dropped for the global listeners, the
// drop is counted and reported through otel.Handle (see the package doc). Deliveries of different runs may reach a
// listener concurrently and in any order. Nothing is kept once a delivery has
// finished.
const maxGlobalDeliveries = 1024

var (
	globalListeners listeners
	globalInFlight  = make(chan struct{}, maxGlobalDeliveries)
	globalDropped   atomic.Uint64
	globalWG        sync.WaitGroup // lets tests wait for deliveries
)

// ListenExecutionRecords adds l to the global listeners, which receive the
// record of every run of every task (after the task's own listeners). They
// run off the caller's path, on a goroutine per delivery, with a context that
// keeps the values of the run's caller context but not its cancellation; see
// the package's note on global listeners for the bounds. The returned
// function removes l; calling it again does nothing. A nil l is ignored.
func ListenExecutionRecords(l Listener) (remove func()) {
	if l == nil {
		return func() {}
	}
	id := globalListeners.add(l)
	var once sync.Once
	return func() { once.Do(func() { globalListeners.remove(id) }) }
}

// hasGlobalListeners reports whether any global listener is registered.
func hasGlobalListeners() bool { return len(globalListeners.snapshot()) > 0 }

// deliverGlobal hands rec to the global listeners without blocking.
func deliverGlobal(ctx context.Context, task string, rec *otelrecord.ExecutionRecord) {
	ls := globalListeners.snapshot()
	if len(ls) == 0 {
		return
	}
	select {
	case globalInFlight <- struct{}{}:
	default:
		n := globalDropped.Add(1)
		run.Handle(reasonGlobalBusy, fmt.Errorf("task %s: record %s dropped for the global listeners (%d dropped since the process started)",
			task, rec.UUID, n))
		return
	}
	c := rec.Clone()
	dctx := context.WithoutCancel(ctx)
	globalWG.Add(1)
	go func() {
		defer globalWG.Done()
		defer func() { <-globalInFlight }()
		for _, e := range ls {
			callListener(dctx, task, e.l, c)
		}
	}()
}
