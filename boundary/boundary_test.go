package boundary

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

type user struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// fetcher returns a boundary that counts its real calls and fails for id 99.
func fetcher(calls *atomic.Int64) *Boundary[int, user] {
	return New("fetchUser", func(_ context.Context, id int) (user, error) {
		calls.Add(1)
		if id == 99 {
			return user{}, fmt.Errorf("user %d not found", id)
		}
		return user{ID: id, Name: fmt.Sprintf("user-%d", id)}, nil
	})
}

func rec(input, output, errMsg string) otelrecord.BoundaryRecord {
	r := otelrecord.BoundaryRecord{Input: json.RawMessage(input), Error: errMsg}
	if output != "" {
		r.Output = json.RawMessage(output)
	}
	return r
}

func tape(t *testing.T, data map[string][]otelrecord.BoundaryRecord) *run.Tape {
	t.Helper()
	tp, err := run.NewTape(data)
	require.NoError(t, err)
	return tp
}

func TestCallOutsideRun(t *testing.T) {
	tp, exp := newTestProvider(t)
	var n atomic.Int64
	b := New("fetchUser", fetcher(&n).fn, WithTracerProvider(tp))

	u, err := b.Call(context.Background(), 1)
	require.NoError(t, err)
	assert.Equal(t, user{1, "user-1"}, u)
	assert.Equal(t, int64(1), n.Load())

	spans := exp.GetSpans()
	require.Len(t, spans, 1)
	s := spans[0]
	assert.Equal(t, "fetchUser", s.Name)
	assert.Equal(t, trace.SpanKindClient, s.SpanKind)
	a := attrs(s)
	assert.Equal(t, otelrecord.KindBoundary, a[otelrecord.KindKey].AsString())
	assert.Equal(t, "[1]", a[otelrecord.BoundaryInputKey].AsString())
	assert.JSONEq(t, `{"id":1,"name":"user-1"}`, a[otelrecord.BoundaryOutputKey].AsString())
	_, hasMode := a[otelrecord.BoundaryModeKey]
	assert.False(t, hasMode, "proxy, the default mode, is not written")
	_, hasRun := a[otelrecord.RunUUIDKey]
	assert.False(t, hasRun, "calls outside a run belong to no record")
	_, hasSeq := a[otelrecord.BoundarySeqKey]
	assert.False(t, hasSeq)
}

func TestCallLoggedOnlyInsideRun(t *testing.T) {
	tp, exp := newTestProvider(t)
	var n atomic.Int64
	b := fetcher(&n)
	r := newRun(tp, run.Config[Mode]{UUID: "run-1"})

	_, err := b.Call(context.Background(), 1) // outside: not logged
	require.NoError(t, err)
	_, err = b.Call(run.NewContext(context.Background(), r), 2)
	require.NoError(t, err)
	_, err = b.Call(run.NewContext(context.Background(), r), 99)
	require.EqualError(t, err, "user 99 not found")

	calls := r.Calls()
	require.Len(t, calls["fetchUser"], 2)
	assert.Equal(t, 2, r.CallCount())
	first, second := calls["fetchUser"][0], calls["fetchUser"][1]
	assert.JSONEq(t, `[2]`, string(first.Input))
	assert.JSONEq(t, `{"id":2,"name":"user-2"}`, string(first.Output))
	assert.Empty(t, first.Error)
	require.NotNil(t, first.Timing)
	assert.JSONEq(t, `[99]`, string(second.Input))
	assert.Nil(t, second.Output)
	assert.Equal(t, "user 99 not found", second.Error)
	assert.Nil(t, run.FromContext[Mode](context.Background()))
	requireCallsRebuilt(t, exp, r) // the call outside the run is not in it
}

