package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
)

const (
	apiKey    = "test-key"
	apiSecret = "test-secret"
)

// stepClock returns a clock that advances one millisecond per reading, from
// a fixed start, so createdAt values are distinct and predictable.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func newStepClock() *stepClock {
	return &stepClock{now: time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)}
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Millisecond)
	return c.now
}

// testServer is a Server on a free loopback port with a SQLite file.
type testServer struct {
	t      *testing.T
	path   string
	opts   []server.Option
	store  *sqlitestore.Store
	url    string
	cancel context.CancelFunc
	done   chan error
	client *http.Client
}

// start runs a server with the test credentials, a discarding logger and a
// step clock; opts come last and may override them.
func start(t *testing.T, opts ...server.Option) *testServer {
	t.Helper()
	clock := newStepClock()
	base := []server.Option{
		server.WithCredentials(apiKey, apiSecret),
		server.WithLogger(slog.New(slog.DiscardHandler)),
		server.WithClock(clock.Now),
	}
	ts := &testServer{
		t:      t,
		path:   filepath.Join(t.TempDir(), "hive.db"),
		opts:   append(base, opts...),
		client: &http.Client{Transport: &http.Transport{}},
	}
	ts.up()
	t.Cleanup(func() {
		ts.down()
		ts.client.CloseIdleConnections()
	})
	return ts
}

// up opens the store and serves it.
func (ts *testServer) up() {
	t := ts.t
	t.Helper()
	store, err := sqlitestore.Open(context.Background(), ts.path)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	srv := server.New(store, ts.opts...)
	ts.store, ts.url, ts.cancel, ts.done = store, "http://"+ln.Addr().String(), cancel, make(chan error, 1)
	go func() { ts.done <- srv.Serve(ctx, ln) }()
}

// down stops the server and closes the store; it is a no-op when down.
func (ts *testServer) down() {
	if ts.cancel == nil {
		return
	}
	ts.cancel()
	require.NoError(ts.t, <-ts.done, "Serve returns nil after its context is canceled")
	require.NoError(ts.t, ts.store.Close())
	ts.client.CloseIdleConnections()
	ts.cancel = nil
}

// restart stops the server, closes the store and opens the same file again.
func (ts *testServer) restart() {
	ts.t.Helper()
	ts.down()
	ts.up()
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// logItem returns the record a GET /api/tasks/{taskName}/logs/{uuid} answer
// carries: the "logItem" of its envelope, as written.
func (r response) logItem(t *testing.T) []byte {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	return logItemOf(t, r.body)
}

// logItemOf returns the "logItem" of a GET /api/tasks/{taskName}/logs/{uuid}
// answer, the envelope {"uuid","taskName","projectName","logItem",
// "replayFrom","createdAt"}, as written; it fails the test when the answer
// has another shape.
func logItemOf(t *testing.T, body []byte) []byte {
	t.Helper()
	var env struct {
		UUID      string          `json:"uuid"`
		TaskName  string          `json:"taskName"`
		LogItem   json.RawMessage `json:"logItem"`
		CreatedAt string          `json:"createdAt"`
	}
	require.NoError(t, json.Unmarshal(body, &env), "body: %s", body)
	require.NotEmpty(t, env.UUID, "body: %s", body)
	require.NotEmpty(t, env.TaskName, "body: %s", body)
	require.NotEmpty(t, env.CreatedAt, "body: %s", body)
	require.True(t, len(env.LogItem) > 0 && env.LogItem[0] == '{', "logItem is the record object: %s", body)
	return env.LogItem
}

// requireError checks a JSON error answer and returns its message.
func (r response) requireError(t *testing.T, status int) string {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	var e struct {
		Error  string `json:"error"`
		Status int    `json:"status"`
	}
	require.NoError(t, json.Unmarshal(r.body, &e), "body: %s", r.body)
	require.Equal(t, status, e.Status)
	require.NotEmpty(t, e.Error)
	return e.Error
}

// do sends an authorized request. body may be nil, a string or []byte (sent
// as is) or any other value (sent as JSON).
func (ts *testServer) do(method, path string, body any) response {
	ts.t.Helper()
	return ts.doAuth(method, path, body, "Bearer "+apiKey+":"+apiSecret)
}

func (ts *testServer) doAuth(method, path string, body any, auth string) response {
	t := ts.t
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		data, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, ts.url+path, rd)
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := ts.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// recordJSON returns a record of the task as JSON text.
func recordJSON(task, uuid, note string) string {
	id := ""
	if uuid != "" {
		id = fmt.Sprintf(`"uuid":%q,`, uuid)
	}
	return fmt.Sprintf(`{%s"taskName":%q,"input":{"note":%q},"output":{"ok":true},"type":"success",`+
		`"boundaries":{"fetch":[{"input":[1],"output":{"n":1},"timing":{"startTime":1795633372498,"endTime":1795633372502,"duration":4.25}}]},`+
		`"metadata":{"requestId":"req-1"},"metrics":[{"type":"business","name":"score","value":10}],`+
		`"timing":{"startTime":1795633372497,"endTime":1795633372505,"duration":8}}`, id, task, note)
}

// ingest posts a record and requires success.
func (ts *testServer) ingest(projectUUID, taskUUID, record string) map[string]any {
	ts.t.Helper()
	r := ts.do(http.MethodPost, "/api/log-ingest", map[string]any{
		"projectUuid": projectUUID, "taskUuid": taskUUID, "logItem": record,
	})
	require.Equal(ts.t, http.StatusOK, r.status, "body: %s", r.body)
	return r.json(ts.t)
}
