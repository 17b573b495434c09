package otelrecord

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
)

func TestRebuildRun(t *testing.T) {
	type check func(t *testing.T, rec *ExecutionRecord, err error)
	complete := func(want func() *ExecutionRecord) check {
		return func(t *testing.T, rec *ExecutionRecord, err error) {
			require.NoError(t, err)
			requireSameJSON(t, want(), rec)
			assert.NotContains(t, rec.Metadata, MetadataIncomplete)
		}
	}
	incomplete := func(reason string) check {
		return func(t *testing.T, rec *ExecutionRecord, err error) {
			require.ErrorIs(t, err, ErrIncomplete)
			var ie *IncompleteError
			require.ErrorAs(t, err, &ie)
			assert.Contains(t, ie.Reason, reason)
			assert.Equal(t, rec.UUID, ie.RunUUID)
			assert.Equal(t, rec.TaskName, ie.TaskName)
			require.NotNil(t, rec)
			assert.Equal(t, ie.Reason, rec.Metadata[MetadataIncomplete])
			_, merr := json.Marshal(rec)
			require.NoError(t, merr, "an incomplete record still encodes")
		}
	}
	withCalls := func(task taskSpec, calls []callSpec) (Span, []Span) {
		var bs []Span
		for _, c := range calls {
			bs = append(bs, c.span())
		}
		return task.span(), bs
	}

	tests := []struct {
		name  string
		spans func() (Span, []Span)
		check check
	}{
		{
			name:  "success",
			spans: func() (Span, []Span) { return withCalls(scenarioTask(), scenarioCalls()) },
			check: complete(scenarioRecord),
		},
		{
			name: "boundary spans out of order",
			spans: func() (Span, []Span) {
				task, bs := withCalls(scenarioTask(), scenarioCalls())
				return task, permute(bs)
			},
			check: complete(scenarioRecord),
		},
		{
			name: "error record",
			spans: func() (Span, []Span) {
				ts := scenarioTask()
				ts.output, ts.err, ts.recordType = nil, "user 99 not found", "error"
				return withCalls(ts, scenarioCalls())
			},
			check: func(t *testing.T, rec *ExecutionRecord, err error) {
				require.NoError(t, err)
				want := scenarioRecord()
				want.Output, want.Error, want.Type = nil, "user 99 not found", TypeError
				requireSameJSON(t, want, rec)
				b, _ := json.Marshal(rec)
				var top map[string]any
				require.NoError(t, json.Unmarshal(b, &top))
				assert.NotContains(t, top, "output")
			},
		},
		{
			name: "error message from span status when the attribute is absent",
			spans: func() (Span, []Span) {
				ts := scenarioTask()
				ts.output, ts.err, ts.recordType = nil, "boom", "error"
				task, bs := withCalls(ts, scenarioCalls())
				task.Attributes = withoutKey(task.Attributes, TaskErrorKey)
				return task, bs
			},
			check: func(t *testing.T, rec *ExecutionRecord, err error) {
				require.NoError(t, err)
				assert.Equal(t, "boom", rec.Error)
			},
		},
		{
			name: "explicit null output",
			spans: func() (Span, []Span) {
				ts := scenarioTask()
				ts.output = str("null")
				return withCalls(ts, scenarioCalls())
			},
			check: func(t *testing.T, rec *ExecutionRecord, err error) {
				require.NoError(t, err)
				assert.Equal(t, json.RawMessage("null"), rec.Output)
				b, _ := json.Marshal(rec)
				assert.Contains(t, string(b), `"output":null`)
			},
		},
		{
			name: "absent output on success is reported",
			spans: func() (Span, []Span) {
				ts := scenarioTask()
				ts.output = nil
				return withCalls(ts, scenarioCalls())
			},
			check: func(t *testing.T, rec *ExecutionRecord, err error) {
				incomplete("missing hive.task.output")(t, rec, err)
				assert.Nil(t, rec.Output)
			},
		},
		{
			name: "missing boundary spans",
			spans: func() (Span, []Span) {
				return withCalls(scenarioTask(), scenarioCalls()[:2])
			},
			check: func(t *testing.T, rec *ExecutionRecord, err error) {
				incomplete("have 2 of 3 boundary spans")(t, rec, err)
				assert.Len(t, rec.Boundaries["fetchUser"], 1)
				assert.Len(t, rec.Boundaries["clock"], 1)
				assert.Equal(t, "req-1", rec.Metadata["requestId"], "metadata kept beside the marker")
			},
		},
		{
			name: "the same boundary span twice counts once",
			spans: func() (Span, []Span) {
				task, bs := withCalls(scenarioTask(), scenarioCalls())
				return task, append(bs, bs[0], bs[2])
			},
			check: complete(scenarioRecord),
		},
		{
			name: "boundary spans of another run are left out",
			spans: func() (Span, []Span) {
				task, bs := withCalls(scenarioTask(), scenarioCalls())
				other := callSpec{id: 9, uuid: "other-run", name: "fetchUser", seq: 0, input: `[5]`, output: str(`{}`)}
				return task, append(bs, other.span())
			},
			check: func(t *testing.T, rec *ExecutionRecord, err error) {
				incomplete(`belongs to run "other-run"`)(t, rec, err)
				assert.Len(t, rec.Boundaries["fetchUser"], 2)
			},
		},
		{
			name: "unknown attributes are ignored",
			spans: func() (Span, []Span) {
				ts := scenarioTask()
				ts.extra = []attribute.KeyValue{
					attribute.String("http.request.method", "GET"),
					attribute.String("hive.future.thing", "x"),
					attribute.Int("hive.task.whatever", 3),
				}
				calls := scenarioCalls()
				calls[0].extra = []attribute.KeyValue{attribute.Bool("hive.boundary.new", true), attribute.Float64("x", 1)}
				return withCalls(ts, calls)
			},
			check: complete(scenarioRecord),
		},
		{
			name: "truncated payload markers stay in the record",
			spans: func() (Span, []Span) {
				big := `{"items":"` + strings.Repeat("é", 5000) + `"}`
				marker, cut := Truncate([]byte(big), 256)
				if !cut {
					panic("not truncated")
				}
				calls := scenarioCalls()
				calls[0].output = str(string(marker))
				ts := scenarioTask()
				ts.input = str(string(marker))
				return withCalls(ts, calls)
			},
			check: func(t *testing.T, rec *ExecutionRecord, err error) {
				require.NoError(t, err)
				tr, ok := IsTruncated(rec.Boundaries["fetchUser"][0].Output)
				require.True(t, ok)
				assert.Equal(t, len(`{"items":""}`)+2*5000, tr.OriginalSize)
				_, ok = IsTruncated(rec.Input)
				assert.True(t, ok)
			},
		},
		{
			name: "more than 128 metrics from hive.task.metrics",
			spans: func() (Span, []Span) {
				ts := scenarioTask()
				ts.metrics = metricsJSON(300)
				return withCalls(ts, scenarioCalls())
			},
			check: func(t *testing.T, rec *ExecutionRecord, err error) {
				require.NoError(t, err)
				require.Len(t, rec.Metrics, 300)
				assert.Equal(t, Metric{Type: "perf", Name: "m299", Value: 74.75}, rec.Metrics[299])
			},
		},
		{
			name: "metrics from events when hive.task.metrics is absent",
			spans: func() (Span, []Span) {
				ts := scenarioTask()
				ts.metrics = ""
				ts.events = []Event{
					{Name: MetricEventName, Time: at(1), Attributes: []attribute.KeyValue{
						MetricTypeKey.String("business"), MetricNameKey.String("score"), MetricValueKey.Float64(10.5)}},
					{Name: "exception"},
					{Name: MetricEventName, Time: at(2), Attributes: []attribute.KeyValue{
						MetricTypeKey.String("perf"), MetricNameKey.String("items"), MetricValueKey.Int(3)}},
				}
				return withCalls(ts, scenarioCalls())
			},
			check: func(t *testing.T, rec *ExecutionRecord, err error) {
				require.NoError(t, err)
				assert.Equal(t, []Metric{{"business", "score", 10.5}, {"perf", "items", 3}}, rec.Metrics)
			},
		},
		{
			name: "metadata from hive.metadata.* when hive.task.metadata is absent",
			spans: func() (Span, []Span) {
				ts := scenarioTask()
				ts.metadata = ""
				ts.extra = []attribute.KeyValue{
					attribute.String(MetadataKeyPrefix+"requestId", "req-1"),
					attribute.Int(MetadataKeyPrefix+"attempt", 2),
				}
				return withCalls(ts, scenarioCalls())
			},
			check: func(t *testing.T, rec *ExecutionRecord, err error) {
				require.NoError(t, err)
				assert.Equal(t, map[string]string{"requestId": "req-1", "attempt": "2"}, rec.Metadata)
			},
		},
		{
			name: "invalid input: no timing, declared boundaries empty",
			spans: func() (Span, []Span) {
				ts := scenarioTask()
				ts.output, ts.metadata, ts.metrics = nil, "", ""
				ts.recordType, ts.err, ts.invalidInput, ts.calls = "error", "Invalid input on: userId: required", true, 0
				return ts.span(), nil
			},
			check: func(t *testing.T, rec *ExecutionRecord, err error) {
				require.NoError(t, err)
				assert.Nil(t, rec.Timing)
				b, _ := json.Marshal(rec)
				assert.JSONEq(t, `{"uuid":"`+runA+`","taskName":"getUserReport","input":{"userId":1},
					"error":"Invalid input on: userId: required","type":"error",
					"boundaries":{"fetchUser":[],"clock":[],"audit":[]}}`, string(b))
			},
		},
		{
			name: "garbage attributes",
			spans: func() (Span, []Span) {
				ts := scenarioTask()
				ts.input = str(`{oops`)
				ts.recordType = "maybe"
				ts.metadata = `["not","an","object"]`
				ts.metrics = `{"nope":1}`
				task, bs := withCalls(ts, scenarioCalls())
				task.Attributes = append(withoutKey(task.Attributes, TaskNameKey, TaskBoundaryCallsKey),
					TaskNameKey.Int(7), TaskBoundaryCallsKey.String("three"))
				bs[1].Attributes = append(withoutKey(bs[1].Attributes, BoundarySeqKey, BoundaryOutputKey),
					BoundarySeqKey.String("one"), BoundaryOutputKey.String("not json"))
				return task, bs
			},
			check: func(t *testing.T, rec *ExecutionRecord, err error) {
				incomplete("hive.task.input is not valid JSON")(t, rec, err)
				reason := rec.Metadata[MetadataIncomplete]
				for _, want := range []string{
					"hive.task.name is a INT64, not a string",
					`hive.record.type is "maybe"`,
					"hive.task.metadata is not a JSON object",
					"hive.task.metrics is not a JSON array",
					"hive.task.boundary_calls is not an integer",
					"hive.boundary.seq is not an integer",
					"boundary clock call 2: hive.boundary.output is not valid JSON",
				} {
					assert.Contains(t, reason, want)
				}
				assert.Equal(t, "getUserReport", rec.TaskName, "falls back to the span name")
				assert.Equal(t, json.RawMessage(`"{oops"`), rec.Input, "kept as a JSON string")
				assert.Equal(t, TypeSuccess, rec.Type)
				require.Len(t, rec.Boundaries["clock"], 1, "the call without seq sorts last but is kept")
				assert.Equal(t, json.RawMessage(`"not json"`), rec.Boundaries["clock"][0].Output)
			},
		},
		{
			name: "a task-run span with no attributes at all",
			spans: func() (Span, []Span) {
				return Span{Name: "mystery"}, []Span{{Name: "b"}}
			},
			check: func(t *testing.T, rec *ExecutionRecord, err error) {
				incomplete("missing hive.kind")(t, rec, err)
				assert.Equal(t, "mystery", rec.TaskName)
				assert.Len(t, rec.Boundaries["b"], 1)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task, bs := tt.spans()
			rec, err := RebuildRun(task, bs)
			require.NotNil(t, rec)
			tt.check(t, rec, err)
		})
	}
}

