package main

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// latencies summarises task-run latencies.
type latencies struct {
	n             int
	p50, p99, max time.Duration
}

// summarize returns the percentiles of ds (which it sorts).
func summarize(ds []time.Duration) latencies {
	slices.Sort(ds)
	l := latencies{n: len(ds), p50: percentile(ds, 50), p99: percentile(ds, 99)}
	if len(ds) > 0 {
		l.max = ds[len(ds)-1]
	}
	return l
}

// percentile returns the p-th percentile (0 < p ≤ 100) of sorted by the
// nearest-rank method: the smallest value with at least p% of the values at
// or below it. It returns 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := min(max(int(math.Ceil(float64(len(sorted))*p/100)), 1), len(sorted))
	return sorted[rank-1]
}

// latencyBound is the largest outage p99 that passes against a healthy
// p99: max(1.2 × healthy, healthy + 200 µs).
func latencyBound(healthy time.Duration) time.Duration {
	return max(healthy*6/5, healthy+200*time.Microsecond)
}

// window returns the latencies of the runs that started in [from, to)
// (Unix nanoseconds).
func window(runs []madeRun, from, to int64) []time.Duration {
	var ds []time.Duration
	for _, r := range runs {
		if r.start >= from && r.start < to {
			ds = append(ds, r.latency)
		}
	}
	return ds
}

func (l latencies) String() string {
	return fmt.Sprintf("p50 %s, p99 %s, max %s (%d runs)", micros(l.p50), micros(l.p99), micros(l.max), l.n)
}

// micros prints d in microseconds, or milliseconds from 10 ms.
func micros(d time.Duration) string {
	if d >= 10*time.Millisecond {
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}
