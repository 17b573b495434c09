package server_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// manualClock is a clock that moves only when told to.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const (
	goodAuth  = "Bearer " + apiKey + ":" + apiSecret
	wrongAuth = "Bearer " + apiKey + ":wrong-secret"
)

// throttled is a Server called in process, so each request can come from
// any remote address.
type throttled struct {
	srv   *server.Server
	clock *manualClock
	logs  *bytes.Buffer
}

// newThrottled returns a server that blocks after 3 failures within 10 s,
// for 30 s.
func newThrottled(t *testing.T, opts ...server.Option) *throttled {
	t.Helper()
	th := &throttled{clock: newManualClock(), logs: &bytes.Buffer{}}
	base := []server.Option{
		server.WithCredentials(apiKey, apiSecret),
		server.WithLogger(slog.New(slog.NewJSONHandler(th.logs, nil))),
		server.WithClock(th.clock.Now),
		server.WithAuthThrottle(3, 10*time.Second, 30*time.Second),
	}
	th.srv = server.New(server.NewMemoryStore(), append(base, opts...)...)
	return th
}

// get sends GET /api/me from remote (host:port) with the Authorization
// header auth (none when empty).
func (th *throttled) get(remote, auth string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/api/me", nil)
	req.RemoteAddr = remote
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	th.srv.ServeHTTP(rec, req)
	return rec
}