func TestRebuildRunDoesNotModifySpans(t *testing.T) {
	task := scenarioTask().span()
	calls := permute(scenarioSpans()[1:])
	before := append([]Span(nil), calls...)
	_, err := RebuildRun(task, calls)
	require.NoError(t, err)
	assert.Equal(t, before, calls)
}

func TestRebuildRunBoundarySlicesAreIndependent(t *testing.T) {
	rec, err := RebuildRun(scenarioTask().span(), scenarioSpans()[1:])
	require.NoError(t, err)
	clock := rec.Boundaries["clock"]
	rec.Boundaries["fetchUser"] = append(rec.Boundaries["fetchUser"], BoundaryRecord{Error: "x"})
	assert.Equal(t, clock, rec.Boundaries["clock"], "appending to one boundary must not overwrite another")
}

// nestedSpans is a three-level run: outer calls middle as a boundary, middle
// calls inner as a boundary, inner calls db. User spans sit in between.
func nestedSpans() ([]Span, []*ExecutionRecord) {
	const outer, middle, inner = "run-outer", "run-middle", "run-inner"
	spans := []Span{
		taskSpec{id: 10, uuid: outer, name: "outer", start: 0, end: 10, declared: []string{"middle"},
			input: str(`{"n":1}`), output: str(`{"ok":true}`), recordType: "success", calls: 1}.span(),
		userSpan(11, 10, 0.5, 9.5),
		callSpec{id: 12, parent: 11, uuid: outer, name: "middle", seq: 0, start: 1, end: 9, input: `[{"n":1}]`, output: str(`{"m":2}`)}.span(),
		taskSpec{id: 13, parent: 12, uuid: middle, name: "middle", start: 1.5, end: 8.5, declared: []string{"inner", "log"},
			input: str(`{"n":1}`), output: str(`{"m":2}`), recordType: "success", calls: 1}.span(),
		callSpec{id: 14, parent: 13, uuid: middle, name: "inner", seq: 0, start: 2, end: 8, input: `[2]`, output: str(`3`)}.span(),
		taskSpec{id: 15, parent: 14, uuid: inner, name: "inner", start: 2.5, end: 7.5, declared: []string{"db"},
			input: str(`2`), output: str(`3`), recordType: "success", calls: 2}.span(),
		userSpan(16, 15, 3, 7),
		callSpec{id: 17, parent: 16, uuid: inner, name: "db", seq: 0, start: 3.5, end: 4, input: `["select 1"]`, output: str(`[1]`)}.span(),
		callSpec{id: 18, parent: 16, uuid: inner, name: "db", seq: 1, start: 4.5, end: 5, input: `["select 2"]`, output: str(`[2]`)}.span(),
	}
	want := []*ExecutionRecord{
		{UUID: outer, TaskName: "outer", Input: json.RawMessage(`{"n":1}`), Output: json.RawMessage(`{"ok":true}`), Type: TypeSuccess,
			Boundaries: map[string][]BoundaryRecord{"middle": {{Input: json.RawMessage(`[{"n":1}]`), Output: json.RawMessage(`{"m":2}`), Timing: NewTiming(at(1), at(9))}}},
			Timing:     NewTiming(at(0), at(10))},
		{UUID: middle, TaskName: "middle", Input: json.RawMessage(`{"n":1}`), Output: json.RawMessage(`{"m":2}`), Type: TypeSuccess,
			Boundaries: map[string][]BoundaryRecord{"inner": {{Input: json.RawMessage(`[2]`), Output: json.RawMessage(`3`), Timing: NewTiming(at(2), at(8))}}, "log": {}},
			Timing:     NewTiming(at(1.5), at(8.5))},
		{UUID: inner, TaskName: "inner", Input: json.RawMessage(`2`), Output: json.RawMessage(`3`), Type: TypeSuccess,
			Boundaries: map[string][]BoundaryRecord{"db": {
				{Input: json.RawMessage(`["select 1"]`), Output: json.RawMessage(`[1]`), Timing: NewTiming(at(3.5), at(4))},
				{Input: json.RawMessage(`["select 2"]`), Output: json.RawMessage(`[2]`), Timing: NewTiming(at(4.5), at(5))},
			}},
			Timing: NewTiming(at(2.5), at(7.5))},
	}
	return spans, want
}

