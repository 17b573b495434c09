package task_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// unencodableCase is a value with no JSON encoding, and how to tell that the
// caller got it back unchanged.
type unencodableCase struct {
	name  string
	value any
	same  func(t *testing.T, got any)
}

func unencodableCases() []unencodableCase {
	ch := make(chan int, 1)
	ch <- 7
	fn := func() int { return 42 }
	return []unencodableCase{
		{"NaN", math.NaN(), func(t *testing.T, got any) { assert.True(t, math.IsNaN(got.(float64))) }},
		{"+Inf", math.Inf(1), func(t *testing.T, got any) { assert.True(t, math.IsInf(got.(float64), 1)) }},
		{"channel", ch, func(t *testing.T, got any) { assert.Equal(t, 7, <-got.(chan int)) }},
		{"func", fn, func(t *testing.T, got any) { assert.Equal(t, 42, got.(func() int)()) }},
	}
}

// TestUnencodableBoundaryOutputInRun: a boundary output with no JSON
// encoding reaches the caller unchanged, in proxy mode and from a mock; the
// call is recorded as a success with a null output and a note, and the
// record rebuilt from the spans holds the same.
func TestUnencodableBoundaryOutputInRun(t *testing.T) {
	for _, mock := range []bool{false, true} {
		for _, c := range unencodableCases() { // fresh values: a channel is read once
			t.Run(c.name+map[bool]string{false: "/proxy", true: "/mock"}[mock], func(t *testing.T) {
				h := newTestProvider(t)
				called := false
				b := boundary.New("odd", func(context.Context, int) (any, error) { called = true; return c.value, nil })
				tk := checkAll(t, h, task.New("oddTask", func(ctx context.Context, in int) (int, error) {
					got, err := b.Call(ctx, in)
					if err != nil {
						return 0, err
					}
					c.same(t, got)
					return in, nil
				}, task.WithBoundaries(b), task.WithTracerProvider(h.TracerProvider())))
				if mock {
					require.NoError(t, task.MockBoundary(tk, b, func(context.Context, int) (any, error) { return c.value, nil }))
				}

				out, rec, err := tk.SafeRun(context.Background(), 3)
				require.NoError(t, err)
				assert.Equal(t, 3, out)
				assert.Equal(t, !mock, called)
				require.Len(t, rec.Boundaries["odd"], 1)
				call := rec.Boundaries["odd"][0]
				assert.JSONEq(t, `[3]`, string(call.Input))
				assert.Equal(t, "null", string(call.Output))
				assert.Empty(t, call.Error)
				assert.Contains(t, rec.Metadata[otelrecord.UnencodableKey("odd", 0, otelrecord.UnencodableOutput)], "json: unsupported")

				a := attrs(spanNamed(t, h.Exporter().GetSpans(), "odd"))
				assert.Equal(t, "null", a[otelrecord.BoundaryOutputKey].AsString())
				assert.Contains(t, a[otelrecord.BoundaryUnencodableKey].AsString(), "output: json: unsupported")
				h.AssertRebuilt(t, rec)
			})
		}
	}
}

// TestUnencodableBoundaryInputInRun: the real function gets an input with
// no JSON encoding; the call records [null] and a note.
func TestUnencodableBoundaryInputInRun(t *testing.T) {
	h := newTestProvider(t)
	var got float64
	b := boundary.New("half", func(_ context.Context, x float64) (float64, error) { got = x; return x / 2, nil })
	tk := checkAll(t, h, task.New("halfTask", func(ctx context.Context, _ int) (bool, error) {
		out, err := b.Call(ctx, math.NaN())
		return math.IsNaN(out), err
	}, task.WithBoundaries(b), task.WithTracerProvider(h.TracerProvider())))

	out, rec, err := tk.SafeRun(context.Background(), 1)
	require.NoError(t, err)
	assert.True(t, out, "the NaN came back")
	assert.True(t, math.IsNaN(got), "the real function was called with the NaN")
	call := rec.Boundaries["half"][0]
	assert.Equal(t, "[null]", string(call.Input))
	assert.Equal(t, "null", string(call.Output))
	assert.Empty(t, call.Error)
	assert.Contains(t, rec.Metadata[otelrecord.UnencodableKey("half", 0, otelrecord.UnencodableInput)], "NaN")
	assert.Contains(t, rec.Metadata[otelrecord.UnencodableKey("half", 0, otelrecord.UnencodableOutput)], "NaN")
	a := attrs(spanNamed(t, h.Exporter().GetSpans(), "half"))
	assert.Equal(t, "[null]", a[otelrecord.BoundaryInputKey].AsString())
	assert.Contains(t, a[otelrecord.BoundaryUnencodableKey].AsString(), "input: json: unsupported value: NaN; output: ")
	h.AssertRebuilt(t, rec)
}

