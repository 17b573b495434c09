package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/runner"
)

// TestRun starts the program as main does without a command (serve, with
// otelsetup.Setup from the environment, a free loopback port), calls it and
// stops it. It is the only test that installs OTel globals in this package.
func TestRun(t *testing.T) {
	t.Setenv("OTEL_TRACES_EXPORTER", "none")
	t.Setenv("OTEL_METRICS_EXPORTER", "none")
	t.Setenv("HIVE_API_KEY", "")

	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0"}, pw, io.Discard)
		_ = pw.Close()
	}()

	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	_, rest, ok := strings.Cut(line, "listening on ")
	require.True(t, ok, line)
	base := strings.Fields(rest)[0]

	resp, err := http.Get(base + "/reports/2")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Contains(t, string(body), `"name":"Alan Turing"`)
	assert.NotEmpty(t, resp.Header.Get(recordHeader))

	cancel()
	require.Equal(t, runner.ExitOK, <-done)
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}
