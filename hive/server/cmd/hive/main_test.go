package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hivetrace/hivetrace/internal/testutil"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	testKey    = "cli-key"
	testSecret = "cli-secret"
)

// clearEnv unsets the variables the commands read.
func clearEnv(t *testing.T) {
	for _, v := range []string{"HIVE_API_KEY", "HIVE_API_SECRET", "HIVE_API_SECRET_FILE", "HIVE_HOST", "HIVE_PROJECT_UUID", "HIVE_PROJECT_NAME", "HIVE_FORGE_PATH"} {
		t.Setenv(v, "")
	}
}

// runCmd runs a short command and returns its exit code and output.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// serving is a "hive serve" running in the background.
type serving struct {
	url    string
	stdout *testutil.LockedBuffer
	stderr *testutil.LockedBuffer
	cancel context.CancelFunc
	done   chan int
}

// serve starts "hive serve" with args and waits for the line naming its URL.
func serve(t *testing.T, args ...string) *serving {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{stdout: &testutil.LockedBuffer{}, stderr: &testutil.LockedBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() {
		code := run(ctx, append([]string{"serve"}, args...), pw, s.stderr)
		_ = pw.Close()
		s.done <- code
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err, "serve ended before printing its URL; stderr: %s", s.stderr)
	m := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	require.NotEmpty(t, m, "first line names the URL: %q", line)
	s.url = m
	s.stdout.Write([]byte(line))
	go func() { _, _ = io.Copy(s.stdout, pr) }()
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop cancels the server's context (like SIGINT) and returns its exit code.
func (s *serving) stop(t *testing.T) int {
	t.Helper()
	if s.cancel == nil {
		return exitOK
	}
	s.cancel()
	s.cancel = nil
	return <-s.done
}

// post sends an authorized JSON request to the server.
func (s *serving) post(t *testing.T, path string, body any) int {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, s.url+path, bytes.NewReader(data))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testKey+":"+testSecret)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

const (
	projectUUID = "0193f0a0-aaaa-7000-8000-000000000001"
	firstUUID   = "0193f0a0-0000-7000-8000-000000000001"
	secondUUID  = "0193f0a0-0000-7000-8000-000000000002"
)

func recordJSON(uuid string, failing bool) string {
	second := `{"input":[2],"output":{"id":2},"timing":{"startTime":1795633372503,"endTime":1795633372504,"duration":0.5}}`
	if failing {
		second = `{"input":[99],"error":"user 99 not found","timing":{"startTime":1795633372503,"endTime":1795633372504,"duration":0.5}}`
	}
	return `{"uuid":"` + uuid + `","taskName":"getUserReport","input":{"userId":1},"output":{"total":20},"type":"success",` +
		`"boundaries":{"fetchUser":[{"input":[1],"output":{"id":1},"timing":{"startTime":1795633372498,"endTime":1795633372502,"duration":4.25}},` + second + `],"sendMail":[]},` +
		`"metadata":{"requestId":"req-1"},"timing":{"startTime":1795633372497,"endTime":1795633372505,"duration":8}}`
}

func TestHelp(t *testing.T) {
	clearEnv(t)
	t.Setenv("HIVE_API_SECRET", "do-not-print-me")
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, out, _ := runCmd(t, args...)
		assert.Equal(t, exitOK, code, args)
		for _, want := range []string{"hive serve", "hive logs list --task NAME", "hive logs show TASK UUID", "HIVE_HOST", "HIVE_API_KEY"} {
			assert.Contains(t, out, want, args)
		}
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"serve", "--help"}, []string{"Usage: hive serve", "-addr", "-db", "-api-key", "-insecure-no-auth", "SIGINT", "invokeUrl"}},
		{[]string{"help", "serve"}, []string{"Usage: hive serve", "-addr"}},
		{[]string{"logs", "--help"}, []string{"hive logs list", "hive logs show"}},
		{[]string{"help", "logs"}, []string{"hive logs list", "hive logs show"}},
		{[]string{"logs", "list", "--help"}, []string{"Usage: hive logs list", "-task", "-limit", "-before", "-host", "-project"}},
		{[]string{"help", "logs", "list"}, []string{"Usage: hive logs list", "-task"}},
		{[]string{"logs", "show", "-h"}, []string{"Usage: hive logs show", "TASK UUID", "-host", "timing"}},
		{[]string{"help", "logs", "show"}, []string{"Usage: hive logs show"}},
	} {
		code, out, _ := runCmd(t, c.args...)
		assert.Equal(t, exitOK, code, c.args)
		for _, w := range c.want {
			assert.Contains(t, out, w, c.args)
		}
		assert.NotContains(t, out, "do-not-print-me", "help never prints secrets from the environment")
	}
}

