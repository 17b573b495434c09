package run

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// mode stands in for boundary.Mode.
type mode int

// call makes one call of boundary name in r, the way package boundary does:
// Begin, then Finish with the input as output (or Omit, for a call past the
// run's limits).
func call(r *Run[mode], name string, input string) {
	_, e, start := r.Begin(name, len(input))
	if e == nil {
		r.Omit(name, start, r.Clock())
		return
	}
	r.Finish(e, otelrecord.BoundaryRecord{Input: json.RawMessage(input), Output: json.RawMessage(input)}, Unencodable{}, start, r.Clock())
}

func TestRunCallsGroupedInStartOrder(t *testing.T) {
	r := New(Config[mode]{UUID: "u"})
	for i, name := range []string{"a", "b", "a", "c", "a"} {
		call(r, name, "["+strconv.Itoa(i)+"]")
	}
	calls := r.Calls()
	require.Len(t, calls, 3)
	var got []string
	for _, c := range calls["a"] {
		got = append(got, string(c.Input))
		require.NotNil(t, c.Timing)
	}
	assert.Equal(t, []string{"[0]", "[2]", "[4]"}, got)
	assert.Len(t, calls["b"], 1)
	assert.Len(t, calls["c"], 1)
	assert.Equal(t, 5, r.CallCount())
	assert.Equal(t, "u", r.UUID())
	assert.Equal(t, otelrecord.RunUUIDKey.String("u"), r.UUIDAttr())
}

func TestRunLeavesOutRunningCalls(t *testing.T) {
	r := New(Config[mode]{})
	seq, e, start := r.Begin("slow", 0)
	call(r, "fast", "[1]")
	assert.Equal(t, 0, seq)
	calls := r.Calls()
	assert.NotContains(t, calls, "slow", "a running call is left out")
	assert.Len(t, calls["fast"], 1)
	assert.Equal(t, 1, r.CallCount())
	r.Finish(e, otelrecord.BoundaryRecord{Input: json.RawMessage("[0]")}, Unencodable{}, start, r.Clock())
	assert.Len(t, r.Calls()["slow"], 1)
	assert.Equal(t, 2, r.CallCount())
}

func TestRunClose(t *testing.T) {
	r := New(Config[mode]{})
	for i := range 20 {
		call(r, "add", "["+strconv.Itoa(i)+"]")
	}
	calls := r.Calls()
	r.Close()
	r.Close() // idempotent

	// The record built before Close keeps its calls, even once the log's
	// memory serves another run.
	other := New(Config[mode]{})
	for i := range 20 {
		call(other, "add", "["+strconv.Itoa(100+i)+"]")
	}
	for i, c := range calls["add"] {
		assert.Equal(t, "["+strconv.Itoa(i)+"]", string(c.Input), "call %d", i)
	}
	assert.Len(t, other.Calls()["add"], 20)

	// A call after Close is not logged, and takes a position after the
	// logged ones.
	seq, e, start := r.Begin("add", 0)
	assert.Equal(t, 20, seq)
	r.Finish(e, otelrecord.BoundaryRecord{}, Unencodable{}, start, r.Clock())
	assert.Empty(t, r.Calls())
	assert.Equal(t, 20, r.CallCount(), "CallCount counts the calls logged before Close")
}

func TestRunCloseWhileCallRunning(t *testing.T) {
	r := New(Config[mode]{})
	_, e, start := r.Begin("slow", 0)
	r.Close()
	assert.Zero(t, r.CallCount())
	// Other runs reuse pooled logs meanwhile; the running call's entry is
	// not among them (the race detector would see the shared write).
	for range 3 {
		o := New(Config[mode]{})
		for i := range 10 {
			call(o, "fast", "["+strconv.Itoa(i)+"]")
		}
		assert.Len(t, o.Calls()["fast"], 10)
		o.Close()
	}
	r.Finish(e, otelrecord.BoundaryRecord{}, Unencodable{}, start, r.Clock())
	assert.Zero(t, r.CallCount(), "the call finished after Close")
	assert.Empty(t, r.Calls())
}

