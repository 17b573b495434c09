package otelrecord

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzRedact checks the redactor against encoding/json: whenever the input
// is valid JSON, the output is valid JSON in which every member with a
// sensitive key holds RedactedValue, and redacting again changes nothing.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		`{"password":"p","a":[{"Token":{"x":1}},{"api-key":[1,{"b":2}]}]}`,
		`{"se\u0063ret":1,"x":"\"}{","y":[[],{}],"z":-1.5e3}`,
		`[{"cookie":null, "k" : { "session" : true }}]`,
		`{"a":{"b":{"c":{"d":{"client_secret":"s"}}}}}`,
		`{"ssn":"1","Set-Cookie":"c"}`, `"{"`, `{`, `{"a":}`, ` 1 `,
	} {
		f.Add([]byte(s))
	}
	r := NewRedactor(RedactPolicy{Keys: []string{"ssn"}})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 4096 {
			return // long inputs find nothing new and slow the search down
		}
		out := r.Redact(in)
		require.Equal(t, out, r.Redact(out), "idempotent")
		if !json.Valid(in) {
			return
		}
		require.True(t, json.Valid(out), "valid in, valid out: %s", out)
		requireNoSensitiveValue(t, r, out)
	})
}

// requireNoSensitiveValue walks a JSON value with encoding/json: every
// member whose key is sensitive must hold RedactedValue.
func requireNoSensitiveValue(t *testing.T, r *Redactor, raw json.RawMessage) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return
	}
	switch raw[0] {
	case '{':
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(raw, &m))
		for k, v := range m {
			if _, ok := r.keys[string(canonicalKey(nil, []byte(k)))]; ok {
				require.Equal(t, `"`+RedactedValue+`"`, string(bytes.TrimSpace(v)), "member %q", k)
				continue
			}
			requireNoSensitiveValue(t, r, v)
		}
	case '[':
		var a []json.RawMessage
		require.NoError(t, json.Unmarshal(raw, &a))
		for _, v := range a {
			requireNoSensitiveValue(t, r, v)
		}
	}
}
