package hive

import (
	"encoding/json"
	"math"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestClient(t *testing.T, host string, mods ...func(*Config)) *Client {
	t.Helper()
	cfg := testConfig(t, host)
	for _, m := range mods {
		m(&cfg)
	}
	c, err := NewClient(cfg)
	require.NoError(t, err)
	return c
}

func TestInvoke(t *testing.T) {
	f := newFakeHive()
	answer(f, 200, `{"responsePayload":{"total":20}}`)
	c := newTestClient(t, f.start(t).URL)

	out, err := c.Invoke(ctxT(t), "task-1", map[string]int{"userId": 1})
	require.NoError(t, err)
	assert.JSONEq(t, `{"total":20}`, string(out))

	req := f.seen()[0]
	assert.Equal(t, "POST", req.Method)
	assert.Equal(t, "/api/projects/"+testProject+"/tasks/task-1/invoke", req.Path)
	assert.Equal(t, "Bearer "+testKey+":"+testSecret, req.Auth)
	assert.JSONEq(t, `{"payload":{"userId":1}}`, string(req.Body))
}

func TestInvokeNullAnswerAndPayload(t *testing.T) {
	f := newFakeHive()
	answer(f, 200, `{"responsePayload":null}`)
	c := newTestClient(t, f.start(t).URL)

	out, err := c.Invoke(ctxT(t), "task-1", nil)
	require.NoError(t, err)
	assert.Equal(t, "null", string(out))
	assert.JSONEq(t, `{"payload":null}`, string(f.seen()[0].Body))
}

func TestInvokeTaskError(t *testing.T) {
	for name, body := range map[string]string{
		"string":         `{"error":"user 99 not found"}`,
		"message object": `{"error":{"message":"user 99 not found"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeHive()
			answer(f, 200, body)
			_, err := newTestClient(t, f.start(t).URL).Invoke(ctxT(t), "task-1", 99)
			require.ErrorIs(t, err, ErrInvokeFailed)
			assert.Contains(t, err.Error(), "user 99 not found")
		})
	}
	t.Run("neither field", func(t *testing.T) {
		f := newFakeHive()
		answer(f, 200, `{}`)
		_, err := newTestClient(t, f.start(t).URL).Invoke(ctxT(t), "task-1", 1)
		require.ErrorIs(t, err, ErrInvalidResponse)
	})
}

func TestInvokeFailures(t *testing.T) {
	cases := append([]struct {
		status   int
		sentinel error
	}{{http.StatusNotImplemented, ErrServer}, {http.StatusBadGateway, ErrServer}}, statusCases...)
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			f := newFakeHive()
			f.setOverride(func(w http.ResponseWriter, _ *http.Request, _ []byte) bool {
				writeError(w, tc.status, "task has no invoke URL")
				return true
			})
			_, err := newTestClient(t, f.start(t).URL).Invoke(ctxT(t), "task-1", 1)
			require.ErrorIs(t, err, tc.sentinel)
			assert.Contains(t, err.Error(), "task has no invoke URL")
		})
	}
	t.Run("network", func(t *testing.T) {
		_, err := newTestClient(t, closedURL(t)).Invoke(ctxT(t), "task-1", 1)
		require.ErrorIs(t, err, ErrNetwork)
	})
	t.Run("bad arguments", func(t *testing.T) {
		f := newFakeHive()
		c := newTestClient(t, f.start(t).URL)
		_, err := c.Invoke(ctxT(t), "", 1)
		require.ErrorIs(t, err, ErrInvalidArgument)
		_, err = c.Invoke(ctxT(t), "task-1", math.NaN())
		require.ErrorIs(t, err, ErrInvalidArgument)
		_, err = c.Invoke(ctxT(t), "task-1", json.RawMessage(`{bad`))
		require.ErrorIs(t, err, ErrInvalidArgument)
		assert.Empty(t, f.seen())
	})
}

func TestNewClient(t *testing.T) {
	clearEnv(t)
	_, err := NewClient(Config{ProjectUUID: testProject})
	require.ErrorIs(t, err, ErrNoCredentials)

	_, err = NewClient(Config{APIKey: "k", APISecret: "s"})
	require.ErrorIs(t, err, ErrNoProject)

	c, err := NewClient(Config{APIKey: "k", APISecret: "s", ForgePath: writeForge(t, testForge), Host: "http://127.0.0.1:9"})
	require.NoError(t, err, "project uuid from forge.json")
	assert.Equal(t, "0193a000-0000-7000-8000-0000000000aa", c.Forge().TaskUUID("getUserReport"))

	_, err = NewClient(Config{APIKey: "k", APISecret: "s", ProjectUUID: "p", Host: "nope"})
	require.ErrorIs(t, err, ErrInvalidConfig)
}
