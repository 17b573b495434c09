package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegisterTask(t *testing.T) {
	ts := start(t)
	path := "/api/projects/" + projectA + "/tasks/t-alpha"
	r := ts.do(http.MethodPost, path, map[string]any{"taskName": "alpha", "description": "fetches the alpha report"})
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	task := r.json(t)["task"].(map[string]any)
	assert.Equal(t, "t-alpha", task["uuid"])
	assert.Equal(t, "alpha", task["taskName"])
	assert.Equal(t, "fetches the alpha report", task["description"])
	assert.Equal(t, projectA, task["projectUuid"])
	assert.NotEmpty(t, task["createdAt"])

	p := ts.project(t, projectA)
	assert.Equal(t, "local", p.Project.ProjectName, "an unknown project is registered, as a sync does")
	require.Len(t, p.Project.Tasks, 1)
	assert.Equal(t, "t-alpha", p.Project.Tasks[0].UUID)
	desc := ts.do(http.MethodGet, "/api/projects/"+projectA, nil).json(t)["project"].(map[string]any)["tasks"].([]any)[0].(map[string]any)["description"]
	assert.Equal(t, "fetches the alpha report", desc, "GET /api/projects/{p} shows the description")

	// Registering again describes the task anew.
	r = ts.do(http.MethodPost, path, map[string]any{"taskName": "alpha", "description": "new words"})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, "new words", r.json(t)["task"].(map[string]any)["description"])

	// A sync keeps the description.
	require.Equal(t, http.StatusOK, ts.do(http.MethodPost, "/api/projects/"+projectA+"/sync",
		map[string]any{"tasks": []map[string]any{{"uuid": "t-alpha", "name": "alpha", "invokeUrl": "http://127.0.0.1:1/a"}}}).status)
	r = ts.do(http.MethodPost, path, map[string]any{"taskName": "alpha", "description": "new words"})
	require.Equal(t, http.StatusOK, r.status)

	msg := ts.do(http.MethodPost, path, map[string]any{"taskName": "beta"}).requireError(t, http.StatusConflict)
	assert.Contains(t, msg, `registered as task "alpha"`)

	// A known name under a new uuid takes that uuid.
	r = ts.do(http.MethodPost, "/api/projects/"+projectA+"/tasks/t-alpha-2", map[string]any{"taskName": "alpha", "description": "moved"})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, "t-alpha-2", ts.project(t, projectA).Project.Tasks[0].UUID)

	ts.do(http.MethodPost, path, map[string]any{"description": "no name"}).requireError(t, http.StatusBadRequest)
	ts.do(http.MethodPost, path, `{"taskName":`).requireError(t, http.StatusBadRequest)
	ts.do(http.MethodPost, path, map[string]any{"taskName": "a\x01b"}).requireError(t, http.StatusBadRequest)
	ts.doAuth(http.MethodPost, path, map[string]any{"taskName": "alpha"}, "").requireError(t, http.StatusUnauthorized)
}
