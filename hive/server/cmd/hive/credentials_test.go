package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secretFile writes content and a newline to a new file and returns its
// path.
func secretFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api-secret")
	require.NoError(t, os.WriteFile(path, []byte(content+"\n"), 0o600))
	return path
}

func TestSecretFlagRefused(t *testing.T) {
	clearEnv(t)
	const leaked = "s3cret-on-the-command-line"
	commands := [][]string{
		{"serve", "--api-key", "k"},
		{"serve", "--insecure-no-auth"},
		{"logs", "list", "--task", "t", "--api-key", "k"},
		{"logs", "show", "t", "u"},
		{"rebuild", "--trace", "4bf92f3577b34da6a3ce929d0e0e4736", "--send"},
	}
	for _, cmd := range commands {
		for _, flag := range [][]string{{"--api-secret", leaked}, {"-api-secret", leaked}, {"--api-secret=" + leaked}, {"-api-secret=" + leaked}} {
			args := append(append([]string{}, cmd...), flag...)
			code, stdout, stderr := runCmd(t, args...)
			assert.Equal(t, exitUsage, code, args)
			assert.Empty(t, stdout, args)
			for _, want := range []string{"--api-secret is not accepted", "list processes", "HIVE_API_SECRET", "--api-secret-file PATH", "HIVE_API_SECRET_FILE", "--help"} {
				assert.Contains(t, stderr, want, args)
			}
			assert.NotContains(t, stderr, leaked, "the refusal does not repeat the secret")
		}
	}

	// After "--" the text is an argument, not a flag.
	code, _, stderr := runCmd(t, "logs", "show", "--api-key", "k", "--", "--api-secret", "u")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "no credentials")
}

func TestHelpNamesTheSecretFile(t *testing.T) {
	clearEnv(t)
	for _, args := range [][]string{{"serve", "--help"}, {"logs", "list", "--help"}, {"logs", "show", "--help"}, {"rebuild", "--help"}} {
		code, out, _ := runCmd(t, args...)
		require.Equal(t, exitOK, code, args)
		assert.Contains(t, out, "-api-secret-file file", args)
		assert.Contains(t, out, "-api-key key", args)
		assert.NotRegexp(t, `(?m)^\s+-api-secret\b[^-]`, out, "no --api-secret flag: %v", args)
	}
	_, out, _ := runCmd(t, "serve", "--help")
	for _, want := range []string{"-auth-max-failures", "-auth-window", "-auth-block", "429", "Retry-After", "X-Forwarded-For"} {
		assert.Contains(t, out, want)
	}
	_, out, _ = runCmd(t, "help")
	assert.Contains(t, out, "HIVE_API_SECRET_FILE")
}

func TestReadSecretFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		return path
	}
	for content, want := range map[string]string{
		"s3cret":          "s3cret",
		"s3cret\n":        "s3cret",
		"s3cret\r\n":      "s3cret",
		"s3cret\n\n":      "s3cret",
		" spaced secret ": " spaced secret ",
	} {
		got, err := readSecretFile(write("ok", content), "--api-secret-file")
		require.NoError(t, err, "%q", content)
		assert.Equal(t, want, got, "%q", content)
	}

	for _, c := range []struct {
		path string
		want string
	}{
		{filepath.Join(dir, "missing"), "no such file"},
		{dir, "cannot read the secret"},
		{write("empty", ""), "is empty"},
		{write("newline", "\n"), "is empty"},
		{write("two-lines", "a\nb\n"), "more than one line"},
		{write("large", strings.Repeat("x", maxSecretFileBytes+1)), "must hold the API secret alone"},
	} {
		_, err := readSecretFile(c.path, "--api-secret-file")
		require.Error(t, err, c.path)
		assert.Contains(t, err.Error(), c.want, c.path)
		assert.Contains(t, err.Error(), "--api-secret-file", "the error names where the path came from")
	}
}

func TestCredentialSources(t *testing.T) {
	file := secretFile(t, "from-file")
	other := secretFile(t, "from-env-file")
	for _, c := range []struct {
		name       string
		flags      credentialFlags
		env        map[string]string
		wantSecret string
		wantErr    string
	}{
		{name: "nothing"},
		{name: "flag file", flags: credentialFlags{secretFile: file}, wantSecret: "from-file"},
		{name: "flag file wins", flags: credentialFlags{secretFile: file}, env: map[string]string{envAPISecret: "env", envAPISecretFile: other}, wantSecret: "from-file"},
		{name: "variable", env: map[string]string{envAPISecret: "env"}, wantSecret: "env"},
		{name: "file variable", env: map[string]string{envAPISecretFile: other}, wantSecret: "from-env-file"},
		{name: "both variables", env: map[string]string{envAPISecret: "env", envAPISecretFile: other}, wantErr: "both HIVE_API_SECRET and HIVE_API_SECRET_FILE"},
		{name: "unreadable file variable", env: map[string]string{envAPISecretFile: filepath.Join(t.TempDir(), "none")}, wantErr: "HIVE_API_SECRET_FILE: cannot read"},
	} {
		t.Run(c.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			creds, err := c.flags.resolve()
			if c.wantErr != "" {
				require.ErrorContains(t, err, c.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.wantSecret, creds.apiSecret.Reveal())
		})
	}

	clearEnv(t)
	t.Setenv(envAPIKey, "env-key")
	creds, err := credentialFlags{}.resolve()
	require.NoError(t, err)
	assert.Equal(t, "env-key", creds.apiKey.Reveal())
	var o showOptions
	require.NoError(t, newShowFlags(&o).Parse([]string{"--api-key", "flag-key"}))
	creds, err = o.resolve()
	require.NoError(t, err)
	assert.Equal(t, "flag-key", creds.apiKey.Reveal(), "the flag wins over the environment")
}