func TestRebuild(t *testing.T) {
	t.Run("nested runs, three levels", func(t *testing.T) {
		spans, want := nestedSpans()
		recs, err := Rebuild(spans)
		require.NoError(t, err)
		requireSameRecords(t, want, recs)
	})
	t.Run("out of order", func(t *testing.T) {
		spans, want := nestedSpans()
		spans = append(spans, scenarioSpans()...)
		want = append([]*ExecutionRecord{scenarioRecord()}, want...) // scenario starts at t0 too, listed first
		recs, err := Rebuild(permute(spans))
		require.NoError(t, err)
		requireSameRecordsByUUID(t, want, recs)
		for i := 1; i < len(recs); i++ {
			assert.LessOrEqual(t, recs[i-1].Timing.StartTime, recs[i].Timing.StartTime, "ordered by start time")
		}
	})
	t.Run("orphan boundary spans", func(t *testing.T) {
		spans, want := nestedSpans()
		orphan := callSpec{id: 30, uuid: "run-gone", name: "db", seq: 0, input: `[1]`, output: str(`1`)}.span()
		spans = append(spans, orphan, orphan)
		recs, err := Rebuild(spans)
		require.ErrorIs(t, err, ErrOrphanBoundarySpans)
		assert.NotErrorIs(t, err, ErrIncomplete)
		assert.Contains(t, err.Error(), `run "run-gone": 2 boundary spans`)
		requireSameRecords(t, want, recs)
	})
	t.Run("missing boundary span of the inner run", func(t *testing.T) {
		spans, want := nestedSpans()
		spans = spans[:len(spans)-1]
		recs, err := Rebuild(spans)
		require.ErrorIs(t, err, ErrIncomplete)
		var ie *IncompleteError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, "run-inner", ie.RunUUID)
		requireSameRecords(t, want[:2], recs[:2])
		assert.Equal(t, "have 1 of 2 boundary spans", recs[2].Metadata[MetadataIncomplete])
	})
	t.Run("the same task span twice, and a second one", func(t *testing.T) {
		spans := scenarioSpans()
		spans = append(spans, spans[0])
		recs, err := Rebuild(spans)
		require.NoError(t, err)
		requireSameRecords(t, []*ExecutionRecord{scenarioRecord()}, recs)

		other := spans[0]
		other.SpanID = spanID(99)
		recs, err = Rebuild(append(spans, other))
		require.ErrorIs(t, err, ErrDuplicateTaskSpan)
		requireSameRecords(t, []*ExecutionRecord{scenarioRecord()}, recs)
	})
	t.Run("task-run span without a run uuid", func(t *testing.T) {
		task := scenarioTask().span()
		task.Attributes = withoutKey(task.Attributes, RunUUIDKey)
		recs, err := Rebuild([]Span{task, userSpan(5, 1, 0, 1)})
		require.ErrorIs(t, err, ErrIncomplete)
		require.Len(t, recs, 1)
		assert.Contains(t, recs[0].Metadata[MetadataIncomplete], "missing hive.run.uuid")
	})
	t.Run("no spans", func(t *testing.T) {
		recs, err := Rebuild(nil)
		require.NoError(t, err)
		assert.Empty(t, recs)
	})
}

func withoutKey(attrs []attribute.KeyValue, keys ...attribute.Key) []attribute.KeyValue {
	out := make([]attribute.KeyValue, 0, len(attrs))
next:
	for _, kv := range attrs {
		for _, k := range keys {
			if kv.Key == k {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

func TestIncompleteError(t *testing.T) {
	err := error(&IncompleteError{RunUUID: "r", TaskName: "t", Reason: "why"})
	assert.True(t, errors.Is(err, ErrIncomplete))
	assert.Equal(t, `otelrecord: incomplete record of task "t" run "r": why`, err.Error())
}

func TestClassify(t *testing.T) {
	kind, uuid := Classify(scenarioTask().span().Attributes)
	assert.Equal(t, KindTask, kind)
	assert.Equal(t, runA, uuid)
	kind, uuid = Classify([]attribute.KeyValue{KindKey.Int(1), RunUUIDKey.String("u")})
	assert.Equal(t, "", kind)
	assert.Equal(t, "u", uuid)
	kind, uuid = Classify(nil)
	assert.Empty(t, kind+uuid)
	attrs := scenarioCalls()[0].span().Attributes
	assert.Zero(t, testing.AllocsPerRun(100, func() { Classify(attrs) }))
}