func TestUsageErrors(t *testing.T) {
	clearEnv(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "Usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"help", "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"logs"}, "hive logs list"},
		{[]string{"logs", "delete"}, `unknown command "delete"`},
		{[]string{"serve", "--nope"}, "flag provided but not defined: -nope"},
		{[]string{"serve", "extra"}, "unexpected arguments"},
		{[]string{"serve"}, "no credentials"},
		{[]string{"serve", "--api-key", "k"}, "both an API key and an API secret"},
		{[]string{"serve", "--api-key", "k", "--api-secret-file", secretFile(t, "s"), "--max-body-bytes", "0"}, "must be positive"},
		{[]string{"serve", "--api-key", "k", "--api-secret-file", secretFile(t, "s"), "--max-record-bytes", "-1"}, "must not be negative"},
		{[]string{"logs", "list"}, "--task is required"},
		{[]string{"logs", "list", "--task", "t", "--limit", "0"}, "--limit"},
		{[]string{"logs", "list", "--task", "t"}, "no credentials"},
		{[]string{"logs", "show", "onlyTask"}, "want TASK and UUID"},
		{[]string{"logs", "show", "t", "u"}, "no credentials"},
	} {
		code, _, stderr := runCmd(t, c.args...)
		assert.Equal(t, exitUsage, code, c.args)
		assert.Contains(t, stderr, c.want, c.args)
	}
}

func TestServeFailures(t *testing.T) {
	clearEnv(t)
	code, _, stderr := runCmd(t, "serve", "--api-key", "k", "--api-secret-file", secretFile(t, "s"), "--db", filepath.Join(t.TempDir(), "no-such-dir", "hive.db"), "--addr", "127.0.0.1:0")
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "hive serve:")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	code, _, stderr = runCmd(t, "serve", "--api-key", "k", "--api-secret-file", secretFile(t, "s"), "--db", filepath.Join(t.TempDir(), "hive.db"), "--addr", ln.Addr().String())
	assert.Equal(t, exitError, code, "the address is taken")
	assert.Contains(t, stderr, "listen")
}