func TestOptionsPrintMasked(t *testing.T) {
	clearEnv(t)
	const key, sec = "hk_live_0123456789", "abcdefghi"
	t.Setenv(envAPISecret, sec)
	var so serveOptions
	require.NoError(t, newServeFlags(&so).Parse([]string{"--api-key", key}))
	var lo listOptions
	require.NoError(t, newListFlags(&lo).Parse([]string{"--api-key", key, "--task", "t"}))
	creds, err := so.resolve()
	require.NoError(t, err)

	var buf bytes.Buffer
	for _, v := range []any{so, &so, lo, &lo, creds, &creds} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			buf.WriteString(fmt.Sprintf(verb, v) + "\n")
		}
	}
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("options", "serve", so, "list", lo, "creds", creds)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("options", "serve", so, "list", lo, "creds", creds)
	out := buf.String()
	assert.NotContains(t, out, "0123456789", "fmt and slog show no more of the key than its first 4 characters")
	assert.NotContains(t, out, "bcdefgh", "fmt and slog show nothing of the secret")
	assert.Contains(t, out, "key:true", "the values are there, behind pointers")
}

func TestServeWithSecretFile(t *testing.T) {
	clearEnv(t)
	s := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hive.db"),
		"--api-key", testKey, "--api-secret-file", secretFile(t, testSecret))
	code := s.post(t, "/api/log-ingest", map[string]any{"projectUuid": projectUUID, "logItem": recordJSON(firstUUID, false)})
	require.Equal(t, http.StatusOK, code, "the secret is the file's content without its newline")

	// The client commands read the secret the same ways.
	code, out, stderr := runCmd(t, "logs", "list", "--task", "getUserReport", "--host", s.url, "--api-key", testKey, "--api-secret-file", secretFile(t, testSecret))
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, firstUUID)
	t.Setenv(envAPISecretFile, secretFile(t, testSecret))
	code, out, stderr = runCmd(t, "logs", "show", "--host", s.url, "--api-key", testKey, "getUserReport", firstUUID)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, firstUUID)

	code, _, stderr = runCmd(t, "logs", "list", "--task", "getUserReport", "--host", s.url, "--api-key", testKey, "--api-secret-file", filepath.Join(t.TempDir(), "none"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--api-secret-file: cannot read the secret")
}

func TestServeCredentialErrors(t *testing.T) {
	clearEnv(t)
	db := filepath.Join(t.TempDir(), "hive.db")
	empty := filepath.Join(t.TempDir(), "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--api-key", "k", "--api-secret-file", filepath.Join(t.TempDir(), "none")}, "--api-secret-file: cannot read the secret"},
		{[]string{"--api-key", "k", "--api-secret-file", empty}, "is empty"},
		{[]string{"--api-secret-file", secretFile(t, "s")}, "both an API key and an API secret"},
		{[]string{"--api-key", "k", "--api-secret-file", secretFile(t, "s"), "--auth-max-failures", "-1"}, "--auth-max-failures"},
		{[]string{"--api-key", "k", "--api-secret-file", secretFile(t, "s"), "--auth-window", "0s"}, "--auth-window"},
		{[]string{"--api-key", "k", "--api-secret-file", secretFile(t, "s"), "--auth-block", "-1s"}, "--auth-block"},
	} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, c.args...)
		code, _, stderr := runCmd(t, args...)
		assert.Equal(t, exitUsage, code, c.args)
		assert.Contains(t, stderr, c.want, c.args)
	}
	code, _, stderr := runCmd(t, "serve")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--api-secret-file")
}

func TestServeAuthThrottleFlags(t *testing.T) {
	clearEnv(t)
	t.Setenv(envAPISecret, testSecret)
	s := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hive.db"), "--api-key", testKey,
		"--auth-max-failures", "2", "--auth-window", "1m", "--auth-block", "2m", "--log-level", "warn")
	get := func(secret string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, s.url+"/api/me", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+testKey+":"+secret)
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	assert.Equal(t, http.StatusUnauthorized, get("wrong").StatusCode)
	assert.Equal(t, http.StatusUnauthorized, get("wrong").StatusCode)
	resp := get(testSecret)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "the third attempt is refused, the right secret included")
	assert.Equal(t, "120", resp.Header.Get("Retry-After"))
	logs := s.stderr.String()
	assert.Equal(t, 2, strings.Count(logs, "too many failed authentication attempts"), "one warning per block, of the address and of the key: %s", logs)
	assert.Equal(t, 1, strings.Count(logs, "remoteAddr=127.0.0.1"), logs)
	assert.Equal(t, 1, strings.Count(logs, "apiKey=[redacted]"), logs)
	assert.NotContains(t, logs, testSecret)

	off := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hive.db"), "--api-key", testKey, "--auth-max-failures", "0")
	s = off
	for range 25 {
		require.Equal(t, http.StatusUnauthorized, get("wrong").StatusCode)
	}
	assert.Equal(t, http.StatusOK, get(testSecret).StatusCode, "--auth-max-failures 0 turns the throttling off")
}
