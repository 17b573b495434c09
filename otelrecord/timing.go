package otelrecord

import (
	"math"
	"time"
)

// TimingInfo is the timing of a task run or a boundary call. StartTime and
// EndTime are Unix milliseconds; Duration is in milliseconds and keeps
// sub-millisecond precision.
//
// Its JSON (MarshalJSON, UnmarshalJSON) is the Forge Hive shape
// {"startTime","endTime","duration"}, and a timing decoded from JSON encodes
// back to the same numbers: records of the TypeScript implementation may
// carry fractional start and end times, kept beside the whole milliseconds
// of StartTime and EndTime (StartMillis, EndMillis), and may leave the
// duration out, which HasDuration then reports.
type TimingInfo struct {
	// StartTime is when the run or call started, in Unix milliseconds
	// (rounded down when the JSON carried a fraction: see StartMillis).
	StartTime int64 `json:"startTime"`
	// EndTime is when the run or call ended, in Unix milliseconds (rounded
	// down when the JSON carried a fraction: see EndMillis).
	EndTime int64 `json:"endTime"`
	// Duration is EndTime-StartTime measured in nanoseconds and expressed in
	// milliseconds, so it may carry a fraction. For a timing decoded without
	// a duration (HasDuration false) it is derived from the start and end
	// times, and is not encoded.
	Duration float64 `json:"duration"`

	// decoded holds what the fields above cannot say of a timing decoded
	// from JSON; nil for every timing made from clock readings, so the
	// timings of the hot path stay small and allocation-free.
	decoded *timingExtra
}

// timingExtra is what a decoded timing carried beyond whole-millisecond
// start and end times and a duration.
type timingExtra struct {
	startFrac, endFrac float64 // the part of startTime and endTime below a millisecond, in [0, 1)
	noDuration         bool    // the JSON had no "duration"
	derived            bool    // noDuration, and Duration is derived from both times
}

// HasDuration reports whether the timing has a duration of its own: false
// only for a timing decoded from JSON without "duration", whose Duration is
// derived from its start and end times (0 when one is missing) and which
// encodes without it.
func (t TimingInfo) HasDuration() bool { return t.decoded == nil || !t.decoded.noDuration }

// KnownDuration returns the duration and whether it is known: the timing's
// own, or one derived from the start and end times of a timing decoded
// without duration. It is false only for a decoded timing that had neither a
// duration nor both times; printers show no duration then, never 0.
func (t TimingInfo) KnownDuration() (float64, bool) {
	return t.Duration, t.HasDuration() || t.decoded.derived
}

// StartMillis is the start time in Unix milliseconds, with the fraction a
// decoded startTime carried.
func (t TimingInfo) StartMillis() float64 {
	if t.decoded == nil {
		return float64(t.StartTime)
	}
	return float64(t.StartTime) + t.decoded.startFrac
}

// EndMillis is the end time in Unix milliseconds, with the fraction a
// decoded endTime carried.
func (t TimingInfo) EndMillis() float64 {
	if t.decoded == nil {
		return float64(t.EndTime)
	}
	return float64(t.EndTime) + t.decoded.endFrac
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
