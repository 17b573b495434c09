package boundary

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"

	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// arityCase is a boundary and one call of it, so a test can run the same
// checks on boundaries of every arity.
type arityCase struct {
	name  string
	input string // the JSON the call records
	out   string // the JSON of the real function's output
	call  func(ctx context.Context) (any, error)
	named Named
}

type greeting struct {
	Loud bool `json:"loud"`
}

// arities returns a boundary of each arity and a call of each: now (no
// argument), add (two ints), greet (a string, an int and an object), and the
// one-argument double for comparison. real counts the calls of the real
// functions.
func arities(real *atomic.Int64) []arityCase {
	now := New0("now", func(context.Context) (int64, error) { real.Add(1); return 1795633372498, nil })
	add := New2("add", func(_ context.Context, a, b int) (int, error) {
		real.Add(1)
		if a < 0 {
			return 0, fmt.Errorf("negative %d", a)
		}
		return a + b, nil
	})
	greet := New3("greet", func(_ context.Context, name string, n int, g greeting) (string, error) {
		real.Add(1)
		return fmt.Sprintf("hello %s x%d loud=%t", name, n, g.Loud), nil
	})
	double := New("double", func(_ context.Context, x int) (int, error) { real.Add(1); return 2 * x, nil })
	return []arityCase{
		{"now", `[]`, `1795633372498`, func(ctx context.Context) (any, error) { return now.Call(ctx) }, now},
		{"add", `[3,7]`, `10`, func(ctx context.Context) (any, error) { return add.Call(ctx, 3, 7) }, add},
		{"greet", `["ada",2,{"loud":true}]`, `"hello ada x2 loud=true"`,
			func(ctx context.Context) (any, error) { return greet.Call(ctx, "ada", 2, greeting{Loud: true}) }, greet},
		{"double", `[21]`, `42`, func(ctx context.Context) (any, error) { return double.Call(ctx, 21) }, double},
	}
}

// TestArityRecordShape: a call of each arity is recorded in the run, and on
// its span, with the JSON array of its arguments as its input, as the
// TypeScript task package records them; outside a run the span says the
// same.
func TestArityRecordShape(t *testing.T) {
	tp, exp := newTestProvider(t)
	var real atomic.Int64
	cases := arities(&real)
	r := newRun(tp, run.Config[Mode]{UUID: "0193-arity"})
	ctx := run.NewContext(context.Background(), r)
	for _, c := range cases {
		out, err := c.call(ctx)
		require.NoError(t, err, c.name)
		raw, err := json.Marshal(out)
		require.NoError(t, err)
		assert.JSONEq(t, c.out, string(raw), c.name)
	}
	calls := r.Calls()
	spans := exp.GetSpans()
	require.Len(t, spans, len(cases))
	for i, c := range cases {
		require.Len(t, calls[c.name], 1, c.name)
		assert.Equal(t, c.input, string(calls[c.name][0].Input), c.name)
		assert.Equal(t, c.out, string(calls[c.name][0].Output), c.name)
		a := attrs(spans[i])
		assert.Equal(t, c.name, c.named.Name())
		assert.Equal(t, c.name, spans[i].Name)
		assert.Equal(t, c.name, a[otelrecord.BoundaryNameKey].AsString())
		assert.Equal(t, c.input, a[otelrecord.BoundaryInputKey].AsString(), c.name)
		assert.Equal(t, c.out, a[otelrecord.BoundaryOutputKey].AsString(), c.name)
		assert.Equal(t, int64(i), a[otelrecord.BoundarySeqKey].AsInt64(), c.name)
	}

	// Outside a run.
	exp.Reset()
	out0 := New0("now", func(context.Context) (int, error) { return 5, nil }, WithTracerProvider(tp))
	out2 := New2("add", func(_ context.Context, a, b int) (int, error) { return a + b, nil }, WithTracerProvider(tp))
	_, err := out0.Call(context.Background())
	require.NoError(t, err)
	sum, err := out2.Call(context.Background(), 3, 7)
	require.NoError(t, err)
	assert.Equal(t, 10, sum)
	spans = exp.GetSpans()
	require.Len(t, spans, 2)
	assert.Equal(t, "[]", attrs(spans[0])[otelrecord.BoundaryInputKey].AsString())
	assert.Equal(t, "[3,7]", attrs(spans[1])[otelrecord.BoundaryInputKey].AsString())
	assert.Equal(t, "add", out2.Name())
	assert.Equal(t, "now", out0.Name())
}