// requireThrottled checks a 429 answer and returns its message.
func requireThrottled(t *testing.T, rec *httptest.ResponseRecorder, retryAfter string) string {
	t.Helper()
	require.Equal(t, http.StatusTooManyRequests, rec.Code, "body: %s", rec.Body)
	assert.Equal(t, retryAfter, rec.Header().Get("Retry-After"))
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var e struct {
		Error  string `json:"error"`
		Status int    `json:"status"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
	assert.Equal(t, http.StatusTooManyRequests, e.Status)
	return e.Error
}

func TestAuthThrottleBlocksAnAddress(t *testing.T) {
	th := newThrottled(t)
	const attacker, other = "192.0.2.1:4000", "192.0.2.2:4000"
	for _, key := range []string{"k1", "k2", "k3"} { // distinct keys: only the address adds up
		assert.Equal(t, http.StatusUnauthorized, th.get(attacker, "Bearer "+key+":guess").Code)
	}

	msg := requireThrottled(t, th.get(attacker, "Bearer k4:guess"), "30")
	assert.Contains(t, msg, "too many failed authentication attempts from this address")
	msg = requireThrottled(t, th.get(attacker+"1", goodAuth), "30")
	assert.Contains(t, msg, "from this address", "a correct credential from a blocked address is refused too, from any port")
	requireThrottled(t, th.get(attacker, ""), "30")

	assert.Equal(t, http.StatusOK, th.get(other, goodAuth).Code, "another address is not slowed")
	assert.Equal(t, http.StatusUnauthorized, th.get(other, "Bearer k1:guess").Code, "its failures count for itself")
	assert.Equal(t, http.StatusOK, th.get("[2001:db8::1]:80", goodAuth).Code)

	th.clock.Advance(29*time.Second + 500*time.Millisecond)
	requireThrottled(t, th.get(attacker, goodAuth), "1") // 0.5 s rounded up
	th.clock.Advance(500 * time.Millisecond)
	assert.Equal(t, http.StatusOK, th.get(attacker, goodAuth).Code, "the block ends")
	assert.Equal(t, http.StatusUnauthorized, th.get(attacker, "Bearer k9:guess").Code, "counting starts over")

	assert.Equal(t, 1, strings.Count(th.logs.String(), "too many failed authentication attempts"), "one warning per block: %s", th.logs)
	assert.Contains(t, th.logs.String(), `"remoteAddr":"192.0.2.1"`)
	assert.NotContains(t, th.logs.String(), apiSecret)
}

func TestAuthThrottleBlocksAKey(t *testing.T) {
	th := newThrottled(t)
	for _, remote := range []string{"192.0.2.1:1", "192.0.2.2:1", "192.0.2.3:1"} { // distinct addresses: only the key adds up
		assert.Equal(t, http.StatusUnauthorized, th.get(remote, wrongAuth).Code)
	}
	msg := requireThrottled(t, th.get("192.0.2.9:1", wrongAuth), "30")
	assert.Contains(t, msg, "naming this API key")
	requireThrottled(t, th.get("192.0.2.10:1", goodAuth), "30")

	rec := th.get("192.0.2.11:1", "Bearer another-key:"+apiSecret)
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "a client presenting another key is not slowed")
	assert.Contains(t, rec.Body.String(), "invalid API key or secret")

	th.clock.Advance(30 * time.Second)
	assert.Equal(t, http.StatusOK, th.get("192.0.2.10:1", goodAuth).Code, "the block ends")

	logs := th.logs.String()
	assert.Equal(t, 1, strings.Count(logs, "too many failed authentication attempts"), logs)
	assert.Contains(t, logs, `"apiKey":"[redacted]"`, "the key is logged masked")
	assert.NotContains(t, logs, apiSecret)
}

func TestAuthThrottleWindow(t *testing.T) {
	th := newThrottled(t)
	const remote = "192.0.2.1:1"
	th.get(remote, wrongAuth)
	th.get(remote, wrongAuth)
	th.clock.Advance(10 * time.Second)
	th.get(remote, wrongAuth)
	th.get(remote, wrongAuth)
	assert.Equal(t, http.StatusOK, th.get(remote, goodAuth).Code, "failures older than the window no longer count")
}

func TestAuthThrottleSuccessResetsNoCount(t *testing.T) {
	th := newThrottled(t)
	const attacker = "192.0.2.1:1"
	th.get(attacker, "Bearer k1:guess")
	th.get(attacker, "Bearer k2:guess")
	assert.Equal(t, http.StatusOK, th.get("192.0.2.2:1", goodAuth).Code)
	assert.Equal(t, http.StatusOK, th.get(attacker, goodAuth).Code, "two failures do not block")
	th.get(attacker, "Bearer k3:guess")
	requireThrottled(t, th.get(attacker, goodAuth), "30")
}

func TestAuthThrottleCountsPresentedCredentialsOnly(t *testing.T) {
	th := newThrottled(t)
	const remote = "192.0.2.1:1"
	for range 10 {
		assert.Equal(t, http.StatusUnauthorized, th.get(remote, "").Code)
	}
	assert.Equal(t, http.StatusOK, th.get(remote, goodAuth).Code, "requests without credentials are not counted")
	for _, malformed := range []string{"Basic x", "Bearer", "Bearer nocolon"} {
		assert.Equal(t, http.StatusUnauthorized, th.get(remote, malformed).Code)
	}
	requireThrottled(t, th.get(remote, goodAuth), "30")
}

func TestAuthThrottleIgnoresForwardingHeaders(t *testing.T) {
	th := newThrottled(t)
	const remote = "192.0.2.1:1"
	for _, ip := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
		th.get(remote, "Bearer k:"+ip, "X-Forwarded-For", ip, "X-Real-Ip", ip)
	}
	requireThrottled(t, th.get(remote, goodAuth, "X-Forwarded-For", "203.0.113.9"), "30")
	requireThrottled(t, th.get("[::ffff:192.0.2.1]:9", goodAuth), "30")
}

func TestWithoutAuthThrottle(t *testing.T) {
	th := newThrottled(t, server.WithoutAuthThrottle())
	for range 50 {
		require.Equal(t, http.StatusUnauthorized, th.get("192.0.2.1:1", wrongAuth).Code)
	}
	assert.Equal(t, http.StatusOK, th.get("192.0.2.1:1", goodAuth).Code)

	th = newThrottled(t, server.WithoutAuthThrottle(), server.WithAuthThrottle(1, 0, 0))
	th.get("192.0.2.1:1", wrongAuth)
	requireThrottled(t, th.get("192.0.2.1:1", goodAuth), "30")
}

// TestAuthThrottleDefaults checks the defaults over a real connection: 20
// failures within 10 s block the address for 30 s.
func TestAuthThrottleDefaults(t *testing.T) {
	clock := newManualClock()
	ts := start(t, server.WithClock(clock.Now))
	for range server.DefaultAuthMaxFailures {
		ts.doAuth(http.MethodGet, "/api/me", nil, wrongAuth).requireError(t, http.StatusUnauthorized)
	}
	r := ts.doAuth(http.MethodGet, "/api/me", nil, goodAuth)
	msg := r.requireError(t, http.StatusTooManyRequests)
	assert.Contains(t, msg, "too many failed authentication attempts")
	assert.Equal(t, "30", r.header.Get("Retry-After"))
	r = ts.doAuth(http.MethodGet, "/healthz", nil, "")
	assert.Equal(t, http.StatusOK, r.status, "/healthz needs no credentials and is never throttled")

	clock.Advance(server.DefaultAuthBlock)
	assert.Equal(t, http.StatusOK, ts.do(http.MethodGet, "/api/me", nil).status)
}
