package server_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

func TestMe(t *testing.T) {
	ts := start(t)
	r := ts.do(http.MethodGet, "/api/me", nil)
	require.Equal(t, http.StatusOK, r.status)
	m := r.json(t)
	team := m["team"].(map[string]any)
	assert.Equal(t, "local", team["name"])
	_, err := uuid.Parse(team["uuid"].(string))
	assert.NoError(t, err, "the default team uuid is a uuid")
	assert.Equal(t, map[string]any{"name": "local"}, m["user"])

	custom := start(t, server.WithTeam("acme", "team-1"), server.WithUser("ada"))
	r = custom.do(http.MethodGet, "/api/me", nil)
	assert.JSONEq(t, `{"team":{"name":"acme","uuid":"team-1"},"user":{"name":"ada"}}`, string(r.body))
}
