package ui

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// sessionCookie returns the session cookie an answer sets, or nil.
func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	return nil
}

func TestVisitorWithoutCredentialsIsSentToLogin(t *testing.T) {
	u := newTestUI(t, nil, nil)
	c := u.client()

	resp, _ := u.get(c, "/")
	require.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/ui/", resp.Header.Get("Location"))

	for _, path := range []string{"/ui/", "/ui/tasks/t/logs", "/ui/tasks/t/logs/" + recordUUID(1)} {
		resp, _ = u.get(c, path)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, path)
		assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), "/ui/login?next="), resp.Header.Get("Location"))
	}
	resp, body := u.get(c, "/ui/login?next=/ui/tasks/t/logs")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `name="apiSecret"`)
	assert.Contains(t, body, `value="/ui/tasks/t/logs"`)

	// The API itself still answers JSON 401.
	resp, body = u.get(c, "/api/me")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, body, `"status":401`)
}

func TestLoginSetsSignedStrictHttpOnlyCookie(t *testing.T) {
	u := newTestUI(t, nil, nil)
	c := u.client()

	resp := u.login(c, testKey, testSecret)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/ui/", resp.Header.Get("Location"))
	ck := sessionCookie(resp)
	require.NotNil(t, ck)
	assert.True(t, ck.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, ck.SameSite)
	assert.False(t, ck.Secure, "no TLS: not Secure")
	assert.Equal(t, "/ui/", ck.Path)
	assert.InDelta(t, DefaultSessionTTL.Seconds(), float64(ck.MaxAge), 5)

	resp, body := u.get(c, "/ui/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "<h1>Tasks</h1>")
	assert.Contains(t, body, "Log out")
}

func TestLoginRefusesWrongCredentialsAndThrottles(t *testing.T) {
	u := newTestUI(t, nil, []server.Option{server.WithAuthThrottle(3, time.Minute, time.Minute)})
	c := u.client()

	for range 3 {
		resp, body := u.post(c, "/ui/login", map[string][]string{"apiKey": {testKey}, "apiSecret": {"wrong"}})
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Contains(t, body, "Wrong API key or secret.")
		assert.Nil(t, sessionCookie(resp))
	}
	// A cross-site login is refused before the credentials are checked.
	resp, _ := u.post(c, "/ui/login", map[string][]string{"apiKey": {testKey}, "apiSecret": {testSecret}},
		"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Nil(t, sessionCookie(resp))

	// The address is blocked now, the right secret included: the UI and the
	// API share the throttle.
	resp, body := u.post(c, "/ui/login", map[string][]string{"apiKey": {testKey}, "apiSecret": {testSecret}})
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	assert.Contains(t, body, "Too many failed attempts")
	assert.Nil(t, sessionCookie(resp))
	resp, _ = u.get(c, "/api/me", "Authorization", bearer())
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
}

func TestBearerCredentialsOpenPages(t *testing.T) {
	u := newTestUI(t, nil, nil)
	c := u.client()

	resp, body := u.get(c, "/ui/", "Authorization", bearer())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "<h1>Tasks</h1>")
	assert.NotContains(t, body, "Log out")

	resp, _ = u.get(c, "/ui/", "Authorization", "Bearer "+testKey+":nope")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "a refused header is not redirected")
	assert.Equal(t, `Bearer realm="hive"`, resp.Header.Get("WWW-Authenticate"))
}

func TestSessionCookieValidOnEveryReplicaSharingTheSecret(t *testing.T) {
	a := newTestUI(t, nil, nil)
	b := newTestUI(t, nil, nil) // another process with the same secret
	other := newTestUI(t, nil, []server.Option{server.WithCredentials(testKey, "another-secret")})

	resp := a.login(a.client(), testKey, testSecret)
	ck := sessionCookie(resp)
	require.NotNil(t, ck)

	for name, u := range map[string]*testUI{"same replica": a, "other replica": b} {
		resp, body := u.get(u.client(), "/ui/", "Cookie", ck.Name+"="+ck.Value)
		assert.Equal(t, http.StatusOK, resp.StatusCode, name)
		assert.Contains(t, body, "<h1>Tasks</h1>", name)
	}
	resp, _ = other.get(other.client(), "/ui/", "Cookie", ck.Name+"="+ck.Value)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "a server with another secret refuses the cookie")

	// A configured key is shared the same way, whatever the secrets.
	key := []byte(strings.Repeat("k", MinSessionKeyBytes))
	c1 := newTestUI(t, nil, nil, WithSessionKey(key))
	c2 := newTestUI(t, nil, []server.Option{server.WithCredentials(testKey, "another-secret")}, WithSessionKey(key))
	ck = sessionCookie(c1.login(c1.client(), testKey, testSecret))
	require.NotNil(t, ck)
	resp, _ = c2.get(c2.client(), "/ui/", "Cookie", ck.Name+"="+ck.Value)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestSessionCookieTamperedOrExpiredIsRefused(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := &sessions{key: []byte("0123456789abcdef0123456789abcdef"), ttl: time.Hour, now: func() time.Time { return now }}
	value, id, exp := s.issue()
	assert.Equal(t, now.Add(time.Hour), exp)
	got, ok := s.verify(value)
	require.True(t, ok)
	assert.Equal(t, id, got)

	parts := strings.Split(value, ".")
	require.Len(t, parts, 4)
	later := strings.Join([]string{parts[0], "9999999999", parts[2], parts[3]}, ".")
	_, ok = s.verify(later)
	assert.False(t, ok, "a changed expiry breaks the signature")
	_, ok = s.verify(value[:len(value)-2] + "AA")
	assert.False(t, ok, "a changed signature")
	_, ok = s.verify("")
	assert.False(t, ok)
	_, ok = s.verify("garbage")
	assert.False(t, ok)

	other := &sessions{key: []byte("another key, just as long as one"), ttl: time.Hour, now: s.now}
	_, ok = other.verify(value)
	assert.False(t, ok, "signed with another key")

	now = now.Add(time.Hour)
	_, ok = s.verify(value)
	assert.False(t, ok, "expired")
}

