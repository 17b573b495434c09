package main

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hivetrace/hivetrace/hive"
)

func TestErrorLine(t *testing.T) {
	api := &hive.APIError{Method: "GET", Path: "/api/tasks/t/logs", StatusCode: 400, Message: `type must be "success" or "error", got "x"`}
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("wrapped: %w", api), `the server answered 400 Bad Request to GET /api/tasks/t/logs: type must be "success" or "error", got "x"`},
		{&hive.APIError{Method: "GET", Path: "/api/tasks", StatusCode: 502}, "the server answered 502 Bad Gateway to GET /api/tasks"},
		{fmt.Errorf("hive: GET /api/tasks: %w: dial tcp: refused", hive.ErrNetwork), "GET /api/tasks: network error: dial tcp: refused"},
		{errors.New("jaegerquery: GET http://127.0.0.1:16686/api/v3/traces/ab: jaegerquery: trace not found"), "GET http://127.0.0.1:16686/api/v3/traces/ab: trace not found"},
		{errors.New("first line\n  second line"), "first line second line"},
	} {
		assert.Equal(t, c.want, errorLine(c.err))
	}
	var stderr bytes.Buffer
	assert.Equal(t, exitError, fail(&stderr, "hive tasks list", api))
	assert.Equal(t, "hive tasks list: "+errorLine(api)+"\n", stderr.String())
}
