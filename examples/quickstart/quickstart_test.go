package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun runs the whole demo: it must succeed, fetch a record back from the
// embedded server and replay it without calling the real boundaries.
func TestRun(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_TRACES_EXPORTER", "")

	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, options{}))
	s := out.String()

	// The successful run's uuid, as printed in section 1, is the one fetched.
	m := regexp.MustCompile(`(?s)== 1\. a successful run.*?"uuid": "([0-9a-f-]{36})"`).FindStringSubmatch(s)
	require.Len(t, m, 2, s)
	okUUID := m[1]
	assert.Contains(t, s, "== 4. fetched back from the Hive server: GET /api/tasks/getUserReport/logs/"+okUUID)
	fetched := regexp.MustCompile(`(?s)== 4\..*?\n(\{.*?\n\})\n`).FindStringSubmatch(s)
	require.Len(t, fetched, 2, s)
	assert.Contains(t, fetched[1], `"uuid": "`+okUUID+`"`)
	assert.Contains(t, fetched[1], `"userName": "Ada"`)
	assert.Contains(t, fetched[1], `"name": "orderTotal"`)

	assert.Contains(t, s, "run error: user 99 not found")
	assert.Contains(t, s, "error: user 99 not found") // the timing table's outcome
	assert.Contains(t, s, `"taskName": "weeklyDigest"`)
	assert.Contains(t, s, "replayed output: {\"name\":\"Ada\",\"total\":20}\nrecorded output: {\"name\":\"Ada\",\"total\":20}")
	assert.Contains(t, s, "real boundary calls during the replay: 0")
	assert.Contains(t, s, "OTEL_EXPORTER_OTLP_ENDPOINT")
}

// TestRunServe: with -serve, the demo ends by printing the records UI's
// address and credentials, and the UI serves until the context is done.
func TestRunServe(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_TRACES_EXPORTER", "")

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, out, options{serve: true}) }()

	re := regexp.MustCompile(`Open (http://127\.0\.0\.1:\d+)/ui/ and log in with\n  API key:    (\S+)\n  API secret: (\S+)\n`)
	var m []string
	deadline := time.After(time.Minute)
	for m == nil {
		select {
		case err := <-done:
			t.Fatalf("the demo ended before serving: %v; output: %s", err, out)
		case <-deadline:
			t.Fatalf("the demo printed no UI address; output: %s", out)
		case <-time.After(20 * time.Millisecond):
			m = re.FindStringSubmatch(out.String())
		}
	}

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Transport: tr, Jar: jar}
	resp, err := c.PostForm(m[1]+"/ui/login", url.Values{"apiKey": {m[2]}, "apiSecret": {m[3]}})
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `data-task="getUserReport"`, "the tasks page lists the demo's records")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not stop when its context was done")
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
