package run

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func canon(t *testing.T, s string) string {
	t.Helper()
	b, err := canonicalJSON([]byte(s))
	require.NoError(t, err, s)
	return string(b)
}

func TestCanonicalJSONEquivalent(t *testing.T) {
	groups := [][]string{
		{`{"a":1,"b":[true,null]}`, `{ "b" : [ true , null ], "a" : 1.0 }`, `{"b":[true,null],"a":1e0}`, `{"a":10e-1,"b":[true,null]}`},
		{`[0]`, `[-0]`, `[0.000]`, `[0e10]`},
		{`[100]`, `[1e2]`, `[1E+2]`, `[100.00]`, `[0.1e3]`},
		{`["\u00e9"]`, `["é"]`},
		{`{"x":{"z":1,"y":2}}`, `{"x":{"y":2,"z":1}}`},
	}
	for _, g := range groups {
		want := canon(t, g[0])
		for _, s := range g[1:] {
			assert.Equal(t, want, canon(t, s), "%s vs %s", g[0], s)
		}
	}
}

func TestCanonicalJSONDistinct(t *testing.T) {
	distinct := []string{
		`[1]`, `[-1]`, `[1.5]`, `[15]`, `["1"]`, `[true]`, `[null]`, `[[1]]`, `[{"1":1}]`,
		`[12345678901234567890]`, `[12345678901234567891]`, `[1,2]`, `[2,1]`,
	}
	seen := map[string]string{}
	for _, s := range distinct {
		c := canon(t, s)
		if prev, ok := seen[c]; ok {
			t.Errorf("%s and %s share canonical form %s", prev, s, c)
		}
		seen[c] = s
	}
}

func TestCanonicalJSONInvalid(t *testing.T) {
	for _, s := range []string{``, `{`, `[1] [2]`, `nul`} {
		_, err := canonicalJSON([]byte(s))
		assert.Error(t, err, s)
	}
}

func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":[1.0,2e3,"x"]}`, `[-0.5e-3]`, `null`, `"\u2028"`, `[{}]`, `1E400`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := canonicalJSON(data)
		if err != nil {
			return
		}
		// Canonical output is valid JSON, and canonicalising it again is a no-op.
		require.True(t, json.Valid(c), "%q -> %q", data, c)
		c2, err := canonicalJSON(c)
		require.NoError(t, err)
		require.Equal(t, string(c), string(c2))
		// Re-encoding the value (key order, spacing) does not change it.
		var v any
		if json.Unmarshal(data, &v) == nil {
			if re, err := json.MarshalIndent(v, "", " "); err == nil {
				c3, err := canonicalJSON(re)
				require.NoError(t, err)
				if !hasFloatLoss(data) {
					require.Equal(t, string(c), string(c3))
				}
			}
		}
	})
}

// hasFloatLoss reports whether decoding data into float64 may change a number
// (so a re-encoding through any is not an exact equivalent).
func hasFloatLoss(data []byte) bool {
	var v any
	d := json.NewDecoder(bytesReader(data))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return true
	}
	return anyLossy(v)
}

func anyLossy(v any) bool {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return true
		}
		b, _ := json.Marshal(f)
		return canonicalNumber(string(b)) != canonicalNumber(string(v))
	case []any:
		for _, e := range v {
			if anyLossy(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range v {
			if anyLossy(e) {
				return true
			}
		}
	}
	return false
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
