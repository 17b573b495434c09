package boundary

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertArgsAsMarshal checks that the argument arrays of two and three
// arguments encode exactly as json.Marshal encodes the same values in a
// slice.
func assertArgsAsMarshal[A, B, C any](t *testing.T, a A, b B, c C) {
	t.Helper()
	want2, err := json.Marshal([]any{a, b})
	require.NoError(t, err)
	got2, err := encodeArgs2(args2[A, B]{a, b})
	require.NoError(t, err)
	assert.Equal(t, string(want2), string(got2), "encodeArgs2(%#v, %#v)", a, b)

	want3, err := json.Marshal([]any{a, b, c})
	require.NoError(t, err)
	got3, err := encodeArgs3(args3[A, B, C]{a, b, c})
	require.NoError(t, err)
	assert.Equal(t, string(want3), string(got3), "encodeArgs3(%#v, %#v, %#v)", a, b, c)
}

func TestEncodeArgsMatchesMarshal(t *testing.T) {
	got, err := encodeArgs0(args0{})
	require.NoError(t, err)
	assert.Equal(t, "[]", string(got))

	assertArgsAsMarshal(t, 3, 7, -1)
	assertArgsAsMarshal(t, "plain", "with \"quote\"", "<html>&\u2028")
	assertArgsAsMarshal(t, uint64(math.MaxUint64), true, 1.5)
	assertArgsAsMarshal(t, map[string]int{"b": 1, "a": 2}, []string{"x", "y"}, struct{ A int }{1})
	assertArgsAsMarshal(t, []int(nil), (*int)(nil), json.RawMessage(`{"k": [1, 2]}`))
	long := string(make([]byte, 3*scalarBufSize)) // spills past the stack buffer
	assertArgsAsMarshal(t, long, long, long)
}

// TestEncodeArgsUnsupported: an argument with no JSON encoding is written
// null in its place; the error names the first such argument.
func TestEncodeArgsUnsupported(t *testing.T) {
	got, err := encodeArgs2(args2[float64, int]{math.NaN(), 1})
	assert.Equal(t, "[null,1]", string(got))
	require.EqualError(t, err, "argument 1: json: unsupported value: NaN")

	got, err = encodeArgs3(args3[int, chan int, float64]{1, make(chan int), math.Inf(1)})
	assert.Equal(t, "[1,null,null]", string(got))
	require.EqualError(t, err, "argument 2: json: unsupported type: chan int")
}

// FuzzEncodeArgs checks the argument arrays against json.Marshal for
// arbitrary scalars, including floats with no JSON encoding.
func FuzzEncodeArgs(f *testing.F) {
	f.Add("hello", int64(1), 2.5, true)
	f.Add("<\"\\\u2028>\xff", int64(-9), math.Inf(1), false)
	f.Add("", int64(math.MinInt64), math.NaN(), true)
	f.Fuzz(func(t *testing.T, s string, i int64, x float64, b bool) {
		assertArgsAsMarshal(t, s, i, b)
		assertArgsAsMarshal(t, b, s, i)
		got, err := encodeArgs3(args3[string, float64, int64]{s, x, i})
		if math.IsNaN(x) || math.IsInf(x, 0) {
			require.Error(t, err)
			want, merr := json.Marshal([]any{s, nil, i})
			require.NoError(t, merr)
			assert.Equal(t, string(want), string(got))
			return
		}
		require.NoError(t, err)
		want, err := json.Marshal([]any{s, x, i})
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got))
	})
}