// TestArityReplay: each arity replays from a tape whose inputs equal the
// call's canonically (whitespace, number forms), the k-th call with an input
// getting the k-th recording, and a recorded error coming back as the call's
// error.
func TestArityReplay(t *testing.T) {
	var real atomic.Int64
	cases := arities(&real)
	data := map[string][]otelrecord.BoundaryRecord{
		"now":    {rec(`[]`, `1`, ""), rec(` [ ] `, `2`, "")},
		"add":    {rec(`[3, 7.0]`, `100`, ""), rec(`[ 3e0 ,7]`, ``, "adder down")},
		"greet":  {rec(`["ada", 2, {"loud": true}]`, `"recorded"`, ""), rec(`["ada",2,{"loud":true}]`, `"again"`, "")},
		"double": {rec(`[21]`, `7`, ""), rec(`[21.0]`, `8`, "")},
	}
	r := newRun(nil, run.Config[Mode]{DefaultMode: Replay, Tape: tape(t, data)})
	ctx := run.NewContext(context.Background(), r)
	for _, c := range cases {
		first, err := c.call(ctx)
		require.NoError(t, err, c.name)
		raw, _ := json.Marshal(first)
		assert.JSONEq(t, string(data[c.name][0].Output), string(raw), "%s: first recording", c.name)
		second, err := c.call(ctx)
		if c.name == "add" {
			require.EqualError(t, err, "adder down", "the recorded error")
		} else {
			require.NoError(t, err, c.name)
			raw, _ = json.Marshal(second)
			assert.JSONEq(t, string(data[c.name][1].Output), string(raw), "%s: second recording", c.name)
		}
		_, err = c.call(ctx)
		require.ErrorIs(t, err, ErrNoRecording, "%s: the tape is used up", c.name)
		assert.NotErrorIs(t, err, ErrArgCount, c.name)
		assert.Contains(t, err.Error(), "boundary "+c.name+": no recording for input "+c.input)
	}
	assert.Zero(t, real.Load(), "replay never calls the real functions")
	calls := r.Calls()
	assert.Equal(t, `[3,7]`, string(calls["add"][0].Input), "the call's own input is recorded")
	assert.Equal(t, "adder down", calls["add"][1].Error)
}

