package hive

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// projectAnswer makes the fake answer GET /api/projects/{uuid} with body.
func projectAnswer(f *fakeHive, status int, body string) {
	f.setOverride(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.URL.Path != "/api/projects/"+testProject {
			return false
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
		return true
	})
}

func TestTestConfig(t *testing.T) {
	f := newFakeHive()
	projectAnswer(f, 200, `{"project":{"uuid":"`+testProject+`","projectName":"shop on server","description":"",
		"tasks":[{"uuid":"0193a000-0000-7000-8000-0000000000aa","name":"getUserReport"},{"uuid":"zzz","name":"noUUID"}]}}`)
	forge := writeForge(t, `{"project":{"name":"shop","uuid":"`+testProject+`"},"tasks":{
		"getUserReport":{"uuid":"0193a000-0000-7000-8000-0000000000aa"},
		"noUUID":{},
		"renamedOnServer":{"uuid":"not-on-server"}}}`)
	c := newTestLogClient(t, f.start(t).URL, func(c *Config) { c.ForgePath = forge })

	r, err := c.TestConfig(ctxT(t))
	require.NoError(t, err)

	assert.False(t, r.Silent)
	assert.True(t, r.Authenticated)
	assert.Equal(t, "local", r.TeamName)
	assert.Equal(t, "team-1", r.TeamUUID)
	assert.Equal(t, "dev", r.UserName)
	assert.True(t, r.ProjectFound)
	assert.Equal(t, "shop on server", r.ProjectName)
	assert.Equal(t, []string{"getUserReport", "noUUID"}, r.KnownTasks, "by uuid, or by name without one")
	assert.Equal(t, []string{"renamedOnServer"}, r.UnknownTasks)

	paths := []string{}
	for _, req := range f.seen() {
		paths = append(paths, req.Method+" "+req.Path)
		assert.Equal(t, "Bearer "+testKey+":"+testSecret, req.Auth)
	}
	assert.Equal(t, []string{"GET /api/me", "GET /api/projects/" + testProject}, paths)
}

func TestTestConfigProjectNotFound(t *testing.T) {
	f := newFakeHive() // the fake answers 404 for projects by default
	c := newTestLogClient(t, f.start(t).URL, func(c *Config) { c.ForgePath = writeForge(t, testForge) })

	r, err := c.TestConfig(ctxT(t))
	require.NoError(t, err, "an unknown project is a finding, not an error")
	assert.True(t, r.Authenticated)
	assert.False(t, r.ProjectFound)
	assert.Equal(t, []string{"getUserReport", "noUUID"}, r.UnknownTasks)
	assert.Empty(t, r.KnownTasks)
}

func TestTestConfigNoProject(t *testing.T) {
	f := newFakeHive()
	c := newTestLogClient(t, f.start(t).URL, func(c *Config) { c.ProjectUUID = "" })

	r, err := c.TestConfig(ctxT(t))
	require.NoError(t, err)
	assert.True(t, r.Authenticated)
	assert.False(t, r.ProjectFound)
	assert.Len(t, f.seen(), 1, "only /api/me")
}

func TestTestConfigFailures(t *testing.T) {
	t.Run("wrong credentials", func(t *testing.T) {
		f := newFakeHive()
		c := newTestLogClient(t, f.start(t).URL, func(c *Config) { c.APIKey = "wrong" })
		r, err := c.TestConfig(ctxT(t))
		require.ErrorIs(t, err, ErrUnauthorized)
		require.NotNil(t, r)
		assert.False(t, r.Authenticated)
	})
	t.Run("me not found", func(t *testing.T) {
		f := newFakeHive()
		failWith(f, 404)
		_, err := newTestLogClient(t, f.start(t).URL).TestConfig(ctxT(t))
		require.ErrorIs(t, err, ErrNotFound)
	})
	t.Run("project lookup fails", func(t *testing.T) {
		f := newFakeHive()
		projectAnswer(f, 500, `{"error":"db down","status":500}`)
		r, err := newTestLogClient(t, f.start(t).URL).TestConfig(ctxT(t))
		require.ErrorIs(t, err, ErrServer)
		assert.True(t, r.Authenticated, "what was learnt before the failure is kept")
	})
	t.Run("network", func(t *testing.T) {
		_, err := newTestLogClient(t, closedURL(t)).TestConfig(ctxT(t))
		require.ErrorIs(t, err, ErrNetwork)
	})
}
