package server

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzWithStringMember: for any JSON object and name, the result is a JSON
// object whose member holds the name, the other members unchanged.
func FuzzWithStringMember(f *testing.F) {
	for _, s := range []string{`{}`, ` { } `, `{"a":1}`, `{"taskName":""}`, `{"taskName":null,"b":[1,{"taskName":2}]}`, `{"x":"}"}`} {
		f.Add([]byte(s), "getUserReport")
	}
	f.Add([]byte(`{"taskName" : "" , "z":{}}`), "a\"b<\u2028")
	f.Fuzz(func(t *testing.T, item []byte, name string) {
		var before map[string]json.RawMessage
		if json.Unmarshal(item, &before) != nil || before == nil || !json.Valid(item) {
			return
		}
		if bytes.Count(item, []byte(`"taskName"`)) > 1 || bytes.Contains(item, []byte(`\u`)) {
			return // repeated or escaped keys: refused by the strict decoding before
		}
		out := withStringMember(item, "taskName", name)
		var after map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(out, &after), "%s", out)
		var got string
		require.NoError(t, json.Unmarshal(after["taskName"], &got))
		want := string([]rune(name)) // invalid UTF-8 becomes U+FFFD, as encoding/json writes it
		require.Equal(t, want, got)
		for k, v := range before {
			if k != "taskName" {
				require.JSONEq(t, string(v), string(after[k]), "member %q", k)
			}
		}
	})
}