func TestSpanMatchesLog(t *testing.T) {
	tp, exp := newTestProvider(t)
	var n atomic.Int64
	b := fetcher(&n)
	r := newRun(tp, run.Config[Mode]{UUID: "run-1"})
	ctx, parent := tp.Tracer("test").Start(run.NewContext(context.Background(), r), "task")
	_, _ = b.Call(ctx, 1)
	_, _ = b.Call(ctx, 99)
	parent.End()

	spans := exp.GetSpans()
	require.Len(t, spans, 3)
	calls := r.Calls()["fetchUser"]
	for i, s := range spans[:2] {
		assert.Equal(t, parent.SpanContext().SpanID(), s.Parent.SpanID(), "child of the current span")
		a := attrs(s)
		assert.Equal(t, "run-1", a[otelrecord.RunUUIDKey].AsString())
		assert.Equal(t, int64(i), a[otelrecord.BoundarySeqKey].AsInt64())
		assert.Equal(t, "fetchUser", a[otelrecord.BoundaryNameKey].AsString())
		assert.Equal(t, string(calls[i].Input), a[otelrecord.BoundaryInputKey].AsString())
		_, hasFromTape := a[otelrecord.BoundaryFromTapeKey]
		assert.False(t, hasFromTape, "from_tape is written only when true")
		assert.Equal(t, calls[i].Timing, otelrecord.NewTiming(s.StartTime, s.EndTime), "same instants")
	}
	assert.Equal(t, string(calls[0].Output), attrs(spans[0])[otelrecord.BoundaryOutputKey].AsString())
	assert.Equal(t, codes.Unset, spans[0].Status.Code)
	assert.Equal(t, "user 99 not found", attrs(spans[1])[otelrecord.BoundaryErrorKey].AsString())
	_, hasOut := attrs(spans[1])[otelrecord.BoundaryOutputKey]
	assert.False(t, hasOut)
	assert.Equal(t, codes.Error, spans[1].Status.Code)
	assert.Equal(t, "user 99 not found", spans[1].Status.Description)
	requireCallsRebuilt(t, exp, r)
}

func TestModes(t *testing.T) {
	recorded := map[string][]otelrecord.BoundaryRecord{
		"fetchUser": {
			rec(`[1]`, `{"id":1,"name":"taped-1"}`, ""),
			rec(`[99]`, `{"id":99,"name":"taped-99"}`, ""),
			rec(`[7]`, "", "recorded failure"),
		},
	}
	cases := []struct {
		mode     Mode
		in       int
		want     user
		wantErr  string
		wantReal int64
		fromTape bool
	}{
		{Proxy, 1, user{1, "user-1"}, "", 1, false},                                     // proxy ignores the tape
		{Proxy, 99, user{}, "user 99 not found", 1, false},                              // and reports real failures
		{ProxyPass, 1, user{1, "taped-1"}, "", 0, true},                                 // hit: real function not called
		{ProxyPass, 2, user{2, "user-2"}, "", 1, false},                                 // miss: real call
		{ProxyPass, 7, user{}, "recorded failure", 0, true},                             // hit on a recorded error
		{ProxyCatch, 1, user{1, "user-1"}, "", 1, false},                                // real success wins
		{ProxyCatch, 99, user{99, "taped-99"}, "", 1, true},                             // hit: failure caught
		{ProxyCatch, 98, user{98, "user-98"}, "", 1, false},                             // miss, success
		{Replay, 1, user{1, "taped-1"}, "", 0, true},                                    // hit
		{Replay, 7, user{}, "recorded failure", 0, true},                                // recorded error
		{Replay, 2, user{}, "boundary fetchUser: no recording for input [2]", 0, false}, // miss
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%d", c.mode, c.in), func(t *testing.T) {
			tp, exp := newTestProvider(t)
			var n atomic.Int64
			b := fetcher(&n)
			r := newRun(tp, run.Config[Mode]{UUID: "r", Modes: map[string]Mode{"fetchUser": c.mode}, Tape: tape(t, recorded)})
			got, err := b.Call(run.NewContext(context.Background(), r), c.in)
			if c.wantErr != "" {
				require.EqualError(t, err, c.wantErr)
			} else {
				require.NoError(t, err)
				assert.Equal(t, c.want, got)
			}
			assert.Equal(t, c.wantReal, n.Load(), "real calls")
			spans := exp.GetSpans()
			require.Len(t, spans, 1)
			a := attrs(spans[0])
			mode, hasMode := a[otelrecord.BoundaryModeKey]
			if c.mode == Proxy {
				assert.False(t, hasMode, "proxy, the default mode, is not written")
			} else {
				assert.Equal(t, c.mode.String(), mode.AsString())
			}
			fromTape, hasFromTape := a[otelrecord.BoundaryFromTapeKey]
			assert.Equal(t, c.fromTape, hasFromTape, "from_tape is written only when true")
			assert.Equal(t, c.fromTape, fromTape.AsBool())
			logged := r.Calls()["fetchUser"]
			require.Len(t, logged, 1)
			assert.Equal(t, c.wantErr, logged[0].Error)
			requireCallsRebuilt(t, exp, r)
		})
	}
}

