package otelrecord

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func redactString(r *Redactor, s string) string { return string(r.Redact([]byte(s))) }

func TestRedactSensitiveKeysAtAnyDepth(t *testing.T) {
	r := NewRedactor(RedactPolicy{})
	for _, tc := range []struct{ in, want string }{
		{`{"password":"hunter2","user":"ann"}`, `{"password":"[REDACTED]","user":"ann"}`},
		{`[{"user":{"Access-Token":{"a":[1,2]},"n":1}}]`, `[{"user":{"Access-Token":"[REDACTED]","n":1}}]`},
		{`{"list":[{"API_KEY":1},{"apiKey":true},{"api-key":null}]}`, `{"list":[{"API_KEY":"[REDACTED]"},{"apiKey":"[REDACTED]"},{"api-key":"[REDACTED]"}]}`},
		{`{ "secret" : [ "a" , {"b":"}"} ] , "x" : "y" }`, `{ "secret" : "[REDACTED]" , "x" : "y" }`},
		{`{"se\u0063ret":"s","pass\u002dword":"p"}`, `{"se\u0063ret":"[REDACTED]","pass\u002dword":"[REDACTED]"}`},
		{`{"set-cookie":["a=b"],"Cookie":"c","Authorization":"Bearer x","session":{"id":1}}`,
			`{"set-cookie":"[REDACTED]","Cookie":"[REDACTED]","Authorization":"[REDACTED]","session":"[REDACTED]"}`},
		{`{"password":"a","password":"b"}`, `{"password":"[REDACTED]","password":"[REDACTED]"}`},
		{`{"k":"{\"password\":1}"}`, `{"k":"{\"password\":1}"}`}, // a string is not an object
	} {
		got := redactString(r, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
		assert.True(t, json.Valid([]byte(got)), got)
	}
}

func TestRedactKeepsOtherKeys(t *testing.T) {
	r := NewRedactor(RedactPolicy{})
	for _, s := range []string{
		`{"passwords_count":2,"tokenizer":"x","maxTokens":3,"user":"ann","sessions":[1]}`,
		`{"a":{"b":[{"c":"password"}]}}`,
		`{}`, `[]`, `[{}]`, `{"":1}`,
	} {
		in := []byte(s)
		out := r.Redact(in)
		assert.Equal(t, s, string(out))
		assert.Same(t, &in[0], &out[0], "nothing redacted: the payload itself")
	}
}

func TestRedactScalarsUntouched(t *testing.T) {
	r := NewRedactor(RedactPolicy{})
	for _, s := range []string{`1`, `"password"`, `[1,2,"token"]`, `null`, `true`, `not json`} {
		in := []byte(s)
		out := r.Redact(in)
		assert.Same(t, &in[0], &out[0], s)
	}
	assert.Nil(t, r.Redact(nil), "absent stays absent")
	assert.Equal(t, []byte{}, r.Redact([]byte{}))
	var none *Redactor
	assert.Equal(t, `{"password":1}`, redactString(none, `{"password":1}`), "a nil Redactor redacts nothing")
}

func TestRedactInvalidJSONWithObjectIsRedactedWhole(t *testing.T) {
	r := NewRedactor(RedactPolicy{})
	for _, s := range []string{`{"password":`, `{"a":1`, `{"a" 1}`, `{"a":1} x`, `{a:1}`, `[{"a":1},`, `{"a":"\`} {
		assert.Equal(t, `"[REDACTED]"`, redactString(r, s), s)
	}
}

func TestRedactExtraKeys(t *testing.T) {
	r := NewRedactor(RedactPolicy{Keys: []string{"SSN", "card-number", ""}})
	assert.Equal(t, `{"ssn":"[REDACTED]","CardNumber":"[REDACTED]","card_number_x":1,"token":"[REDACTED]"}`,
		redactString(r, `{"ssn":"1","CardNumber":2,"card_number_x":1,"token":"t"}`))
	assert.Equal(t, `{"":1}`, redactString(r, `{"":1}`), "an empty key on the list is ignored")
	long := strings.Repeat("k", 100)
	r = NewRedactor(RedactPolicy{Keys: []string{long}})
	assert.Equal(t, `{"`+long+`":"[REDACTED]","`+long+`k":1}`, redactString(r, `{"`+long+`":1,"`+long+`k":1}`))
}

func TestRedactOmitPayloads(t *testing.T) {
	r := NewRedactor(RedactPolicy{OmitPayloads: true})
	for _, s := range []string{`1`, `{"a":1}`, `[2]`, `null`} {
		assert.Equal(t, `"[REDACTED]"`, redactString(r, s))
	}
	assert.Nil(t, r.Redact(nil), "an absent output stays absent")
}

func TestRedactFunc(t *testing.T) {
	type seen struct {
		path  string
		key   string
		value string
	}
	var calls []seen
	r := NewRedactor(RedactPolicy{Func: func(path []string, key string, value json.RawMessage) (json.RawMessage, bool) {
		calls = append(calls, seen{strings.Join(path, "/"), key, string(value)})
		switch key {
		case "card":
			return json.RawMessage(`"****"`), true
		case "wrap":
			return json.RawMessage(`{"token":"leak","ok":1}`), true
		case "bad":
			return json.RawMessage(`{not json`), true
		}
		return nil, false
	}})
	got := redactString(r, `[{"a":{"card":"4111","password":"p","n":[{"x\u0079":1}]},"wrap":0,"bad":1}]`)
	assert.Equal(t, `[{"a":{"card":"****","password":"[REDACTED]","n":[{"x\u0079":1}]},"wrap":{"token":"[REDACTED]","ok":1},"bad":"[REDACTED]"}]`, got)
	assert.Equal(t, []seen{
		{"0/a", "card", `"4111"`},
		{"0/a/n/0", "xy", `1`},
		{"0/a", "n", `[{"x\u0079":1}]`},
		{"0", "a", `{"card":"****","password":"[REDACTED]","n":[{"x\u0079":1}]}`}, // what it holds is redacted first
		{"0", "wrap", `0`},
		{"0", "bad", `1`},
	}, calls, "innermost first, the list's keys never offered")
}

func TestRedactFuncPanicRedactsThePayload(t *testing.T) {
	r := NewRedactor(RedactPolicy{Func: func([]string, string, json.RawMessage) (json.RawMessage, bool) {
		panic("rule bug")
	}})
	assert.Equal(t, `"[REDACTED]"`, redactString(r, `{"a":1}`))
	assert.Equal(t, `[1]`, redactString(r, `[1]`), "no member, no call")
}

func TestRedactRecord(t *testing.T) {
	r := NewRedactor(RedactPolicy{})
	rec := &ExecutionRecord{
		UUID:   "u",
		Input:  json.RawMessage(`{"user":"ann","password":"p"}`),
		Output: json.RawMessage(`{"token":"t"}`),
		Boundaries: map[string][]BoundaryRecord{
			"login": {{Input: json.RawMessage(`[{"secret":1}]`), Output: json.RawMessage(`2`)}, {Input: json.RawMessage(`[3]`), Error: "boom"}},
			"none":  {},
		},
		Metadata: map[string]string{"token": "kept: metadata is not a payload"},
	}
	before, err := json.Marshal(rec)
	require.NoError(t, err)

	got := r.RedactRecord(rec)
	require.NotSame(t, rec, got)
	after, err := json.Marshal(rec)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after), "the record given is never modified")
	assert.JSONEq(t, `{"user":"ann","password":"[REDACTED]"}`, string(got.Input))
	assert.JSONEq(t, `{"token":"[REDACTED]"}`, string(got.Output))
	assert.JSONEq(t, `[{"secret":"[REDACTED]"}]`, string(got.Boundaries["login"][0].Input))
	assert.Equal(t, `2`, string(got.Boundaries["login"][0].Output))
	assert.Equal(t, "boom", got.Boundaries["login"][1].Error)
	assert.Nil(t, got.Boundaries["login"][1].Output)
	assert.Equal(t, "kept: metadata is not a payload", got.Metadata["token"])

	clean := &ExecutionRecord{Input: json.RawMessage(`{"a":1}`), Boundaries: map[string][]BoundaryRecord{"b": {{Input: json.RawMessage(`[1]`)}}}}
	assert.Same(t, clean, r.RedactRecord(clean), "nothing to redact: the record itself")
	assert.Nil(t, r.RedactRecord(nil))
}

func TestDefaultRedactKeys(t *testing.T) {
	keys := DefaultRedactKeys()
	require.Contains(t, keys, "password")
	keys[0] = "changed"
	assert.Equal(t, "password", DefaultRedactKeys()[0], "a fresh slice")
	r := NewRedactor(RedactPolicy{})
	for _, k := range DefaultRedactKeys() {
		assert.True(t, r.sensitive([]byte(k)), k)
		assert.True(t, r.sensitive([]byte(strings.ToUpper(k))), k)
	}
}

// TestRedactConcurrent shares one Redactor, with a RedactFunc, between
// goroutines (run with -race).
func TestRedactConcurrent(t *testing.T) {
	r := NewRedactor(RedactPolicy{Keys: []string{"ssn"}, Func: func(path []string, key string, v json.RawMessage) (json.RawMessage, bool) {
		return json.RawMessage(`"masked"`), key == "name" && len(path) > 1 // not the argument's own
	}})
	in := `[{"name":"a","ssn":"1","list":[{"name":"b","token":"t"}]}]`
	want := `[{"name":"a","ssn":"[REDACTED]","list":[{"name":"masked","token":"[REDACTED]"}]}]`
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				assert.Equal(t, want, redactString(r, in))
			}
		})
	}
	wg.Wait()
}

func BenchmarkRedact(b *testing.B) {
	r := NewRedactor(RedactPolicy{})
	for _, bc := range []struct{ name, payload string }{
		{"scalar", `[7]`},
		{"struct", `[{"userId":1,"fields":["name","email"]}]`},
		{"structOut", `{"id":1,"name":"user-1","email":"user-1@example.com"}`},
		{"sensitive", `{"id":1,"name":"user-1","password":"hunter2"}`},
	} {
		p := []byte(bc.payload)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = r.Redact(p)
			}
		})
	}
}