// TestUnencodableTaskOutputAndInput: the task's caller gets its result; the
// record holds null and a note for each.
func TestUnencodableTaskOutputAndInput(t *testing.T) {
	h := newTestProvider(t)
	tk := checkAll(t, h, task.New("inf", func(_ context.Context, x float64) (float64, error) {
		return x * 2, nil
	}, task.WithTracerProvider(h.TracerProvider())))

	out, rec, err := tk.SafeRun(context.Background(), math.Inf(1))
	require.NoError(t, err)
	assert.True(t, math.IsInf(out, 1))
	assert.Equal(t, otelrecord.TypeSuccess, rec.Type)
	assert.Equal(t, "null", string(rec.Input))
	assert.Equal(t, "null", string(rec.Output))
	assert.Contains(t, rec.Metadata[otelrecord.UnencodableTaskKey(otelrecord.UnencodableInput)], "+Inf")
	assert.Contains(t, rec.Metadata[otelrecord.UnencodableTaskKey(otelrecord.UnencodableOutput)], "+Inf")
	h.AssertRebuilt(t, rec)

	b, err := json.Marshal(rec)
	require.NoError(t, err, "the record itself always encodes")
	assert.Contains(t, string(b), `"output":null`)
}

// TestReplayOfUnencodableOutputFails: a replay cannot answer from a call
// whose output was recorded as null for having no JSON encoding; the call
// fails with boundary.ErrUnencodableRecording instead of a zero value. A
// call whose output was encoded still replays.
func TestReplayOfUnencodableOutputFails(t *testing.T) {
	h := newTestProvider(t)
	b := boundary.New("ratio", func(_ context.Context, x float64) (float64, error) { return 1 / x, nil })
	tk := checkAll(t, h, task.New("ratios", func(ctx context.Context, xs []float64) ([]float64, error) {
		var out []float64
		for _, x := range xs {
			r, err := b.Call(ctx, x)
			if err != nil {
				return out, err
			}
			out = append(out, r)
		}
		return out, nil
	}, task.WithBoundaries(b), task.WithTracerProvider(h.TracerProvider())))

	_, rec, err := tk.SafeRun(context.Background(), []float64{2, 0})
	require.NoError(t, err)
	require.Contains(t, rec.Metadata, otelrecord.UnencodableKey("ratio", 1, otelrecord.UnencodableOutput))

	for _, mode := range []boundary.Mode{boundary.Replay, boundary.ProxyPass} {
		t.Run(mode.String(), func(t *testing.T) {
			_, rrec, err := tk.SafeReplay(context.Background(), rec, task.ReplayConfig{All: mode})
			require.ErrorIs(t, err, boundary.ErrUnencodableRecording)
			assert.Contains(t, err.Error(), "boundary ratio")
			calls := rrec.Boundaries["ratio"]
			require.Len(t, calls, 2)
			assert.Equal(t, "0.5", string(calls[0].Output), "an encoded output replays")
			assert.Contains(t, calls[1].Error, boundary.ErrUnencodableRecording.Error())
			for k := range rrec.Metadata {
				assert.NotContains(t, k, otelrecord.MetadataUnencodablePrefix, "the replayed record's notes are not the replay's")
			}
		})
	}
}

// TestReplayOfUnencodableInputFails: in Replay mode an input with no JSON
// encoding cannot be looked up on the tape; in Proxy mode the call runs.
func TestReplayOfUnencodableInputFails(t *testing.T) {
	b := boundary.New("id", func(_ context.Context, x float64) (float64, error) { return x, nil })
	tk := task.New("ids", func(ctx context.Context, _ int) (float64, error) {
		return b.Call(ctx, math.NaN())
	}, task.WithBoundaries(b))
	_, rec, err := tk.SafeRun(context.Background(), 1)
	require.NoError(t, err)

	_, _, err = tk.SafeReplay(context.Background(), rec, task.ReplayConfig{All: boundary.Replay})
	require.ErrorIs(t, err, boundary.ErrUnencodableInput)
}

// TestValidateAcceptsUnencodableInput: Validate finds valid what SafeRun
// runs.
func TestValidateAcceptsUnencodableInput(t *testing.T) {
	tk := task.New("v", func(_ context.Context, x float64) (float64, error) { return x, nil })
	assert.NoError(t, tk.Validate(math.NaN()))
}
