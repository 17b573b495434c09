package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/otelrecord"
)

const (
	testKey     = "ui-key"
	testSecret  = "ui-secret-0123456789"
	testProject = "0193a000-0000-7000-8000-000000000001"
)

// testUI is a Hive server with the UI mounted, on httptest's loopback
// listener, with a memory store.
type testUI struct {
	t     *testing.T
	store server.Store
	srv   *httptest.Server
}

// newTestUI starts a server with the test credentials; opts are the
// server's, uiOpts the UI's.
func newTestUI(t *testing.T, store server.Store, opts []server.Option, uiOpts ...Option) *testUI {
	t.Helper()
	if store == nil {
		store = server.NewMemoryStore()
		t.Cleanup(func() { _ = store.Close() })
	}
	all := append([]server.Option{server.WithCredentials(testKey, testSecret),
		server.WithLogger(slog.New(slog.DiscardHandler)), server.WithUI(Mount(uiOpts...))}, opts...)
	srv := httptest.NewServer(server.New(store, all...))
	t.Cleanup(srv.Close)
	return &testUI{t: t, store: store, srv: srv}
}

// client returns a client with a cookie jar that does not follow redirects.
func (u *testUI) client() *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(u.t, err)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login posts the login form with key and secret through c.
func (u *testUI) login(c *http.Client, key, secret string) *http.Response {
	u.t.Helper()
	resp, err := c.PostForm(u.srv.URL+"/ui/login", url.Values{"apiKey": {key}, "apiSecret": {secret}, "next": {"/ui/"}})
	require.NoError(u.t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

// loggedIn returns a client holding a session cookie.
func (u *testUI) loggedIn() *http.Client {
	u.t.Helper()
	c := u.client()
	resp := u.login(c, testKey, testSecret)
	require.Equal(u.t, http.StatusSeeOther, resp.StatusCode)
	return c
}

// get fetches path through c and returns the answer and its body.
func (u *testUI) get(c *http.Client, path string, header ...string) (*http.Response, string) {
	u.t.Helper()
	req, err := http.NewRequestWithContext(u.t.Context(), http.MethodGet, u.srv.URL+path, nil)
	require.NoError(u.t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(u.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(u.t, err)
	return resp, string(b)
}

// post posts form to path through c, with extra headers.
func (u *testUI) post(c *http.Client, path string, form url.Values, header ...string) (*http.Response, string) {
	u.t.Helper()
	req, err := http.NewRequestWithContext(u.t.Context(), http.MethodPost, u.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(u.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(u.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(u.t, err)
	return resp, string(b)
}

// bearer is the API's Authorization header value for the test credentials.
func bearer() string { return "Bearer " + testKey + ":" + testSecret }

// ingest stores records of task in the test project, created at the
// times given (one a record).
func ingest(t *testing.T, store server.Store, task string, recs []*otelrecord.ExecutionRecord, created []time.Time) {
	t.Helper()
	entries := make([]server.IngestEntry, len(recs))
	for i, rec := range recs {
		b, err := json.Marshal(rec)
		require.NoError(t, err)
		entries[i] = server.IngestEntry{ProjectName: "demo", Log: server.StoredLog{
			ProjectUUID: testProject, TaskName: task, UUID: rec.UUID, Record: b, CreatedAt: created[i]}}
	}
	res, err := store.Ingest(context.Background(), entries)
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err)
	}
}

// recordUUID is the uuid of the i-th test record.
func recordUUID(i int) string { return fmt.Sprintf("0193b000-0000-7000-8000-%012d", i) }

// newRecord returns a record of task started at start, lasting dur, with
// the calls given per boundary (each call 1 ms, one after the other).
func newRecord(i int, task string, start time.Time, dur time.Duration, failed bool, calls map[string]int) *otelrecord.ExecutionRecord {
	rec := &otelrecord.ExecutionRecord{
		UUID: recordUUID(i), TaskName: task, Type: otelrecord.TypeSuccess,
		Input:      json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)),
		Output:     json.RawMessage(`{"ok":true}`),
		Boundaries: map[string][]otelrecord.BoundaryRecord{},
		Metadata:   map[string]string{"requestId": fmt.Sprintf("req-%d", i)},
		Metrics:    []otelrecord.Metric{{Type: "business", Name: "score", Value: float64(i)}},
		Timing:     otelrecord.NewTiming(start, start.Add(dur)),
	}
	if failed {
		rec.Type, rec.Output, rec.Error = otelrecord.TypeError, nil, fmt.Sprintf("run %d failed", i)
	}
	at := start
	for name, n := range calls {
		cs := make([]otelrecord.BoundaryRecord, n)
		for k := range cs {
			cs[k] = otelrecord.BoundaryRecord{Input: json.RawMessage(fmt.Sprintf(`[%d]`, k)),
				Output: json.RawMessage(`{"v":1}`), Timing: otelrecord.NewTiming(at, at.Add(time.Millisecond))}
			at = at.Add(time.Millisecond)
		}
		rec.Boundaries[name] = cs
	}
	return rec
}

// unescapedJSON encodes rec without HTML escaping, as a client of another
// language may send it: markup stays markup in the stored bytes.
func unescapedJSON(t *testing.T, rec *otelrecord.ExecutionRecord) []byte {
	t.Helper()
	b, err := json.Marshal(rec)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return bytes.TrimSpace(buf.Bytes())
}

// ingestRaw stores the record JSON raw as is.
func ingestRaw(t *testing.T, store server.Store, task, uuid string, raw []byte, created time.Time) {
	t.Helper()
	res, err := store.Ingest(context.Background(), []server.IngestEntry{{ProjectName: "demo", Log: server.StoredLog{
		ProjectUUID: testProject, TaskName: task, UUID: uuid, Record: raw, CreatedAt: created}}})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
}
