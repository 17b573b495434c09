package hive

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetFixture(t *testing.T) {
	f := newFakeHive()
	answer(f, 200, `{"fixture":{"fixtureUUID":"u/1","name":"getUserReport","taskName":"getUserReport","projectName":"shop",`+
		`"projectUuid":"`+testProject+`","type":"success","input":{"id":1},"output":{"total":20},`+
		`"boundaries":{"fetchUser":[]},"context":{"requestId":"r-1"},"createdAt":"2026-01-02T03:04:05.000Z","extra":true}}`)
	c := newTestLogClient(t, f.start(t).URL)

	got, err := c.GetFixture(ctxT(t), "u/1")
	require.NoError(t, err)
	assert.Equal(t, "u/1", got.FixtureUUID)
	assert.Equal(t, "getUserReport", got.TaskName)
	assert.Equal(t, "shop", got.ProjectName)
	assert.JSONEq(t, `{"id":1}`, string(got.Input))
	assert.JSONEq(t, `{"total":20}`, string(got.Output))
	assert.JSONEq(t, `{"fetchUser":[]}`, string(got.Boundaries))
	assert.JSONEq(t, `{"requestId":"r-1"}`, string(got.Context))
	assert.Contains(t, string(got.Raw), `"extra":true`, "Raw keeps members the type does not name")

	req := f.seen()[0]
	assert.Equal(t, "GET", req.Method)
	assert.Equal(t, "/api/fixture/u%2F1", req.RawPath, "the uuid is escaped")
	assert.Equal(t, "projectUuid="+testProject, req.Query, "scoped to the client's project")
	assert.Equal(t, "Bearer "+testKey+":"+testSecret, req.Auth)
}

func TestGetFixtureFailures(t *testing.T) {
	for _, tc := range statusCases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			f := newFakeHive()
			failWith(f, tc.status)
			_, err := newTestLogClient(t, f.start(t).URL).GetFixture(ctxT(t), "u")
			require.ErrorIs(t, err, tc.sentinel)
		})
	}

	f := newFakeHive()
	answer(f, http.StatusConflict, `{"error":"record \"u\" is stored in several places: project \"a\" task \"x\", project \"b\" task \"x\"","status":409}`)
	_, err := newTestLogClient(t, f.start(t).URL).GetFixture(ctxT(t), "u")
	var apiErr *APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, http.StatusConflict, apiErr.StatusCode)
	assert.Contains(t, apiErr.Message, `project "b" task "x"`)

	for _, body := range []string{`{}`, `{"fixture":null}`, `{"fixture":[1]}`, `{"fixture":{"input":`} {
		f := newFakeHive()
		answer(f, 200, body)
		_, err := newTestLogClient(t, f.start(t).URL).GetFixture(ctxT(t), "u")
		assert.ErrorIs(t, err, ErrInvalidResponse, body)
	}

	_, err = newTestLogClient(t, "http://127.0.0.1:1").GetFixture(ctxT(t), "")
	assert.ErrorIs(t, err, ErrInvalidArgument)
}
