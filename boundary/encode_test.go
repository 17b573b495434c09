package boundary

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func assertSameAsMarshal[T any](t *testing.T, v T) {
	t.Helper()
	want, err := json.Marshal(v)
	require.NoError(t, err)
	got, err := encodeJSON(v)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "encodeJSON(%#v)", v)

	wantArgs, err := json.Marshal([1]T{v})
	require.NoError(t, err)
	gotArgs, err := marshalArgs(v)
	require.NoError(t, err)
	assert.Equal(t, string(wantArgs), string(gotArgs), "marshalArgs(%#v)", v)
}

func TestEncodeJSONMatchesMarshal(t *testing.T) {
	for _, v := range []int{0, -1, 42, math.MaxInt, math.MinInt} {
		assertSameAsMarshal(t, v)
	}
	assertSameAsMarshal(t, int64(math.MinInt64))
	assertSameAsMarshal(t, int32(-7))
	assertSameAsMarshal(t, uint(7))
	assertSameAsMarshal(t, uint64(math.MaxUint64))
	assertSameAsMarshal(t, uint32(9))
	assertSameAsMarshal(t, true)
	assertSameAsMarshal(t, false)
	for _, s := range []string{"", "plain", "with \"quote\"", "back\\slash", "<html>&", "tab\t", "é", "\u2028", "\xff"} {
		assertSameAsMarshal(t, s)
	}
	assertSameAsMarshal(t, 1.5)
	assertSameAsMarshal(t, map[string]int{"b": 1, "a": 2})
	assertSameAsMarshal(t, []string{"x"})
	assertSameAsMarshal(t, struct{ A int }{1})
}

func FuzzEncodeJSON(f *testing.F) {
	f.Add("hello", int64(1), true)
	f.Add("<\"\\\u2028>", int64(-9), false)
	f.Fuzz(func(t *testing.T, s string, i int64, b bool) {
		assertSameAsMarshal(t, s)
		assertSameAsMarshal(t, i)
		assertSameAsMarshal(t, b)
	})
}

func TestMarshalArgsUnsupported(t *testing.T) {
	got, err := marshalArgs(math.NaN())
	require.Error(t, err)
	assert.Equal(t, "[null]", string(got))
}