func TestReplayMissShowsInput(t *testing.T) {
	b := New("search", func(_ context.Context, q map[string]any) (int, error) { return 0, nil })
	r := newRun(noop.NewTracerProvider(), run.Config[Mode]{DefaultMode: Replay})
	_, err := b.Call(run.NewContext(context.Background(), r), map[string]any{"q": "go", "page": 2})
	require.ErrorIs(t, err, ErrNoRecording)
	assert.Contains(t, err.Error(), "search")
	assert.Contains(t, err.Error(), `[{"page":2,"q":"go"}]`)
}

func TestTapeKthCallKthRecording(t *testing.T) {
	var n atomic.Int64
	b := fetcher(&n)
	data := map[string][]otelrecord.BoundaryRecord{"fetchUser": {
		rec(`[1]`, `{"id":1,"name":"first"}`, ""),
		rec(`[2]`, `{"id":2,"name":"other"}`, ""),
		rec(`[1.0]`, `{"id":1,"name":"second"}`, ""),
	}}
	tp := tape(t, data)

	r := newRun(nil, run.Config[Mode]{DefaultMode: Replay, Tape: tp})
	ctx := run.NewContext(context.Background(), r)
	for _, want := range []string{"first", "second"} {
		u, err := b.Call(ctx, 1)
		require.NoError(t, err)
		assert.Equal(t, want, u.Name)
	}
	_, err := b.Call(ctx, 1)
	require.ErrorIs(t, err, ErrNoRecording, "recordings of the input exhausted")

	// proxy-pass calls the real function once the recordings are used up.
	r = newRun(nil, run.Config[Mode]{DefaultMode: ProxyPass, Tape: tp})
	ctx = run.NewContext(context.Background(), r)
	names := []string{}
	for range 3 {
		u, err := b.Call(ctx, 1)
		require.NoError(t, err)
		names = append(names, u.Name)
	}
	assert.Equal(t, []string{"first", "second", "user-1"}, names)
	assert.Equal(t, int64(1), n.Load())

	// Each run has its own position in the shared tape.
	r = newRun(nil, run.Config[Mode]{DefaultMode: Replay, Tape: tp})
	u, err := b.Call(run.NewContext(context.Background(), r), 1)
	require.NoError(t, err)
	assert.Equal(t, "first", u.Name)
}

func TestTapeCanonicalLookup(t *testing.T) {
	type query struct {
		B    float64  `json:"b"`
		A    int      `json:"a"`
		Tags []string `json:"tags"`
	}
	b := New("q", func(_ context.Context, q query) (string, error) { return "real", nil })
	data := map[string][]otelrecord.BoundaryRecord{"q": {
		rec(`[ { "tags": ["x"], "a": 1e0, "b": 2.50 } ]`, `"taped"`, ""),
	}}
	r := newRun(nil, run.Config[Mode]{DefaultMode: Replay, Tape: tape(t, data)})
	got, err := b.Call(run.NewContext(context.Background(), r), query{A: 1, B: 2.5, Tags: []string{"x"}})
	require.NoError(t, err)
	assert.Equal(t, "taped", got)
}

