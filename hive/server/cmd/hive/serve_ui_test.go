package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeUIFlagsAreChecked: a short session key and a trace URL without
// its placeholder are usage errors.
func TestServeUIFlagsAreChecked(t *testing.T) {
	clearEnv(t)
	t.Setenv(envUISessionKey, "")
	base := []string{"serve", "--db", filepath.Join(t.TempDir(), "hive.db"), "--api-key", "k", "--api-secret-file", secretFile(t, "s")}

	code, _, stderr := runCmd(t, append(base, "--trace-url", "http://127.0.0.1:16686/trace/")...)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "no {traceId} placeholder")

	code, _, stderr = runCmd(t, append(base, "--ui-session-key-file", secretFile(t, "short"))...)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "at least 32 bytes")

	t.Setenv(envUISessionKey, "short")
	code, _, stderr = runCmd(t, base...)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, envUISessionKey)

	code, _, stderr = runCmd(t, append(base, "--ui-session-key-file", filepath.Join(t.TempDir(), "missing"))...)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--ui-session-key-file")
}

// TestServeUI: hive serve prints the UI's address, redirects / to it, and
// two servers given the same --ui-session-key-file (and different secrets)
// accept each other's session cookies.
func TestServeUI(t *testing.T) {
	clearEnv(t)
	keyFile := filepath.Join(t.TempDir(), "ui-key")
	require.NoError(t, os.WriteFile(keyFile, []byte(strings.Repeat("u", 40)+"\n"), 0o600))
	a := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "a.db"),
		"--api-key", testKey, "--api-secret-file", secretFile(t, testSecret), "--ui-session-key-file", keyFile,
		"--trace-url", "http://127.0.0.1:16686/trace/{traceId}")
	b := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "b.db"),
		"--api-key", testKey, "--api-secret-file", secretFile(t, "another-secret"), "--ui-session-key-file", keyFile)

	require.Eventually(t, func() bool { return strings.Contains(a.stdout.String(), "records UI on "+a.url+"/ui/") },
		5*time.Second, 10*time.Millisecond, "stdout: %s", a.stdout)

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(a.url + "/")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/ui/", resp.Header.Get("Location"))

	resp, err = c.PostForm(a.url+"/ui/login", url.Values{"apiKey": {testKey}, "apiSecret": {testSecret}})
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "hive_ui_session" {
			cookie = ck
		}
	}
	require.NotNil(t, cookie)

	req, err := http.NewRequest(http.MethodGet, b.url+"/ui/", nil)
	require.NoError(t, err)
	req.AddCookie(cookie)
	resp, err = c.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the other server accepts the cookie: %s", body)
	assert.Contains(t, string(body), "<h1>Tasks</h1>")
}

// TestServeUISecureCookieAndServiceName: --ui-secure-cookie marks the
// session cookie Secure on a plain-HTTP answer (a proxy terminates TLS),
// and --ui-service-name starts the replay command a record page shows.
func TestServeUISecureCookieAndServiceName(t *testing.T) {
	clearEnv(t)
	s := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "a.db"),
		"--api-key", testKey, "--api-secret-file", secretFile(t, testSecret),
		"--ui-secure-cookie", "--ui-service-name", "shopd")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, err := c.PostForm(s.url+"/ui/login", url.Values{"apiKey": {testKey}, "apiSecret": {testSecret}})
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var secure bool
	for _, ck := range resp.Cookies() {
		if ck.Name == "hive_ui_session" {
			secure = ck.Secure
		}
	}
	assert.True(t, secure, "the session cookie is Secure")

	const uuid = "0193c11e-0000-7000-8000-0000000000aa"
	item := `{"uuid":"` + uuid + `","taskName":"report","type":"success","input":{},"output":{},"boundaries":{}}`
	body, err := json.Marshal(map[string]any{"projectUuid": "0193c11e-0000-7000-8000-000000000001", "logItem": item})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, s.url+"/api/log-ingest", strings.NewReader(string(body)))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testKey+":"+testSecret)
	resp, err = c.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	req, err = http.NewRequest(http.MethodGet, s.url+"/ui/tasks/report/logs/"+uuid, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testKey+":"+testSecret)
	resp, err = c.Do(req)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", page)
	assert.Contains(t, string(page), "shopd replay report --uuid "+uuid)
}