func TestServeAndLogs(t *testing.T) {
	clearEnv(t)
	db := filepath.Join(t.TempDir(), "hive.db")
	s := serve(t, "--addr", "127.0.0.1:0", "--db", db, "--api-key", testKey, "--api-secret-file", secretFile(t, testSecret))
	assert.Contains(t, s.stdout.String(), "database "+db)

	for _, rec := range []string{recordJSON(firstUUID, false), recordJSON(secondUUID, true)} {
		code := s.post(t, "/api/log-ingest", map[string]any{"projectUuid": projectUUID, "projectName": "reports", "logItem": rec})
		require.Equal(t, http.StatusOK, code)
	}
	auth := []string{"--host", s.url, "--api-key", testKey, "--api-secret-file", secretFile(t, testSecret)}

	// logs list: newest first, one page at a time.
	code, out, stderr := runCmd(t, append([]string{"logs", "list", "--task", "getUserReport"}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	assert.Regexp(t, `^CREATED AT\s+UUID\s+TYPE\s+DURATION \(ms\)\s+QUALITY\s+PROJECT$`, lines[0])
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\S+Z\s+`+secondUUID+`\s+success\s+8\.000\s+-\s+reports$`, lines[1])
	assert.Contains(t, lines[2], firstUUID)

	code, out, stderr = runCmd(t, append([]string{"logs", "list", "--task", "getUserReport", "--limit", "1"}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, secondUUID)
	assert.NotContains(t, out, firstUUID)
	next := regexp.MustCompile(`--before (\S+)`).FindStringSubmatch(out)
	require.Len(t, next, 2, "a next-page hint: %s", out)
	code, out, stderr = runCmd(t, append([]string{"logs", "list", "--task", "getUserReport", "--limit", "1", "--before", next[1]}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, firstUUID)
	assert.NotContains(t, out, "more:", "the last page has no next hint")

	code, out, _ = runCmd(t, append([]string{"logs", "list", "--task", "neverRan"}, auth...)...)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, `no records of task "neverRan"`)

	// logs show: flags may come after the positional arguments.
	code, out, stderr = runCmd(t, append([]string{"logs", "show", "getUserReport", secondUUID}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, `"taskName": "getUserReport"`, "the record as indented JSON")
	assert.Contains(t, out, `"error": "user 99 not found"`)
	table := out[strings.Index(out, "getUserReport "+secondUUID):]
	tl := strings.Split(strings.TrimSpace(table), "\n")
	require.Len(t, tl, 5, table)
	assert.Equal(t, "getUserReport "+secondUUID+": success, 8.000 ms, 2 boundary calls", tl[0])
	assert.Regexp(t, `^BOUNDARY\s+CALL\s+START \(ms\)\s+DURATION \(ms\)\s+OUTCOME$`, tl[1])
	assert.Regexp(t, `^fetchUser\s+1\s+1\s+4\.250\s+ok$`, tl[2])
	assert.Regexp(t, `^fetchUser\s+2\s+6\s+0\.500\s+error: user 99 not found$`, tl[3])
	assert.Regexp(t, `^sendMail\s+-\s+-\s+-\s+not called$`, tl[4])

	// Scoped to another project the record is not found.
	code, _, stderr = runCmd(t, append([]string{"logs", "show", "--project", "0193f0a0-bbbb-7000-8000-000000000009", "getUserReport", secondUUID}, auth...)...)
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "no record")
	code, _, stderr = runCmd(t, append([]string{"logs", "show", "getUserReport", "0193f0a0-0000-7000-8000-0000000000ff"}, auth...)...)
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "no record")

	// Wrong credentials fail with the server's reason.
	code, _, stderr = runCmd(t, "logs", "list", "--task", "getUserReport", "--host", s.url, "--api-key", testKey, "--api-secret-file", secretFile(t, "wrong"))
	assert.Equal(t, exitError, code)
	assert.Contains(t, strings.ToLower(stderr), "unauthorized")

	// The environment supplies what the flags do not.
	t.Setenv("HIVE_HOST", s.url)
	t.Setenv("HIVE_API_KEY", testKey)
	t.Setenv("HIVE_API_SECRET", testSecret)
	t.Setenv("HIVE_PROJECT_UUID", projectUUID)
	code, out, stderr = runCmd(t, "logs", "show", "getUserReport", firstUUID)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, firstUUID)

	// Stopping (SIGINT cancels the context) is a clean exit, and the records
	// survive a restart on the same file.
	assert.Equal(t, exitOK, s.stop(t))
	assert.Contains(t, s.stdout.String(), "hive: stopped")
	clearEnv(t)
	s2 := serve(t, "--addr", "127.0.0.1:0", "--db", db, "--api-key", testKey, "--api-secret-file", secretFile(t, testSecret))
	code, out, stderr = runCmd(t, "logs", "show", "--host", s2.url, "--api-key", testKey, "--api-secret-file", secretFile(t, testSecret), "getUserReport", firstUUID)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, `"requestId": "req-1"`)
}

func TestServeInsecureNoAuth(t *testing.T) {
	clearEnv(t)
	s := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hive.db"), "--insecure-no-auth", "--log-level", "warn")
	assert.Contains(t, s.stderr.String(), "without credentials")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(s.url + "/api/me")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, exitOK, s.stop(t))
}
