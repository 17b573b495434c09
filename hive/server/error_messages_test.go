package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Errors answered to clients name the problem, not the server's internals.
func TestErrorMessagesNameTheProblem(t *testing.T) {
	ts := start(t)
	ts.ingest(projectA, "", recordJSON("getUserReport", recUUID, "a"))
	ts.ingest(projectB, "", recordJSON("getUserReport", recUUID, "b"))

	var msgs []string
	for path, want := range map[string]string{
		"/api/tasks/getUserReport/logs/0193f0a0-0000-7000-8000-00000000beef": `record "0193f0a0-0000-7000-8000-00000000beef" of task "getUserReport": not found`,
		"/api/tasks/getUserReport/logs/" + recUUID:                           `record "` + recUUID + `" of task "getUserReport": ambiguous: record exists in several projects; pass the projectUuid query parameter`,
		"/api/projects/0193f0a0-0000-7000-8000-00000000beef":                 `project "0193f0a0-0000-7000-8000-00000000beef": not found`,
	} {
		r := ts.do(http.MethodGet, path, nil)
		require.GreaterOrEqual(t, r.status, 400, path)
		msg := r.requireError(t, r.status)
		assert.Equal(t, want, msg, path)
		msgs = append(msgs, msg)
	}
	msg := ts.do(http.MethodPost, "/api/projects/"+projectA+"/tasks/0193f0a0-0000-7000-8000-00000000beef/invoke",
		map[string]any{"payload": 1}).requireError(t, http.StatusNotFound)
	assert.Equal(t, `task "0193f0a0-0000-7000-8000-00000000beef" in project "`+projectA+`": not found`, msg)
	msgs = append(msgs, msg)
	msg = ts.do(http.MethodPut, "/api/projects/"+projectA+"/tasks/t-none/bundle", "zip").requireError(t, http.StatusNotFound)
	assert.Equal(t, `task "t-none" of project "`+projectA+`" has not been published: not found`, msg)

	for _, m := range append(msgs, msg) {
		for _, internal := range []string{"sqlitestore", "pgstore", "get log", "get task", "upload bundle"} {
			assert.False(t, strings.Contains(m, internal), "%q names %q", m, internal)
		}
	}
}
