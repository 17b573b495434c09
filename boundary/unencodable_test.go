package boundary

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// TestUnencodableOutsideRun: outside a run, with or without a span, a call
// whose input or output has no JSON encoding calls the real function and
// returns its result; the span holds null and the note.
func TestUnencodableOutsideRun(t *testing.T) {
	for _, traced := range []bool{false, true} {
		t.Run(map[bool]string{false: "untraced", true: "traced"}[traced], func(t *testing.T) {
			tp, exp := newTestProvider(t)
			var opts []Option
			if traced {
				opts = append(opts, WithTracerProvider(tp))
			}
			called := false
			b := New("twice", func(_ context.Context, x float64) (float64, error) { called = true; return 2 * x, nil }, opts...)
			out, err := b.Call(context.Background(), math.NaN())
			require.NoError(t, err)
			assert.True(t, called, "the real function is called")
			assert.True(t, math.IsNaN(out))

			inf, err := b.Call(context.Background(), math.Inf(1))
			require.NoError(t, err)
			assert.True(t, math.IsInf(inf, 1))

			spans := exp.GetSpans()
			if !traced {
				assert.Empty(t, spans)
				return
			}
			require.Len(t, spans, 2)
			a := attrs(spans[0])
			assert.Equal(t, "[null]", a[otelrecord.BoundaryInputKey].AsString())
			assert.Equal(t, "null", a[otelrecord.BoundaryOutputKey].AsString())
			assert.Equal(t, "input: json: unsupported value: NaN; output: json: unsupported value: NaN", a[otelrecord.BoundaryUnencodableKey].AsString())
			assert.NotContains(t, a, otelrecord.BoundaryErrorKey)
			assert.Equal(t, "input: json: unsupported value: +Inf; output: json: unsupported value: +Inf", attrs(spans[1])[otelrecord.BoundaryUnencodableKey].AsString())
		})
	}
}

// TestUnencodableChannelAndFuncOutsideRun: a channel and a func come back
// to the caller as they were.
func TestUnencodableChannelAndFuncOutsideRun(t *testing.T) {
	tp, exp := newTestProvider(t)
	ch := make(chan int, 1)
	ch <- 5
	bc := New("chan", func(context.Context, int) (chan int, error) { return ch, nil }, WithTracerProvider(tp))
	got, err := bc.Call(context.Background(), 1)
	require.NoError(t, err)
	assert.Equal(t, 5, <-got)

	bf := New("func", func(context.Context, func() int) (func() int, error) { return func() int { return 9 }, nil }, WithTracerProvider(tp))
	f, err := bf.Call(context.Background(), func() int { return 0 })
	require.NoError(t, err)
	assert.Equal(t, 9, f())

	spans := exp.GetSpans()
	require.Len(t, spans, 2)
	assert.Equal(t, "output: json: unsupported type: chan int", attrs(spans[0])[otelrecord.BoundaryUnencodableKey].AsString())
	assert.Equal(t, "null", attrs(spans[0])[otelrecord.BoundaryOutputKey].AsString())
	assert.Contains(t, attrs(spans[1])[otelrecord.BoundaryUnencodableKey].AsString(), "input: json: unsupported type: func() int; output: ")
}
