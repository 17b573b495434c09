package server_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetFixture(t *testing.T) {
	ts := start(t)
	const rec = "0193f0a0-0000-7000-8000-00000000f1f1"
	ts.ingest(projectA, "t-report", recordJSON("getUserReport", rec, "first"))

	r := ts.do(http.MethodGet, "/api/fixture/"+rec, nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var got struct {
		Fixture map[string]json.RawMessage `json:"fixture"`
	}
	require.NoError(t, json.Unmarshal(r.body, &got))
	f := got.Fixture
	str := func(k string) string {
		var s string
		require.NoError(t, json.Unmarshal(f[k], &s), "fixture.%s: %s", k, f[k])
		return s
	}
	assert.Equal(t, rec, str("fixtureUUID"))
	assert.Equal(t, "getUserReport", str("name"))
	assert.Equal(t, "getUserReport", str("taskName"))
	assert.Equal(t, projectA, str("projectUuid"))
	assert.Equal(t, "local", str("projectName"))
	assert.Equal(t, "success", str("type"))
	assert.JSONEq(t, `{"note":"first"}`, string(f["input"]))
	assert.JSONEq(t, `{"ok":true}`, string(f["output"]))
	assert.JSONEq(t, `{"fetch":[{"input":[1],"output":{"n":1},"timing":{"startTime":1795633372498,"endTime":1795633372502,"duration":4.25}}]}`, string(f["boundaries"]))
	assert.JSONEq(t, `{"requestId":"req-1"}`, string(f["context"]), "context is the record's metadata")
	assert.NotContains(t, f, "error")

	// The same uuid in another task and another project: 409 naming them.
	ts.ingest(projectA, "t-other", recordJSON("otherTask", rec, "second"))
	ts.ingest(projectB, "t-report", recordJSON("getUserReport", rec, "third"))
	msg := ts.do(http.MethodGet, "/api/fixture/"+rec, nil).requireError(t, http.StatusConflict)
	assert.Contains(t, msg, `project "`+projectA+`" task "getUserReport"`)
	assert.Contains(t, msg, `project "`+projectA+`" task "otherTask"`)
	assert.Contains(t, msg, `project "`+projectB+`" task "getUserReport"`)
	assert.Contains(t, msg, "projectUuid")

	r = ts.do(http.MethodGet, "/api/fixture/"+rec+"?projectUuid="+projectB, nil)
	require.Equal(t, http.StatusOK, r.status, "projectUuid narrows the lookup: %s", r.body)
	require.NoError(t, json.Unmarshal(r.body, &got))
	assert.JSONEq(t, `{"note":"third"}`, string(got.Fixture["input"]))
	msg = ts.do(http.MethodGet, "/api/fixture/"+rec+"?projectUuid="+projectA, nil).requireError(t, http.StatusConflict)
	assert.Contains(t, msg, "several tasks")

	msg = ts.do(http.MethodGet, "/api/fixture/0193f0a0-0000-7000-8000-00000000dead", nil).requireError(t, http.StatusNotFound)
	assert.Contains(t, msg, "0193f0a0-0000-7000-8000-00000000dead")
	ts.do(http.MethodGet, "/api/fixture/"+rec+"?projectUuid=nope", nil).requireError(t, http.StatusNotFound)
	ts.doAuth(http.MethodGet, "/api/fixture/"+rec, nil, "").requireError(t, http.StatusUnauthorized)
}

func TestGetFixtureOfAFailedRun(t *testing.T) {
	ts := start(t)
	const rec = "0193f0a0-0000-7000-8000-00000000e1e1"
	ts.ingest(projectA, "", `{"uuid":"`+rec+`","taskName":"fails","input":{"id":99},"error":"user 99 not found","type":"error"}`)
	r := ts.do(http.MethodGet, "/api/fixture/"+rec, nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var got struct {
		Fixture map[string]json.RawMessage `json:"fixture"`
	}
	require.NoError(t, json.Unmarshal(r.body, &got))
	assert.JSONEq(t, `"user 99 not found"`, string(got.Fixture["error"]))
	assert.JSONEq(t, `null`, string(got.Fixture["output"]))
	assert.JSONEq(t, `{}`, string(got.Fixture["boundaries"]))
	assert.JSONEq(t, `{}`, string(got.Fixture["context"]))
}