func TestNewTapeInvalidInput(t *testing.T) {
	tp, err := run.NewTape(map[string][]otelrecord.BoundaryRecord{"a": {rec(`[1]`, `1`, ""), rec(`[1`, `2`, "")}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a call 1")
	assert.Equal(t, 1, tp.Len(), "valid recordings kept")
	empty, err := run.NewTape(nil)
	require.NoError(t, err)
	assert.Equal(t, 0, empty.Len())
}

func TestSnapshotAtCallTime(t *testing.T) {
	type box struct{ Items []string }
	b := New("store", func(_ context.Context, in *box) (*box, error) { return in, nil })
	r := newRun(noop.NewTracerProvider(), run.Config[Mode]{})
	in := &box{Items: []string{"a"}}
	out, err := b.Call(run.NewContext(context.Background(), r), in)
	require.NoError(t, err)
	in.Items[0] = "mutated"
	out.Items = append(out.Items, "more")
	c := r.Calls()["store"][0]
	assert.JSONEq(t, `[{"Items":["a"]}]`, string(c.Input))
	assert.JSONEq(t, `{"Items":["a"]}`, string(c.Output))
}

func TestConcurrentCallsInOneRun(t *testing.T) {
	tp, exp := newTestProvider(t)
	b := New("work", func(_ context.Context, i int) (int, error) { return i * 2, nil })
	r := newRun(tp, run.Config[Mode]{UUID: "many"})
	ctx := run.NewContext(context.Background(), r)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			out, err := b.Call(ctx, i)
			assert.NoError(t, err)
			assert.Equal(t, i*2, out)
		})
	}
	wg.Wait()

	calls := r.Calls()["work"]
	require.Len(t, calls, 50)
	ins := map[string]bool{}
	for i, c := range calls {
		ins[string(c.Input)] = true
		if i > 0 {
			assert.LessOrEqual(t, calls[i-1].Timing.StartTime, c.Timing.StartTime, "ordered by call start")
		}
	}
	assert.Len(t, ins, 50, "every call logged once")

	spans := exp.GetSpans()
	require.Len(t, spans, 50)
	seqs := make([]int, 0, 50)
	for _, s := range spans {
		a := attrs(s)
		seq := int(a[otelrecord.BoundarySeqKey].AsInt64())
		seqs = append(seqs, seq)
		assert.Equal(t, string(calls[seq].Input), a[otelrecord.BoundaryInputKey].AsString(), "seq is the log position")
	}
	sort.Ints(seqs)
	for i, s := range seqs {
		assert.Equal(t, i, s)
	}
	requireCallsRebuilt(t, exp, r)
}

func TestPanicBecomesError(t *testing.T) {
	tp, exp := newTestProvider(t)
	b := New("explode", func(_ context.Context, _ string) (int, error) { panic("boom") })
	r := newRun(tp, run.Config[Mode]{})
	_, err := b.Call(run.NewContext(context.Background(), r), "x")
	require.ErrorIs(t, err, ErrPanic)
	assert.Equal(t, "panic: boom", err.Error())
	assert.Equal(t, "panic: boom", r.Calls()["explode"][0].Error)

	cause := errors.New("bad state")
	b2 := New("explode2", func(_ context.Context, _ string) (int, error) { panic(cause) }, WithTracerProvider(tp))
	_, err = b2.Call(context.Background(), "x")
	require.ErrorIs(t, err, cause)
	assert.Equal(t, "panic: bad state", err.Error())

	spans := exp.GetSpans()
	require.Len(t, spans, 2)
	for _, s := range spans {
		assert.Equal(t, codes.Error, s.Status.Code)
		require.Len(t, s.Events, 1)
		ev := s.Events[0]
		assert.Equal(t, "exception", ev.Name)
		ea := map[string]string{}
		for _, kv := range ev.Attributes {
			ea[string(kv.Key)] = kv.Value.String()
		}
		assert.Contains(t, ea["exception.message"], "panic: ")
		assert.Contains(t, ea["exception.stacktrace"], "boundary_test.go", "stack of the panicking frame")
	}
}