func TestSessionCookieSecureUnderTLS(t *testing.T) {
	store := server.NewMemoryStore()
	t.Cleanup(func() { _ = store.Close() })
	srv := httptest.NewTLSServer(server.New(store, server.WithCredentials(testKey, testSecret), server.WithUI(Mount())))
	t.Cleanup(srv.Close)
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Transport.(*http.Transport).TLSClientConfig.MinVersion = tls.VersionTLS12
	resp, err := c.PostForm(srv.URL+"/ui/login", map[string][]string{"apiKey": {testKey}, "apiSecret": {testSecret}})
	require.NoError(t, err)
	_ = resp.Body.Close()
	ck := sessionCookie(resp)
	require.NotNil(t, ck)
	assert.True(t, ck.Secure)
}

func TestLoginRedirectsOnlyWithinTheUI(t *testing.T) {
	for next, want := range map[string]string{
		"/ui/tasks/a/logs?type=error": "/ui/tasks/a/logs?type=error",
		"https://evil.example/":       "/ui/",
		"//evil.example/ui/":          "/ui/",
		"/api/me":                     "/ui/",
		"/ui/\\evil":                  "/ui/",
		"":                            "/ui/",
	} {
		assert.Equal(t, want, localNext(next), next)
	}
}

func TestLogoutClearsTheCookie(t *testing.T) {
	u := newTestUI(t, nil, nil)
	c := u.loggedIn()
	_, body := u.get(c, "/ui/")
	token := csrfTokenIn(t, body)

	resp, _ := u.post(c, "/ui/logout", map[string][]string{"csrf": {token}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	ck := sessionCookie(resp)
	require.NotNil(t, ck)
	assert.Equal(t, -1, ck.MaxAge)
	resp, _ = u.get(c, "/ui/")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

func TestSecurityHeaders(t *testing.T) {
	u := newTestUI(t, nil, nil)
	for _, path := range []string{"/ui/login", "/ui/static/style.css"} {
		resp, _ := u.get(u.client(), path)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		csp := resp.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "script-src 'self'", path)
		assert.Contains(t, csp, "default-src 'none'", path)
		assert.NotContains(t, csp, "unsafe-inline", path)
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), path)
		assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"), path)
	}
}

func TestServerWithoutCredentialsNeedsNoLoginButStillChecksForms(t *testing.T) {
	store := server.NewMemoryStore()
	t.Cleanup(func() { _ = store.Close() })
	srv := httptest.NewServer(server.New(store, server.WithInsecureNoAuth(), server.WithUI(Mount())))
	t.Cleanup(srv.Close)
	u := &testUI{t: t, store: store, srv: srv}
	start := time.Now()
	ingest(t, store, "report", []*otelrecord.ExecutionRecord{newRecord(1, "report", start, time.Second, false, nil)}, []time.Time{start})
	c := u.client()

	resp, body := u.get(c, "/ui/tasks/report/logs/"+recordUUID(1))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	path := "/ui/tasks/report/logs/" + recordUUID(1) + "/quality"
	resp, _ = u.post(c, path, map[string][]string{"score": {"1"}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "no token")
	resp, _ = u.post(c, path, map[string][]string{"score": {"1"}, "csrf": {csrfTokenIn(t, body)}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

func TestUIWithoutStoreAnswersErrors(t *testing.T) {
	h := New(server.UIHost{Authenticate: func(*http.Request, string) error { return nil }})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ui/tasks/report/logs", nil))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ui/", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "cannot summarize tasks")
}
