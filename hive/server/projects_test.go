package server_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type projectView struct {
	Project struct {
		UUID        string `json:"uuid"`
		ProjectName string `json:"projectName"`
		Description string `json:"description"`
		Tasks       []struct {
			UUID      string `json:"uuid"`
			Name      string `json:"name"`
			InvokeURL string `json:"invokeUrl"`
		} `json:"tasks"`
	} `json:"project"`
}

func (ts *testServer) project(t *testing.T, id string) projectView {
	t.Helper()
	r := ts.do(http.MethodGet, "/api/projects/"+id, nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var v projectView
	require.NoError(t, json.Unmarshal(r.body, &v))
	return v
}

func TestCreateAndGetProject(t *testing.T) {
	ts := start(t)
	r := ts.do(http.MethodPost, "/api/projects", map[string]any{"projectName": "demo", "description": "a demo", "uuid": projectA})
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	assert.JSONEq(t, `{"project":{"uuid":"`+projectA+`","projectName":"demo","description":"a demo"}}`, string(r.body))

	p := ts.project(t, projectA)
	assert.Equal(t, "demo", p.Project.ProjectName)
	assert.Equal(t, "a demo", p.Project.Description)
	assert.Empty(t, p.Project.Tasks)

	msg := ts.do(http.MethodPost, "/api/projects", map[string]any{"projectName": "again", "uuid": projectA}).requireError(t, http.StatusConflict)
	assert.Contains(t, msg, "already exists")
	assert.Equal(t, "demo", ts.project(t, projectA).Project.ProjectName, "a refused create changes nothing")

	r = ts.do(http.MethodPost, "/api/projects", map[string]any{"projectName": "generated"})
	require.Equal(t, http.StatusCreated, r.status)
	id, err := uuid.Parse(r.json(t)["project"].(map[string]any)["uuid"].(string))
	require.NoError(t, err)
	assert.Equal(t, uuid.Version(7), id.Version())

	ts.do(http.MethodPost, "/api/projects", map[string]any{"description": "no name"}).requireError(t, http.StatusBadRequest)
	ts.do(http.MethodPost, "/api/projects", `{"projectName":`).requireError(t, http.StatusBadRequest)
	ts.do(http.MethodGet, "/api/projects/"+projectB, nil).requireError(t, http.StatusNotFound)
}

func TestSyncProject(t *testing.T) {
	ts := start(t)
	path := "/api/projects/" + projectA + "/sync"
	r := ts.do(http.MethodPost, path, map[string]any{
		"projectName": "synced",
		"tasks": []map[string]any{
			{"uuid": "t-alpha", "name": "alpha", "invokeUrl": "http://127.0.0.1:1/alpha"},
			{"uuid": "t-beta", "name": "beta"},
		},
	})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.JSONEq(t, `{"projectUuid":"`+projectA+`","projectName":"synced",
		"summary":{"total":2,"created":2,"updated":0,"errors":0},
		"results":{"created":[{"uuid":"t-alpha","taskName":"alpha","action":"created"},{"uuid":"t-beta","taskName":"beta","action":"created"}],
			"updated":[],"errors":[]}}`, string(r.body))

	r = ts.do(http.MethodPost, path, map[string]any{
		"description": "now described",
		"tasks": []map[string]any{
			{"name": "alpha"}, // nothing sent: unchanged
			{"name": "beta", "invokeUrl": "https://127.0.0.1:2/beta"}, // gets an invoke URL
			{"name": "gamma"}, // new, uuid generated
		},
	})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var got struct {
		ProjectUUID string `json:"projectUuid"`
		ProjectName string `json:"projectName"`
		Summary     struct{ Total, Created, Updated, Errors int }
		Results     struct {
			Created []struct{ UUID, TaskName, Action string }
			Updated []struct{ UUID, TaskName, Action, PreviousName string }
			Errors  []any
		}
	}
	require.NoError(t, json.Unmarshal(r.body, &got))
	assert.Equal(t, projectA, got.ProjectUUID)
	assert.Equal(t, "synced", got.ProjectName)
	assert.Equal(t, struct{ Total, Created, Updated, Errors int }{3, 1, 1, 0}, got.Summary, "alpha is counted in total, unchanged")
	require.Len(t, got.Results.Created, 1)
	assert.Equal(t, "gamma", got.Results.Created[0].TaskName)
	assert.NotEmpty(t, got.Results.Created[0].UUID, "a generated uuid is answered")
	assert.Equal(t, "created", got.Results.Created[0].Action)
	require.Len(t, got.Results.Updated, 1)
	assert.Equal(t, struct{ UUID, TaskName, Action, PreviousName string }{"t-beta", "beta", "updated", "beta"}, got.Results.Updated[0])
	assert.NotNil(t, got.Results.Errors)
	assert.Empty(t, got.Results.Errors)

	p := ts.project(t, projectA)
	assert.Equal(t, "now described", p.Project.Description)
	require.Len(t, p.Project.Tasks, 3)
	assert.Equal(t, "http://127.0.0.1:1/alpha", p.Project.Tasks[0].InvokeURL)
	assert.Equal(t, "https://127.0.0.1:2/beta", p.Project.Tasks[1].InvokeURL)
	assert.Equal(t, "gamma", p.Project.Tasks[2].Name)
	assert.NotEmpty(t, p.Project.Tasks[2].UUID)

	// An empty invokeUrl removes it.
	r = ts.do(http.MethodPost, path, map[string]any{"tasks": []map[string]any{{"name": "alpha", "invokeUrl": ""}}})
	require.Equal(t, http.StatusOK, r.status)
	assert.Empty(t, ts.project(t, projectA).Project.Tasks[0].InvokeURL)

	bad := map[string]string{
		"bad url":        `{"tasks":[{"name":"x","invokeUrl":"ftp://host/x"}]}`,
		"relative url":   `{"tasks":[{"name":"x","invokeUrl":"/run"}]}`,
		"no name":        `{"tasks":[{"uuid":"u"}]}`,
		"duplicate name": `{"tasks":[{"name":"x"},{"name":"x"}]}`,
		"duplicate uuid": `{"tasks":[{"name":"x","uuid":"u"},{"name":"y","uuid":"u"}]}`,
		"tasks object":   `{"tasks":{}}`,
		"empty name":     `{"projectName":""}`,
	}
	for name, body := range bad {
		msg := ts.do(http.MethodPost, path, body).requireError(t, http.StatusBadRequest)
		assert.NotEmpty(t, msg, name)
	}
	msg := ts.do(http.MethodPost, path, `{"tasks":[{"name":"delta","uuid":"t-beta"}]}`).requireError(t, http.StatusConflict)
	assert.Contains(t, msg, "t-beta")
	assert.Len(t, ts.project(t, projectA).Project.Tasks, 3, "refused syncs change nothing")

	// A sync of a new project without a name registers it as "local".
	r = ts.do(http.MethodPost, "/api/projects/"+projectB+"/sync", `{}`)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "local", ts.project(t, projectB).Project.ProjectName)
}