func TestMocks(t *testing.T) {
	var n atomic.Int64
	b := fetcher(&n)
	mock := func(_ context.Context, id int) (user, error) { return user{ID: id, Name: "mock"}, nil }
	r := newRun(nil, run.Config[Mode]{Mocks: map[string]any{"fetchUser": mock}})
	u, err := b.Call(run.NewContext(context.Background(), r), 5)
	require.NoError(t, err)
	assert.Equal(t, "mock", u.Name)
	assert.Zero(t, n.Load())
	assert.JSONEq(t, `{"id":5,"name":"mock"}`, string(r.Calls()["fetchUser"][0].Output), "a mocked call is recorded")

	r = newRun(nil, run.Config[Mode]{Mocks: map[string]any{"fetchUser": func(context.Context, string) (user, error) { return user{}, nil }}})
	_, err = b.Call(run.NewContext(context.Background(), r), 5)
	require.ErrorIs(t, err, ErrMockType)
}

func TestInvalidModeAndNilFunc(t *testing.T) {
	b := New[int, int]("nil", nil)
	r := newRun(nil, run.Config[Mode]{DefaultMode: Mode(42)})
	_, err := b.Call(run.NewContext(context.Background(), r), 1)
	require.ErrorIs(t, err, ErrInvalidMode)
	_, err = b.Call(context.Background(), 1)
	require.ErrorContains(t, err, "no function")
	assert.Equal(t, Mode(42), r.Mode("nil"))
}

func TestPayloadTruncatedOnSpanOnly(t *testing.T) {
	tp, exp := newTestProvider(t)
	b := New("big", func(_ context.Context, s string) (string, error) { return s + s, nil })
	r := newRun(tp, run.Config[Mode]{MaxPayloadBytes: 64})
	long := string(make([]byte, 100))
	_, err := b.Call(run.NewContext(context.Background(), r), long)
	require.NoError(t, err)
	a := attrs(exp.GetSpans()[0])
	tin, ok := otelrecord.IsTruncated([]byte(a[otelrecord.BoundaryInputKey].AsString()))
	require.True(t, ok)
	c := r.Calls()["big"][0]
	assert.Equal(t, len(c.Input), tin.OriginalSize)
	_, ok = otelrecord.IsTruncated([]byte(a[otelrecord.BoundaryOutputKey].AsString()))
	assert.True(t, ok)
	_, ok = otelrecord.IsTruncated(c.Output)
	assert.False(t, ok, "the record keeps the full payload")
}

func TestNoopProviderStillRecords(t *testing.T) {
	b := New("echo", func(_ context.Context, s string) (string, error) { return s, nil })
	r := newRun(noop.NewTracerProvider(), run.Config[Mode]{})
	out, err := b.Call(run.NewContext(context.Background(), r), "hi")
	require.NoError(t, err)
	assert.Equal(t, "hi", out)
	assert.Equal(t, `"hi"`, string(r.Calls()["echo"][0].Output))
}

func TestInstrumentsRecordCalls(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	var n atomic.Int64
	b := fetcher(&n)
	r := newRun(nil, run.Config[Mode]{TaskName: "report", Instruments: run.NewInstruments(mp)})
	ctx := run.NewContext(context.Background(), r)
	_, _ = b.Call(ctx, 1)
	_, _ = b.Call(ctx, 99)

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	var total uint64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != run.BoundaryCallDuration {
				continue
			}
			for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
				total += dp.Count
				name, _ := dp.Attributes.Value(otelrecord.BoundaryNameKey)
				assert.Equal(t, "fetchUser", name.AsString())
			}
		}
	}
	assert.Equal(t, uint64(2), total)
}
