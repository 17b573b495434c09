package ui

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// minBarWidth is the narrowest bar drawn, in percent of the run, so an
// instant call stays visible.
const minBarWidth = 0.3

// call is one boundary call placed on the run's time axis.
type call struct {
	// Boundary is the boundary's name.
	Boundary string
	// Index is the call's position among the boundary's calls, from 0.
	Index int
	// Start is when the call started, in milliseconds after the run started.
	Start float64
	// Duration is the call's duration in milliseconds.
	Duration float64
	// Timed is false when the record gives the call no timing.
	Timed bool
	// Error is the call's error message; empty when it succeeded.
	Error string
	// Failed is true when the call failed (Error may still be empty).
	Failed bool
	// Input and Output are the call's raw JSON.
	Input, Output json.RawMessage
}

// callView is a call as a page shows it, with its payloads.
type callView struct {
	call
	// InputView and OutputView are the payloads, indented and folded.
	InputView, OutputView jsonView
}

// newCallView returns the view of c.
func newCallView(c call) *callView {
	return &callView{call: c, InputView: newJSONView(c.Input), OutputView: newJSONView(c.Output)}
}

// bar is one bar of a timeline: a single call, or a group of calls of one
// boundary that started close together.
type bar struct {
	// Boundary is the boundary's name.
	Boundary string
	// Count is the number of calls the bar stands for; Errors how many failed.
	Count, Errors int
	// Start is when the first call started and End when the last one ended,
	// in milliseconds after the run started.
	Start, End float64
	// Busy is the sum of the calls' durations, in milliseconds.
	Busy float64
	// Left and Width place the bar, in percent of the timeline's span.
	Left, Width float64
	// Call is the call of a single-call bar; nil for a group.
	Call *callView
	// Bucket is the group's time bucket, of Buckets per boundary; it names
	// the group in the link to its calls.
	Bucket, Buckets int
}

// lane is the row of one boundary in a grouped timeline.
type lane struct {
	boundarySummary
	// Busy is the sum of the calls' durations, in milliseconds.
	Busy float64
	// Bars are the boundary's groups of calls, in start order.
	Bars []bar
}

// boundarySummary sums up the calls of one boundary.
type boundarySummary struct {
	Name          string
	Calls, Errors int
	// Total and Max are the sum and the longest of the calls' durations (ms).
	Total, Max float64
}

// timeline is the waterfall of a record's boundary calls.
type timeline struct {
	// Calls is the number of calls; Errors how many failed.
	Calls, Errors int
	// Span is the length of the time axis in milliseconds: the run's
	// duration, stretched to the last call's end when that is later.
	Span float64
	// Grouped is true when calls are grouped into fewer bars than calls.
	Grouped bool
	// Bars are the bars in start order.
	Bars []bar
	// Lanes are the bars of a grouped timeline by boundary, in the order of
	// Boundaries: a row a boundary. Nil when calls are not grouped.
	Lanes []lane
	// Boundaries sums the calls up per boundary, in the order of their first call.
	Boundaries []boundarySummary
}

// recordCalls returns the record's calls placed on its time axis, in start
// order, and the axis's span in milliseconds. The axis starts at the run's
// start; a record without timing starts it at its first call.
func recordCalls(rec *otelrecord.ExecutionRecord) ([]call, float64) {
	n := 0
	for _, cs := range rec.Boundaries {
		n += len(cs)
	}
	calls := make([]call, 0, n)
	origin, end := int64(math.MaxInt64), int64(math.MinInt64)
	if rec.Timing != nil {
		origin, end = rec.Timing.StartTime, rec.Timing.StartTime+int64(math.Ceil(rec.Timing.Duration))
	} else {
		for _, cs := range rec.Boundaries {
			for _, c := range cs {
				if c.Timing != nil {
					origin = min(origin, c.Timing.StartTime)
				}
			}
		}
	}
	for name, cs := range rec.Boundaries {
		for i, c := range cs {
			k := call{Boundary: name, Index: i, Error: c.Error, Failed: c.Error != "", Input: c.Input, Output: c.Output}
			if c.Timing != nil && origin != math.MaxInt64 {
				k.Timed = true
				k.Start = float64(c.Timing.StartTime - origin)
				k.Duration = max(c.Timing.Duration, 0)
				end = max(end, c.Timing.StartTime+int64(math.Ceil(k.Duration)))
			}
			calls = append(calls, k)
		}
	}
	slices.SortFunc(calls, func(a, b call) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.Boundary, b.Boundary), cmp.Compare(a.Index, b.Index))
	})
	span := 0.0
	if origin != math.MaxInt64 && end > origin {
		span = float64(end - origin)
	}
	if rec.Timing != nil {
		span = max(span, rec.Timing.Duration)
	}
	return calls, span
}

