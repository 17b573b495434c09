package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type listPage struct {
	Logs []struct {
		UUID        string          `json:"uuid"`
		TaskName    string          `json:"taskName"`
		ProjectName string          `json:"projectName"`
		ProjectUUID string          `json:"projectUuid"`
		LogItem     json.RawMessage `json:"logItem"`
		Quality     json.RawMessage `json:"quality"`
		CreatedAt   string          `json:"createdAt"`
	} `json:"logs"`
	Next string `json:"next"`
}

func (ts *testServer) list(t *testing.T, path string) listPage {
	t.Helper()
	r := ts.do(http.MethodGet, path, nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var p listPage
	require.NoError(t, json.Unmarshal(r.body, &p))
	return p
}

func TestListOrderAndPagination(t *testing.T) {
	ts := start(t)
	for i := range 5 {
		ts.ingest(projectA, "", recordJSON("paged", fmt.Sprintf("r%d", i), "x"))
	}
	ts.ingest(projectA, "", recordJSON("otherTask", "o1", "x"))

	var seen []string
	next := ""
	pages := 0
	for {
		path := "/api/tasks/paged/logs?limit=2"
		if next != "" {
			path += "&before=" + url.QueryEscape(next)
		}
		p := ts.list(t, path)
		pages++
		for _, l := range p.Logs {
			seen = append(seen, l.UUID)
			assert.Equal(t, "paged", l.TaskName)
			assert.Equal(t, "local", l.ProjectName)
			assert.Equal(t, projectA, l.ProjectUUID)
			var rec map[string]any
			require.NoError(t, json.Unmarshal(l.LogItem, &rec), "logItem is a JSON object")
			assert.Equal(t, l.UUID, rec["uuid"])
		}
		if p.Next == "" {
			break
		}
		require.Len(t, p.Logs, 2, "a page with a next cursor is full")
		next = p.Next
	}
	assert.Equal(t, 3, pages)
	assert.Equal(t, []string{"r4", "r3", "r2", "r1", "r0"}, seen, "newest first, each once")

	all := ts.list(t, "/api/tasks/paged/logs")
	assert.Len(t, all.Logs, 5, "default limit covers a short listing")
	assert.Empty(t, all.Next)
	assert.Less(t, all.Logs[1].CreatedAt, all.Logs[0].CreatedAt)

	empty := ts.list(t, "/api/tasks/nothing/logs")
	assert.NotNil(t, empty.Logs)
	assert.Empty(t, empty.Logs)
	r := ts.do(http.MethodGet, "/api/tasks/nothing/logs", nil)
	assert.Contains(t, string(r.body), `"logs":[]`, "an empty listing is [] not null")

	for _, bad := range []string{"limit=0", "limit=-1", "limit=abc", "before=not-a-cursor", "before=e30"} {
		msg := ts.do(http.MethodGet, "/api/tasks/paged/logs?"+bad, nil).requireError(t, http.StatusBadRequest)
		assert.NotEmpty(t, msg, bad)
	}
}

func TestProjectIsolation(t *testing.T) {
	ts := start(t)
	ts.ingest(projectA, "", recordJSON("shared", "a-only", "A"))
	ts.ingest(projectB, "", recordJSON("shared", "b-only", "B"))
	ts.ingest(projectA, "", recordJSON("shared", "both", "A"))
	ts.ingest(projectB, "", recordJSON("shared", "both", "B"))

	get := func(uuid, project string) response {
		path := "/api/tasks/shared/logs/" + uuid
		if project != "" {
			path += "?projectUuid=" + project
		}
		return ts.do(http.MethodGet, path, nil)
	}
	assert.Equal(t, http.StatusOK, get("a-only", projectA).status)
	get("a-only", projectB).requireError(t, http.StatusNotFound)
	get("b-only", projectA).requireError(t, http.StatusNotFound)
	assert.JSONEq(t, recordJSON("shared", "both", "A"), string(get("both", projectA).logItem(t)))
	assert.JSONEq(t, recordJSON("shared", "both", "B"), string(get("both", projectB).logItem(t)))
	msg := get("both", "").requireError(t, http.StatusConflict)
	assert.Contains(t, msg, "projectUuid")
	assert.Equal(t, http.StatusOK, get("b-only", "").status, "without projectUuid a unique uuid is found")

	pa := ts.list(t, "/api/tasks/shared/logs?projectUuid="+projectA)
	require.Len(t, pa.Logs, 2)
	for _, l := range pa.Logs {
		assert.Equal(t, projectA, l.ProjectUUID)
	}
	assert.Len(t, ts.list(t, "/api/tasks/shared/logs").Logs, 4)

	q := map[string]any{"quality": map[string]any{"score": 1}}
	ts.do(http.MethodPost, "/api/tasks/shared/logs/a-only/set-quality?projectUuid="+projectB, q).requireError(t, http.StatusNotFound)
	ts.do(http.MethodPost, "/api/tasks/shared/logs/both/set-quality", q).requireError(t, http.StatusConflict)
}

func TestSetQuality(t *testing.T) {
	ts := start(t)
	ts.ingest(projectA, "", recordJSON("rated", recUUID, "x"))
	path := "/api/tasks/rated/logs/" + recUUID + "/set-quality"
	q := map[string]any{"quality": map[string]any{"score": 0.75, "reason": "clear", "suggestions": "add units"}}
	r := ts.do(http.MethodPost, path, q)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.JSONEq(t, `{"success":true}`, string(r.body))

	l := ts.list(t, "/api/tasks/rated/logs")
	require.Len(t, l.Logs, 1)
	assert.JSONEq(t, `{"score":0.75,"reason":"clear","suggestions":"add units"}`, string(l.Logs[0].Quality))
	got := ts.do(http.MethodGet, "/api/tasks/rated/logs/"+recUUID, nil)
	assert.JSONEq(t, recordJSON("rated", recUUID, "x"), string(got.logItem(t)), "the record itself is unchanged")

	// Scoped through the body too.
	r = ts.do(http.MethodPost, path, map[string]any{"projectUuid": projectB, "quality": map[string]any{"score": 1}})
	r.requireError(t, http.StatusNotFound)

	for name, body := range map[string]string{
		"no quality":     `{}`,
		"quality string": `{"quality":"good"}`,
		"no score":       `{"quality":{"reason":"x"}}`,
		"score string":   `{"quality":{"score":"high"}}`,
		"malformed":      `{"quality":`,
	} {
		msg := ts.do(http.MethodPost, path, body).requireError(t, http.StatusBadRequest)
		assert.NotEmpty(t, msg, name)
	}
	l = ts.list(t, "/api/tasks/rated/logs")
	assert.JSONEq(t, `{"score":0.75,"reason":"clear","suggestions":"add units"}`, string(l.Logs[0].Quality), "bad requests change nothing")

	ts.do(http.MethodPost, "/api/tasks/rated/logs/missing/set-quality", q).requireError(t, http.StatusNotFound)
}

func TestRestartPersistence(t *testing.T) {
	ts := start(t)
	ts.ingest(projectA, taskUUID, recordJSON("durable", recUUID, "kept"))
	r := ts.do(http.MethodPost, "/api/tasks/durable/logs/"+recUUID+"/set-quality", map[string]any{"quality": map[string]any{"score": 2}})
	require.Equal(t, http.StatusOK, r.status)
	before := ts.list(t, "/api/tasks/durable/logs")

	ts.restart()

	got := ts.do(http.MethodGet, "/api/tasks/durable/logs/"+recUUID+"?projectUuid="+projectA, nil)
	require.Equal(t, http.StatusOK, got.status, "body: %s", got.body)
	assert.JSONEq(t, recordJSON("durable", recUUID, "kept"), string(got.logItem(t)))
	after := ts.list(t, "/api/tasks/durable/logs")
	assert.Equal(t, before, after, "the listing, createdAt and quality survive a restart")
	// Re-ingesting after a restart is still idempotent.
	again := ts.ingest(projectA, taskUUID, recordJSON("durable", recUUID, "changed"))
	assert.Equal(t, before.Logs[0].CreatedAt, again["createdAt"])
}
