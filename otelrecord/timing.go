package otelrecord

import (
	"math"
	"time"
)

// TimingInfo is the timing of a task run or a boundary call. StartTime and
// EndTime are Unix milliseconds; Duration is in milliseconds and keeps
// sub-millisecond precision.
type TimingInfo struct {
	// StartTime is when the run or call started, in Unix milliseconds.
	StartTime int64 `json:"startTime"`
	// EndTime is when the run or call ended, in Unix milliseconds.
	EndTime int64 `json:"endTime"`
	// Duration is EndTime-StartTime measured in nanoseconds and expressed in
	// milliseconds, so it may carry a fraction.
	Duration float64 `json:"duration"`
}

// NewTiming returns the TimingInfo for the interval [start, end]. Span start
// and end timestamps go through this function wherever a record is built, so
// a record made in process and one rebuilt from its spans agree exactly.
//
// Monotonic clock readings are dropped first: spans that travel over OTLP
// keep only wall-clock nanoseconds, and the duration must come out the same.
func NewTiming(start, end time.Time) *TimingInfo {
	t := TimingOf(start, end)
	return &t
}

// TimingOf is NewTiming returning a value, for callers that store the timing
// inside a larger structure and want no allocation of its own.
func TimingOf(start, end time.Time) TimingInfo {
	start, end = start.Round(0), end.Round(0)
	return TimingInfo{
		StartTime: start.UnixMilli(),
		EndTime:   end.UnixMilli(),
		Duration:  float64(end.Sub(start).Nanoseconds()) / 1e6,
	}
}

// TimingFromUnixNano is TimingOf for an interval given in Unix nanoseconds,
// for callers that keep clock readings as integers: TimingFromUnixNano(
// start.UnixNano(), end.UnixNano()) equals TimingOf(start, end) for any time
// UnixNano can represent.
func TimingFromUnixNano(start, end int64) TimingInfo {
	d := end - start
	switch { // saturate as time.Time.Sub does
	case end >= start && d < 0:
		d = math.MaxInt64
	case end < start && d >= 0:
		d = math.MinInt64
	}
	return TimingInfo{
		StartTime: floorDiv(start, 1e6),
		EndTime:   floorDiv(end, 1e6),
		Duration:  float64(d) / 1e6,
	}
}

// floorDiv is a/b rounded down (b > 0), as UnixMilli rounds times before
// 1970.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}