// newTimeline returns the timeline of the record's calls, with at most
// maxBars bars (as long as the record has no more boundaries than that):
// one bar a call when they fit, else calls grouped by boundary and by time.
func newTimeline(rec *otelrecord.ExecutionRecord, maxBars int) timeline {
	calls, span := recordCalls(rec)
	t := timeline{Calls: len(calls), Span: span, Boundaries: summarize(calls)}
	if len(calls) == 0 {
		return t
	}
	for _, c := range calls {
		if c.Failed {
			t.Errors++
		}
	}
	if len(calls) <= maxBars {
		t.Bars = make([]bar, 0, len(calls))
		for _, c := range calls {
			b := bar{Boundary: c.Boundary, Count: 1, Start: c.Start, End: c.Start + c.Duration, Busy: c.Duration, Call: newCallView(c)}
			if c.Failed {
				b.Errors = 1
			}
			t.Bars = append(t.Bars, t.place(b))
		}
		return t
	}
	t.Grouped = true
	buckets := max(1, maxBars/len(t.Boundaries))
	groups := make(map[groupKey]*bar, maxBars)
	var order []groupKey
	for _, c := range calls {
		k := groupKey{c.Boundary, bucketOf(c, span, buckets)}
		g := groups[k]
		if g == nil {
			g = &bar{Boundary: c.Boundary, Start: c.Start, End: c.Start + c.Duration, Bucket: k.bucket, Buckets: buckets}
			groups[k] = g
			order = append(order, k)
		}
		g.Count++
		g.Busy += c.Duration
		g.End = max(g.End, c.Start+c.Duration)
		if c.Failed {
			g.Errors++
		}
	}
	t.Bars = make([]bar, 0, len(order))
	for _, k := range order { // calls are in start order, so the groups are too
		t.Bars = append(t.Bars, t.place(*groups[k]))
	}
	t.Lanes = lanes(t.Boundaries, t.Bars)
	return t
}

// lanes sorts bars into one lane a boundary, in the order of summaries.
func lanes(summaries []boundarySummary, bars []bar) []lane {
	out := make([]lane, len(summaries))
	idx := make(map[string]int, len(summaries))
	for i, s := range summaries {
		out[i].boundarySummary = s
		idx[s.Name] = i
	}
	for _, b := range bars {
		l := &out[idx[b.Boundary]]
		l.Bars = append(l.Bars, b)
		l.Busy += b.Busy
	}
	return out
}

// groupKey names a group of calls: a boundary and a time bucket.
type groupKey struct {
	boundary string
	bucket   int
}

// bucketOf returns the time bucket, of buckets over span, c started in.
func bucketOf(c call, span float64, buckets int) int {
	if span <= 0 {
		return 0
	}
	return min(buckets-1, max(0, int(c.Start/span*float64(buckets))))
}

// place sets the bar's Left and Width on the timeline's axis.
func (t *timeline) place(b bar) bar {
	if t.Span <= 0 {
		b.Left, b.Width = 0, 100
		return b
	}
	b.Left = min(100-minBarWidth, max(0, 100*b.Start/t.Span))
	b.Width = min(100-b.Left, max(minBarWidth, 100*(b.End-b.Start)/t.Span))
	return b
}

// summarize sums the calls up per boundary, in the order of their first call.
func summarize(calls []call) []boundarySummary {
	idx := map[string]int{}
	var out []boundarySummary
	for _, c := range calls {
		i, ok := idx[c.Boundary]
		if !ok {
			i = len(out)
			idx[c.Boundary] = i
			out = append(out, boundarySummary{Name: c.Boundary})
		}
		s := &out[i]
		s.Calls++
		s.Total += c.Duration
		s.Max = max(s.Max, c.Duration)
		if c.Failed {
			s.Errors++
		}
	}
	return out
}
