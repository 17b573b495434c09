package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/internal/testutil"
)

func TestUnknownPathsAndMethods(t *testing.T) {
	ts := start(t)
	msg := ts.do(http.MethodGet, "/api/nope", nil).requireError(t, http.StatusNotFound)
	assert.Contains(t, msg, "/api/nope")
	ts.do(http.MethodGet, "/", nil).requireError(t, http.StatusNotFound)
	ts.do(http.MethodGet, "/api/tasks/x/logs/y/z", nil).requireError(t, http.StatusNotFound)

	r := ts.do(http.MethodGet, "/api/log-ingest", nil)
	r.requireError(t, http.StatusMethodNotAllowed)
	assert.Equal(t, "POST", r.header.Get("Allow"))
	r = ts.do(http.MethodDelete, "/api/me", nil)
	r.requireError(t, http.StatusMethodNotAllowed)
	assert.Contains(t, r.header.Get("Allow"), "GET")
	ts.do(http.MethodPut, "/api/tasks/x/logs/y", nil).requireError(t, http.StatusMethodNotAllowed)
}

func TestEscapedTaskNames(t *testing.T) {
	ts := start(t)
	ts.ingest(projectA, "", recordJSON("billing/charge card", recUUID, "x"))
	r := ts.do(http.MethodGet, "/api/tasks/billing%2Fcharge%20card/logs/"+recUUID, nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.JSONEq(t, recordJSON("billing/charge card", recUUID, "x"), string(r.logItem(t)))
}

func TestServeStopsWhenContextEnds(t *testing.T) {
	srv := server.New(server.NewMemoryStore(), server.WithInsecureNoAuth(), server.WithLogger(slog.New(slog.DiscardHandler)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("http://" + ln.Addr().String() + "/api/me")
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	cancel()
	require.NoError(t, <-done)
	_, err = net.Dial("tcp", ln.Addr().String())
	assert.Error(t, err, "the listener is closed after Serve returns")
}

func TestServeReportsListenerErrors(t *testing.T) {
	srv := server.New(server.NewMemoryStore())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, ln.Close())
	err = srv.Serve(context.Background(), ln)
	require.Error(t, err)
	assert.False(t, errors.Is(err, http.ErrServerClosed))

	err = srv.ListenAndServe(context.Background(), "127.0.0.1:-1")
	assert.ErrorContains(t, err, "listen")
}

func TestListenAndServe(t *testing.T) {
	// Find a free port, then serve on it by address.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	srv := server.New(server.NewMemoryStore(), server.WithCredentials("k", "s"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx, addr) }()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var resp *http.Response
	for range 500 { // wait until it listens (or fails to)
		if resp, err = client.Get("http://" + addr + "/healthz"); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("ListenAndServe returned early: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	cancel()
	require.NoError(t, <-done)
}

// failingStore fails every call, as a broken disk would.
type failingStore struct{ server.Store }

var errDisk = errors.New("disk on fire")

func (failingStore) EnsureProject(context.Context, server.Project) (server.Project, bool, error) {
	return server.Project{}, false, errDisk
}
func (failingStore) Ingest(context.Context, []server.IngestEntry) ([]server.PutLogResult, error) {
	return nil, errDisk
}
func (failingStore) GetLog(context.Context, server.LogKey) (server.StoredLog, error) {
	return server.StoredLog{}, errDisk
}

func TestStoreFailuresAre500(t *testing.T) {
	logs := &testutil.LockedBuffer{}
	srv := server.New(failingStore{server.NewMemoryStore()}, server.WithInsecureNoAuth(),
		server.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); require.NoError(t, <-done) }()
	ts := &testServer{t: t, url: "http://" + ln.Addr().String(), client: &http.Client{Transport: &http.Transport{}}}
	defer ts.client.CloseIdleConnections()

	msg := ts.do(http.MethodPost, "/api/log-ingest", map[string]any{"logItem": recordJSON("t", "r", "x")}).
		requireError(t, http.StatusInternalServerError)
	assert.NotContains(t, msg, "disk on fire", "store details are logged, not answered")
	ts.do(http.MethodGet, "/api/tasks/t/logs/r", nil).requireError(t, http.StatusInternalServerError)
	assert.Contains(t, logs.String(), "disk on fire")
}
