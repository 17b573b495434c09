package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPercentile(t *testing.T) {
	ds := make([]time.Duration, 100)
	for i := range ds {
		ds[i] = time.Duration(i+1) * time.Microsecond
	}
	assert.Equal(t, 50*time.Microsecond, percentile(ds, 50))
	assert.Equal(t, 99*time.Microsecond, percentile(ds, 99))
	assert.Equal(t, 100*time.Microsecond, percentile(ds, 100))
	assert.Equal(t, time.Microsecond, percentile(ds, 0.001))
	assert.Equal(t, time.Duration(0), percentile(nil, 99))
	assert.Equal(t, 7*time.Microsecond, percentile([]time.Duration{7 * time.Microsecond}, 99))
	// Nearest rank: the 99th percentile of 1000 values is the 990th.
	big := make([]time.Duration, 1000)
	for i := range big {
		big[i] = time.Duration(i + 1)
	}
	assert.Equal(t, time.Duration(990), percentile(big, 99))
}

func TestSummarizeSorts(t *testing.T) {
	l := summarize([]time.Duration{5, 1, 4, 2, 3})
	assert.Equal(t, latencies{n: 5, p50: 3, p99: 5, max: 5}, l)
	assert.Equal(t, latencies{}, summarize(nil))
}

func TestLatencyBound(t *testing.T) {
	assert.Equal(t, 1200*time.Microsecond, latencyBound(1000*time.Microsecond), "1.2× above 1 ms")
	assert.Equal(t, 500*time.Microsecond, latencyBound(300*time.Microsecond), "+200 µs below 1 ms")
}

func TestWindow(t *testing.T) {
	runs := []madeRun{{start: 10, latency: 1}, {start: 20, latency: 2}, {start: 30, latency: 3}}
	assert.Equal(t, []time.Duration{2}, window(runs, 20, 30), "[from, to)")
	assert.Empty(t, window(runs, 40, 50))
}

func TestMicros(t *testing.T) {
	assert.Equal(t, "873 µs", micros(873*time.Microsecond+200))
	assert.Equal(t, "12.5 ms", micros(12500*time.Microsecond))
}
