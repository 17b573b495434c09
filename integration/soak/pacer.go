package main

import "time"

// pacer issues runs at a fixed rate for a fixed window. Run i is due at
// start + i/rate: the count of due runs is computed from the time elapsed,
// never accumulated from ticks, so late or missed ticks are made up at the
// next one and the schedule does not drift.
type pacer struct {
	start  time.Time
	rate   int64 // runs per second
	total  int64 // runs in the window
	issued int64
}

// newPacer returns a pacer of rate runs per second over window d from
// start. A rate or window that is not positive issues nothing.
func newPacer(start time.Time, rate int, d time.Duration) *pacer {
	p := &pacer{start: start, rate: int64(rate)}
	if rate > 0 && d > 0 {
		p.total = int64(rate) * d.Nanoseconds() / int64(time.Second)
	}
	return p
}

// due returns how many runs became due by now that were not issued yet, and
// counts them as issued.
func (p *pacer) due(now time.Time) int64 {
	elapsed := now.Sub(p.start)
	if elapsed < 0 {
		return 0
	}
	// Run i is due when i <= elapsed*rate, so runs 0..k-1 with
	// k = floor(elapsed*rate)+1 are due.
	want := min(elapsed.Nanoseconds()*p.rate/int64(time.Second)+1, p.total)
	n := max(want-p.issued, 0)
	p.issued += n
	return n
}

// done reports whether every run of the window was issued.
func (p *pacer) done() bool { return p.issued >= p.total }

// runs returns the number of runs of the window.
func (p *pacer) runs() int64 { return p.total }

// tick returns the period of the ticker driving the pacer: one run's
// interval, but no shorter than a millisecond (several runs are then issued
// a tick).
func (p *pacer) tick() time.Duration {
	if p.rate <= 0 {
		return time.Second
	}
	return max(time.Second/time.Duration(p.rate), time.Millisecond)
}