// TestArityProxyPassAndCatch: proxy-pass answers each arity from the tape
// when its input is there and calls the real function otherwise;
// proxy-catch answers from the tape only when the real function fails.
func TestArityProxyPassAndCatch(t *testing.T) {
	var real atomic.Int64
	add := New2("add", func(_ context.Context, a, b int) (int, error) {
		real.Add(1)
		if a < 0 {
			return 0, fmt.Errorf("negative %d", a)
		}
		return a + b, nil
	})
	now := New0("now", func(context.Context) (int, error) { real.Add(1); return 0, errors.New("clock down") })
	data := map[string][]otelrecord.BoundaryRecord{
		"add": {rec(`[3,7]`, `100`, ""), rec(`[-1,1]`, `-100`, "")},
		"now": {rec(`[]`, `42`, "")},
	}

	r := newRun(nil, run.Config[Mode]{DefaultMode: ProxyPass, Tape: tape(t, data)})
	ctx := run.NewContext(context.Background(), r)
	got, err := add.Call(ctx, 3, 7)
	require.NoError(t, err)
	assert.Equal(t, 100, got, "from the tape")
	got, err = add.Call(ctx, 7, 3)
	require.NoError(t, err)
	assert.Equal(t, 10, got, "[7,3] is not [3,7]: the real function")
	got, err = add.Call(ctx, 3, 7)
	require.NoError(t, err)
	assert.Equal(t, 10, got, "the one recording is used: the real function")
	n, err := now.Call(ctx)
	require.NoError(t, err)
	assert.Equal(t, 42, n)
	assert.Equal(t, int64(2), real.Load())

	real.Store(0)
	r = newRun(nil, run.Config[Mode]{DefaultMode: ProxyCatch, Tape: tape(t, data)})
	ctx = run.NewContext(context.Background(), r)
	got, err = add.Call(ctx, 3, 7)
	require.NoError(t, err)
	assert.Equal(t, 10, got, "the real function succeeds: its answer")
	got, err = add.Call(ctx, -1, 1)
	require.NoError(t, err)
	assert.Equal(t, -100, got, "the real function fails: the tape's answer")
	_, err = add.Call(ctx, -2, 1)
	require.EqualError(t, err, "negative -2", "fails, and no recording")
	n, err = now.Call(ctx)
	require.NoError(t, err)
	assert.Equal(t, 42, n)
	assert.Equal(t, int64(4), real.Load())
	calls := r.Calls()
	assert.Equal(t, "-100", string(calls["add"][1].Output))
	assert.Equal(t, "[]", string(calls["now"][0].Input))
}

// TestArityMocks: a run's mock of each arity, of the function type of the
// boundary's constructor, stands in for the real function and is recorded;
// a mock of another type fails the call with ErrMockType naming the type
// wanted.
func TestArityMocks(t *testing.T) {
	tp, exp := newTestProvider(t)
	var real atomic.Int64
	cases := arities(&real)
	mocks := map[string]any{
		"now": func(context.Context) (int64, error) { return -1, nil },
		"add": func(_ context.Context, a, b int) (int, error) { return a * b, nil },
		"greet": func(_ context.Context, name string, n int, _ greeting) (string, error) {
			return name + strconv.Itoa(n), nil
		},
		"double": func(_ context.Context, x int) (int, error) { return -x, nil },
	}
	want := map[string]string{"now": "-1", "add": "21", "greet": `"ada2"`, "double": "-21"}
	r := newRun(tp, run.Config[Mode]{Mocks: mocks})
	ctx := run.NewContext(context.Background(), r)
	for _, c := range cases {
		out, err := c.call(ctx)
		require.NoError(t, err, c.name)
		raw, _ := json.Marshal(out)
		assert.JSONEq(t, want[c.name], string(raw), c.name)
	}
	assert.Zero(t, real.Load())
	calls := r.Calls()
	for _, c := range cases {
		assert.Equal(t, c.input, string(calls[c.name][0].Input), c.name)
		assert.Equal(t, want[c.name], string(calls[c.name][0].Output), c.name)
	}
	assert.Len(t, exp.GetSpans(), len(cases))

	// Mocks of another arity.
	wrong := map[string]any{
		"now":   func(context.Context, int) (int64, error) { return 0, nil },
		"add":   func(context.Context, int) (int, error) { return 0, nil },
		"greet": func(context.Context, string, int) (string, error) { return "", nil },
	}
	wants := map[string]string{
		"now":   "wants func(context.Context) (int64, error), got func(context.Context, int) (int64, error)",
		"add":   "wants func(context.Context, int, int) (int, error), got func(context.Context, int) (int, error)",
		"greet": "wants func(context.Context, string, int, boundary.greeting) (string, error), got func(context.Context, string, int) (string, error)",
	}
	r = newRun(nil, run.Config[Mode]{Mocks: wrong})
	ctx = run.NewContext(context.Background(), r)
	for _, c := range cases[:3] {
		_, err := c.call(ctx)
		require.ErrorIs(t, err, ErrMockType, c.name)
		assert.Contains(t, err.Error(), "boundary "+c.name+" "+wants[c.name])
	}
	assert.Zero(t, real.Load())
}