// TestCallsOutliveCloseStress closes runs while goroutines keep making calls
// in them and other runs reuse the recycled logs. Run with -race: no call
// may write an entry another run reads. Each closed run counts exactly the
// calls finished when it closed, the record built before Close stays intact,
// and calls after Close are not logged.
func TestCallsOutliveCloseStress(t *testing.T) {
	for round := range 100 {
		r := New(Config[mode]{})
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 50 {
					call(r, "b"+strconv.Itoa(g), strconv.Itoa(g*1000+i))
				}
			})
		}
		wg.Go(func() {
			o := New(Config[mode]{})
			for i := range 30 {
				call(o, "other", strconv.Itoa(i))
			}
			assert.Len(t, o.Calls()["other"], 30)
			o.Close()
		})
		if round%2 == 0 {
			time.Sleep(time.Duration(round) * time.Microsecond)
		}
		calls := r.Calls()
		r.Close()
		n := r.CallCount()
		wg.Wait()
		listed := 0
		for name, cs := range calls {
			listed += len(cs)
			for i, c := range cs {
				assert.Equal(t, string(c.Input), string(c.Output), "round %d %s call %d: intact", round, name, i)
			}
		}
		assert.GreaterOrEqual(t, n, listed, "round %d", round)
		assert.LessOrEqual(t, n, 200, "round %d", round)
		assert.Equal(t, n, r.CallCount(), "round %d: calls after Close are not counted", round)
		assert.Empty(t, r.Calls(), "round %d", round)
	}
}

func TestRunClockIsMonotonicFromStart(t *testing.T) {
	start := time.Now()
	r := New(Config[mode]{Start: start})
	a := r.Now()
	b := r.Now()
	assert.False(t, a.Before(start))
	assert.False(t, b.Before(a))
	assert.WithinDuration(t, time.Now(), b, time.Second)
	assert.Equal(t, start.UnixNano()+5, r.TimeAt(5).UnixNano())
	// Without a start, the run's clock starts when New is called.
	assert.WithinDuration(t, time.Now(), New(Config[mode]{}).Now(), time.Second)
}

func TestRunModesMocksAndCopies(t *testing.T) {
	modes := map[string]mode{"b": 2}
	mocks := map[string]any{"b": func(context.Context, int) (int, error) { return 1, nil }}
	r := New(Config[mode]{DefaultMode: 1, Modes: modes, Mocks: mocks, MaxPayloadBytes: 10, TaskName: "t"})
	modes["b"], modes["c"] = 3, 3
	delete(mocks, "b")
	assert.Equal(t, mode(2), r.Mode("b"), "the modes were copied")
	assert.Equal(t, mode(1), r.Mode("c"))
	_, ok := r.Mock("b")
	assert.True(t, ok, "the mocks were copied")
	_, ok = r.Mock("c")
	assert.False(t, ok)
	assert.Equal(t, 10, r.MaxPayloadBytes())
	assert.Equal(t, "t", r.TaskName())
	_, isNoop := r.Tracer()
	assert.True(t, isNoop, "no tracer: no spans")
}

func TestRunNextKthRecording(t *testing.T) {
	tape, err := NewTape(map[string][]otelrecord.BoundaryRecord{"f": {
		{Input: json.RawMessage(`[1]`), Output: json.RawMessage(`"first"`)},
		{Input: json.RawMessage(`[2]`), Output: json.RawMessage(`"other"`)},
		{Input: json.RawMessage(`[1.0]`), Output: json.RawMessage(`"second"`)},
	}})
	require.NoError(t, err)
	r := New(Config[mode]{Tape: tape})
	for _, want := range []string{`"first"`, `"second"`} {
		rec, _, ok := r.Next("f", []byte(`[1e0]`))
		require.True(t, ok)
		assert.Equal(t, want, string(rec.Output))
	}
	_, _, ok := r.Next("f", []byte(`[1]`))
	assert.False(t, ok, "recordings of the input used up")
	_, _, ok = r.Next("g", []byte(`[2]`))
	assert.False(t, ok, "another boundary")
	_, _, ok = r.Next("f", []byte(`[2`))
	assert.False(t, ok, "invalid input")

	// Each run has its own position in the shared tape.
	rec, _, ok := New(Config[mode]{Tape: tape}).Next("f", []byte(`[1]`))
	require.True(t, ok)
	assert.Equal(t, `"first"`, string(rec.Output))
	_, _, ok = New(Config[mode]{}).Next("f", []byte(`[1]`))
	assert.False(t, ok, "no tape")
}

func TestContext(t *testing.T) {
	r := New(Config[mode]{})
	ctx := NewContext(context.Background(), r)
	assert.Same(t, r, FromContext[mode](ctx))
	assert.Nil(t, FromContext[int](ctx), "a run of another mode type")
	assert.Nil(t, FromContext[mode](context.Background()))
	//lint:ignore SA1012 a nil context is handled
	assert.Nil(t, FromContext[mode](nil))
}
