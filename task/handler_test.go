package task_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/task"
)

type greetIn struct {
	Name string `json:"name" validate:"required"`
}

func TestHandlerStatuses(t *testing.T) {
	h := newTestProvider(t)
	tk := task.New("greet", func(_ context.Context, in greetIn) (map[string]string, error) {
		if in.Name == "fail" {
			return nil, errors.New("greeting failed")
		}
		return map[string]string{"greeting": "hello " + in.Name}, nil
	}, task.WithTracerProvider(h.TracerProvider()), task.WithMaxRequestBytes(256))
	checkAll(t, h, tk) // every request's run
	srv := httptest.NewServer(tk.Handler())
	t.Cleanup(srv.Close)

	do := func(method, body string) (int, map[string]any, http.Header) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL, strings.NewReader(body))
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(raw, &m), "%s", raw)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		return resp.StatusCode, m, resp.Header
	}

	code, body, _ := do(http.MethodPost, `{"args":{"name":"Ada"}}`)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, map[string]any{"greeting": "hello Ada"}, body)

	code, body, _ = do(http.MethodPost, `{"args":{}}`)
	assert.Equal(t, http.StatusUnprocessableEntity, code)
	assert.Equal(t, "Invalid input on: name: is required", body["error"])
	assert.Equal(t, []any{map[string]any{"field": "name", "message": "is required", "code": "invalid_type"}}, body["details"])

	code, body, _ = do(http.MethodPost, `{"args":{"name":5}}`)
	assert.Equal(t, http.StatusUnprocessableEntity, code)
	assert.Equal(t, "Invalid input on: name: expected string, got number", body["error"])

	code, body, _ = do(http.MethodPost, `{"args":{"name":"fail"}}`)
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Equal(t, map[string]any{"error": "greeting failed"}, body)

	for _, bad := range []string{`{"args":`, ``, `not json`, `{"args":{}} trailing`} {
		code, body, _ = do(http.MethodPost, bad)
		assert.Equal(t, http.StatusBadRequest, code, bad)
		assert.Contains(t, body["error"], "malformed request body")
	}

	code, body, hdr := do(http.MethodGet, "")
	assert.Equal(t, http.StatusMethodNotAllowed, code)
	assert.Equal(t, http.MethodPost, hdr.Get("Allow"))
	assert.NotEmpty(t, body["error"])

	code, body, _ = do(http.MethodPost, `{"args":{"name":"`+strings.Repeat("x", 300)+`"}}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, code)
	assert.Equal(t, "request body too large", body["error"])

	// Every accepted request was a recorded run: 200, 2×422, 500.
	assert.Len(t, h.Records(t), 4)
}