// TestArityWrongLengthRecordedInput: a Replay-mode call finds no recording
// when the tape's inputs of its boundary have another length than its
// arguments, and the error says so (ErrArgCount beside ErrNoRecording).
func TestArityWrongLengthRecordedInput(t *testing.T) {
	add := New2("add", func(_ context.Context, a, b int) (int, error) { return a + b, nil })
	now := New0("now", func(context.Context) (int, error) { return 0, nil })
	one := New("one", func(_ context.Context, x []int) (int, error) { return len(x), nil })
	data := map[string][]otelrecord.BoundaryRecord{
		"add": {rec(`[3]`, `3`, ""), rec(`[3,7,0]`, `10`, "")},
		"now": {rec(`{"at":1}`, `1`, "")},
		"one": {rec(`[3,7]`, `2`, "")},
	}
	r := newRun(nil, run.Config[Mode]{DefaultMode: Replay, Tape: tape(t, data)})
	ctx := run.NewContext(context.Background(), r)

	_, err := add.Call(ctx, 3, 7)
	require.ErrorIs(t, err, ErrNoRecording)
	require.ErrorIs(t, err, ErrArgCount)
	assert.EqualError(t, err, "boundary add: no recording for input [3,7]: "+
		"recorded inputs have another number of arguments: the boundary takes 2 arguments, its recorded inputs have 1 or 3 arguments")

	_, err = now.Call(ctx)
	require.ErrorIs(t, err, ErrArgCount)
	assert.Contains(t, err.Error(), "the boundary takes 0 arguments, its recorded inputs have a value that is not an array")

	_, err = one.Call(ctx, []int{3, 7})
	require.ErrorIs(t, err, ErrArgCount, "a one-argument boundary is recorded [[3,7]], not [3,7]")
	assert.Contains(t, err.Error(), "no recording for input [[3,7]]: ")
	assert.Contains(t, err.Error(), "the boundary takes 1 argument, its recorded inputs have 2 arguments")

	// A recording of the right length for another input is a plain miss.
	r = newRun(nil, run.Config[Mode]{DefaultMode: Replay, Tape: tape(t, map[string][]otelrecord.BoundaryRecord{
		"add": {rec(`[3]`, `3`, ""), rec(`[1,1]`, `2`, "")},
	})})
	_, err = add.Call(run.NewContext(context.Background(), r), 3, 7)
	require.ErrorIs(t, err, ErrNoRecording)
	assert.NotErrorIs(t, err, ErrArgCount)
}

// TestArityUnencodableArgument: an argument with no JSON encoding is
// recorded as null in its place, the array keeping its length, with a note
// naming the argument; the call goes on with the value, and only Replay mode
// fails it.
func TestArityUnencodableArgument(t *testing.T) {
	tp, exp := newTestProvider(t)
	scale := New2("scale", func(_ context.Context, x, by float64) (float64, error) { return x * by, nil })
	r := newRun(tp, run.Config[Mode]{UUID: "0193-nan"})
	ctx := run.NewContext(context.Background(), r)
	out, err := scale.Call(ctx, 3, math.NaN())
	require.NoError(t, err)
	assert.True(t, math.IsNaN(out), "the value reaches the function, its result the caller")
	calls, notes := r.CallsNoted()
	assert.Equal(t, `[3,null]`, string(calls["scale"][0].Input))
	assert.Equal(t, `null`, string(calls["scale"][0].Output))
	assert.Equal(t, "argument 2: json: unsupported value: NaN",
		notes[otelrecord.UnencodableKey("scale", 0, otelrecord.UnencodableInput)])
	a := attrs(exp.GetSpans()[0])
	assert.Equal(t, `[3,null]`, a[otelrecord.BoundaryInputKey].AsString())
	assert.Equal(t, "input: argument 2: json: unsupported value: NaN; output: json: unsupported value: NaN",
		a[otelrecord.BoundaryUnencodableKey].AsString())

	r = newRun(nil, run.Config[Mode]{DefaultMode: Replay, Tape: tape(t, map[string][]otelrecord.BoundaryRecord{
		"scale": {rec(`[3,null]`, `1`, "")},
	})})
	_, err = scale.Call(run.NewContext(context.Background(), r), 3, math.Inf(-1))
	require.ErrorIs(t, err, ErrUnencodableInput, "an input with no encoding is never looked up")
	assert.Contains(t, err.Error(), "argument 2: json: unsupported value: -Inf")
}

