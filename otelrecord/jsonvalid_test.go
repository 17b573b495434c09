package otelrecord

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

var validJSONCases = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e-3`, `-12E+2`, `"x"`, ` {"a" : [1, "b", {"c":null}]} `,
	`"\u00e9\n\"\\\/"`, "\"\xff\xfe\"", `{"a":1,}`, `[1,]`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `tru`, `nul`,
	`"\x"`, `"\u12"`, "\"a\tb\"", `{"a"}`, `{1:2}`, `[1 2]`, `{"a":1 "b":2}`, ``, ` `, `"abc`, `[`, `{`,
	`{"a":1}x`, `1 2`, `NaN`, `Infinity`, "\t[\r\n]\n", `{"hive.truncated":true,"originalSize":9,"preview":"{"}`,
}

func TestValidJSONMatchesEncodingJSON(t *testing.T) {
	for _, c := range validJSONCases {
		assert.Equal(t, json.Valid([]byte(c)), validJSON(c), "%q", c)
	}
	for _, depth := range []int{maxJSONDepth - 1, maxJSONDepth, maxJSONDepth + 1} {
		arr := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		obj := strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
		assert.Equal(t, json.Valid([]byte(arr)), validJSON(arr), "array depth %d", depth)
		assert.Equal(t, json.Valid([]byte(obj)), validJSON(obj), "object depth %d", depth)
	}
	assert.Zero(t, testing.AllocsPerRun(100, func() { validJSON(`{"a":[1,2,{"b":"c"}]}`) }))
}

func FuzzValidJSON(f *testing.F) {
	for _, c := range validJSONCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validJSON(s), json.Valid([]byte(s)); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid = %v", s, got, want)
		}
	})
}

var fastDecodeCases = []string{
	`[]`, ` [ ] `, `[{"type":"business","name":"score","value":10.5}]`, `[{"name":"a","type":"b","value":-1e3},{}]`,
	`[{"type":"t\u00e9","name":"n","value":1}]`, `[{"Type":"t","name":"n","value":1}]`, `[{"type":"t","extra":1}]`,
	`[{"type":"t","value":null}]`, `[{"value":1e400}]`, `null`, `[1]`, `[{"type":"é","name":"\xff","value":0}]`,
	`{}`, `{"a":"b","c":"d"}`, `{"a":"b","a":"c"}`, `{"a":1}`, `{"a":"\n"}`, `{"a":null}`, `{"a":"b"} x`, `[{}]x`,
}

func TestFastDecodersMatchEncodingJSON(t *testing.T) {
	for _, c := range fastDecodeCases {
		checkFastDecoders(t, c)
	}
}

func FuzzFastDecoders(f *testing.F) {
	for _, c := range fastDecodeCases {
		f.Add(c)
	}
	f.Fuzz(checkFastDecoders)
}

func checkFastDecoders(t *testing.T, s string) {
	var wantMs []Metric
	wantErr := json.Unmarshal([]byte(s), &wantMs)
	gotMs, gotErr := decodeMetrics(s)
	if assert.Equal(t, wantErr == nil, gotErr == nil, "metrics %q", s) && wantErr == nil {
		assert.Equal(t, wantMs, gotMs, "metrics %q", s)
	}
	var wantMd map[string]string
	wantErr = json.Unmarshal([]byte(s), &wantMd)
	gotMd, gotErr := decodeMetadata(s)
	if assert.Equal(t, wantErr == nil, gotErr == nil, "metadata %q", s) && wantErr == nil {
		assert.Equal(t, wantMd, gotMd, "metadata %q", s)
	}
}
