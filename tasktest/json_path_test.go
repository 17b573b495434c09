package tasktest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func decode(t testing.TB, s string) any {
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	return v
}

func TestPathRemove(t *testing.T) {
	for _, tt := range []struct{ path, doc, want string }{
		{"$.output.createdAt", `{"output":{"createdAt":"x","n":1}}`, `{"output":{"n":1}}`},
		{"$.output.items[*].id", `{"output":{"items":[{"id":1,"a":2},{"id":3}]}}`, `{"output":{"items":[{"a":2},{}]}}`},
		{"$.output.items[1]", `{"output":{"items":[1,2,3]}}`, `{"output":{"items":[1,"<ignored>",3]}}`},
		{"$.output.*.id", `{"output":{"a":{"id":1},"b":{"id":2,"k":0}}}`, `{"output":{"a":{},"b":{"k":0}}}`},
		{"$['output']['odd key']", `{"output":{"odd key":1,"k":2}}`, `{"output":{"k":2}}`},
		{`$.output["x"][*]`, `{"output":{"x":[1,2]}}`, `{"output":{"x":["<ignored>","<ignored>"]}}`},
		{"$.output.missing.deeper", `{"output":{"k":[1]}}`, `{"output":{"k":[1]}}`},
		{"$.output[0]", `{"output":{"0":1}}`, `{"output":{"0":1}}`},
		{"$.output.k", `{"output":[{"k":1}]}`, `{"output":[{"k":1}]}`},
	} {
		p, err := parsePath(tt.path)
		require.NoError(t, err, tt.path)
		doc := decode(t, tt.doc)
		p.remove(doc)
		got, err := json.Marshal(doc)
		require.NoError(t, err)
		assert.JSONEq(t, tt.want, string(got), tt.path)
	}
}

func TestParsePathErrors(t *testing.T) {
	for _, p := range []string{"", "output", "$", "$.", "$..a", "$[", "$[-1]", "$[a]", "$a", "$.a[1"} {
		_, err := parsePath(p)
		require.ErrorIs(t, err, ErrPath, "%q", p)
	}
}

func TestDiff(t *testing.T) {
	want := map[string]any{"output": decode(t, `{"a":1,"b":[1,2],"c":{"d":"x"},"gone":true,"n":20}`)}
	got := map[string]any{"output": decode(t, `{"a":2,"b":[1],"c":{"d":"y"},"new":null,"n":20.0}`)}
	assert.Equal(t, []string{
		"$.output.a: recorded 1, replayed 2",
		"$.output.b[1]: recorded 2, replayed nothing (1 elements, not 2)",
		`$.output.c.d: recorded "x", replayed "y"`,
		"$.output.gone: recorded true, replayed nothing",
		"$.output.new: recorded nothing, replayed null",
	}, diff(want, got))
	assert.Equal(t, []string{`$["odd key"]: recorded 1, replayed "1"`},
		diff(map[string]any{"odd key": json.Number("1")}, map[string]any{"odd key": "1"}))
	assert.Equal(t, []string{`$.x: recorded {"a":1}, replayed [1]`},
		diff(map[string]any{"x": map[string]any{"a": 1}}, map[string]any{"x": []any{1}}))
}

// FuzzParsePath checks that parsing never panics and that a parsed path
// applies to any document without panicking.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"$.output.items[*].id", "$['a b'][0]", "$.*", "$[*][*]", "$.a[", "x", "$"} {
		f.Add(s, `{"output":{"items":[{"id":1}],"a b":[1]},"a":[[1]]}`)
	}
	f.Fuzz(func(t *testing.T, path, doc string) {
		p, err := parsePath(path)
		if err != nil {
			return
		}
		if len(p.steps) == 0 {
			t.Fatalf("path %q parsed without steps", path)
		}
		var v any
		if json.Unmarshal([]byte(doc), &v) != nil {
			return
		}
		p.remove(v)
		_ = diff(v, v)
	})
}