// TestArityBoundedRun: calls of every arity past the run's bound run as any
// other and are only counted.
func TestArityBoundedRun(t *testing.T) {
	tp, exp := newTestProvider(t)
	var real atomic.Int64
	cases := arities(&real)
	r := newRun(tp, run.Config[Mode]{UUID: "0193-bounded", Limits: run.Limits{Calls: 4}})
	ctx := run.NewContext(context.Background(), r)
	for range 2 {
		for _, c := range cases {
			_, err := c.call(ctx)
			require.NoError(t, err, c.name)
		}
	}
	assert.Equal(t, int64(8), real.Load())
	total, byName := r.Omitted()
	assert.Equal(t, 4, total)
	assert.Len(t, byName, 4)
	for _, c := range cases {
		assert.Len(t, r.Calls()[c.name], 1, c.name)
	}
	spans := exp.GetSpans()
	require.Len(t, spans, 8)
	for _, s := range spans[4:] {
		a := attrs(s)
		assert.True(t, a[otelrecord.BoundaryOmittedKey].AsBool())
		for _, k := range []attribute.Key{otelrecord.RunUUIDKey, otelrecord.BoundaryInputKey} {
			assert.NotContains(t, a, k)
		}
	}
}

// TestArityPanicAndNilFunction: a panic in a function of any arity is an
// error wrapping ErrPanic; a nil function fails every real call.
func TestArityPanicAndNilFunction(t *testing.T) {
	boom := New2("boom", func(context.Context, int, int) (int, error) { panic("two") })
	_, err := boom.Call(context.Background(), 1, 2)
	require.ErrorIs(t, err, ErrPanic)
	r := newRun(nil, run.Config[Mode]{})
	_, err = boom.Call(run.NewContext(context.Background(), r), 1, 2)
	require.ErrorIs(t, err, ErrPanic)
	assert.Contains(t, r.Calls()["boom"][0].Error, "panic: two")

	_, err = New0[int]("none", nil).Call(context.Background())
	require.EqualError(t, err, "boundary none: no function")
	_, err = New3[int, int, int, int]("none3", nil).Call(context.Background(), 1, 2, 3)
	require.EqualError(t, err, "boundary none3: no function")
}

// TestArityConcurrentCalls: goroutines of one run calling a two-argument
// boundary in Replay mode share the tape's recordings of one input, each
// used once, and every call is logged.
func TestArityConcurrentCalls(t *testing.T) {
	const goroutines, perG = 8, 50
	add := New2("add", func(_ context.Context, a, b int) (int, error) { return a + b, nil })
	recs := make([]otelrecord.BoundaryRecord, goroutines*perG)
	for i := range recs {
		recs[i] = rec(`[1, 2]`, strconv.Itoa(i), "")
	}
	r := newRun(nil, run.Config[Mode]{DefaultMode: Replay, Tape: tape(t, map[string][]otelrecord.BoundaryRecord{"add": recs})})
	ctx := run.NewContext(context.Background(), r)
	seen := make([]atomic.Bool, len(recs))
	errs := make(chan error, goroutines)
	for range goroutines {
		go func() {
			for range perG {
				v, err := add.Call(ctx, 1, 2)
				if err != nil {
					errs <- err
					return
				}
				if seen[v].Swap(true) {
					errs <- fmt.Errorf("recording %d used twice", v)
					return
				}
			}
			errs <- nil
		}()
	}
	for range goroutines {
		require.NoError(t, <-errs)
	}
	assert.Len(t, r.Calls()["add"], goroutines*perG)
	_, err := add.Call(ctx, 1, 2)
	require.ErrorIs(t, err, ErrNoRecording, "every recording used")
}
