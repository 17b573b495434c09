package run

import (
	"time"

	"github.com/hivetrace/hivetrace/internal/tally"
)

// omittedCalls aggregates the calls a run omitted, by boundary name. It is
// guarded by the run's lock.
type omittedCalls struct {
	names tally.Tally[string] // the count of each boundary's omitted calls
	nanos []int64             // their total duration, by the tally's index
	total int
}

// OmittedCalls is the aggregate of the omitted calls of one boundary.
type OmittedCalls struct {
	// Name is the boundary's name.
	Name string
	// Count is the number of finished calls omitted.
	Count int
	// Duration is their total duration.
	Duration time.Duration
}

// Omit counts a finished call of the boundary name that Begin omitted, with
// its start and end readings of the run's clock.
func (r *Run[M]) Omit(name string, start, end int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := &r.omitted
	g := o.names.Add(name)
	if g == len(o.nanos) {
		o.nanos = append(o.nanos, 0)
	}
	o.nanos[g] += end - start
	o.total++
}

// Omitted returns the number of finished calls the run omitted (see Begin)
// and their aggregates by boundary, in the order the boundaries were first
// omitted; nil when there are none.
func (r *Run[M]) Omitted() (total int, byName []OmittedCalls) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := &r.omitted
	if o.total == 0 {
		return 0, nil
	}
	byName = make([]OmittedCalls, o.names.Len())
	for i, name := range o.names.Keys() {
		byName[i] = OmittedCalls{Name: name, Count: o.names.Counts()[i], Duration: time.Duration(o.nanos[i])}
	}
	return o.total, byName
}
