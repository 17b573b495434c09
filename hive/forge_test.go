package hive

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseForge(t *testing.T) {
	f, err := ParseForge([]byte(testForge))
	require.NoError(t, err)
	assert.Equal(t, ForgeProject{Name: "shop", UUID: testProject}, f.Project)
	assert.Equal(t, ForgeTask{Path: "tasks/report.go", Handler: "GetUserReport", UUID: "0193a000-0000-7000-8000-0000000000aa"},
		f.Tasks["getUserReport"])
	assert.Equal(t, "0193a000-0000-7000-8000-0000000000aa", f.TaskUUID("getUserReport"))
	assert.Empty(t, f.TaskUUID("noUUID"))
	assert.Empty(t, f.TaskUUID("missing"))
	assert.Equal(t, []string{"getUserReport", "noUUID"}, f.TaskNames())

	var nilForge *Forge
	assert.Empty(t, nilForge.TaskUUID("x"))
	assert.Empty(t, nilForge.TaskNames())

	empty, err := ParseForge([]byte(" {} \n"))
	require.NoError(t, err)
	assert.Empty(t, empty.Tasks)
}

func TestParseForgeErrors(t *testing.T) {
	cases := map[string]string{
		"":                                  "empty document",
		"   ":                               "empty document",
		"[]":                                "must be a JSON object",
		"null":                              "must be a JSON object",
		`{"project":`:                       "truncated",
		`{"project":{"name":"a"},}`:         "malformed JSON",
		`{"project":{"name":3}}`:            "project.name",
		`{"project":[]}`:                    "project",
		`{"tasks":{"a":{"uuid":7}}}`:        "tasks.uuid",
		`{"tasks":[]}`:                      "tasks",
		`{"project":{"name":"a"}} {"x":1}`:  "unexpected data",
		`{"project":{"name":"a"}} trailing`: "unexpected data",
	}
	for in, want := range cases {
		_, err := ParseForge([]byte(in))
		require.Error(t, err, in)
		assert.True(t, errors.Is(err, ErrInvalidForge), in)
		assert.Contains(t, err.Error(), want, in)
	}
}

func FuzzParseForge(f *testing.F) {
	for _, s := range []string{testForge, `{}`, `{"tasks":null}`, `{"project":{"name":"x","uuid":"y"}}`, `[`, `{"tasks":{"a":{}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		forge, err := ParseForge(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidForge) {
				t.Fatalf("error does not wrap ErrInvalidForge: %v", err)
			}
			return
		}
		// A parsed file encodes and parses back to the same value.
		enc, err := json.Marshal(forge)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := ParseForge(enc)
		if err != nil {
			t.Fatalf("reparse %s: %v", enc, err)
		}
		if len(again.Tasks) != len(forge.Tasks) || again.Project != forge.Project {
			t.Fatalf("round trip changed the file: %+v vs %+v", forge, again)
		}
		for name := range forge.Tasks {
			if again.TaskUUID(name) != forge.TaskUUID(name) {
				t.Fatalf("task %q uuid changed", name)
			}
		}
	})
}
