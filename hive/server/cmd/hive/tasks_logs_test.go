package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"path/filepath"
)

// filterFixture serves "hive serve" holding task "checkout" of projectUUID
// with 5 runs (c0 oldest to c4 newest) started 50, 40, 30, 20 and 10 minutes
// ago, lasting 10, 20, 30, 40 and 50 ms, c1 and c3 failed, c2 scored 0.9 and
// c3 0.4; and task "idle" of another project without runs. It returns the
// server and the flags that reach it.
func filterFixture(t *testing.T) (*serving, []string, time.Time) {
	t.Helper()
	clearEnv(t)
	s := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hive.db"), "--api-key", testKey, "--api-secret-file", secretFile(t, testSecret))
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i := range 5 {
		typ := "success"
		if i%2 == 1 {
			typ = "error"
		}
		start := now.Add(-time.Duration(50-10*i) * time.Minute).UnixMilli()
		rec := fmt.Sprintf(`{"uuid":"c%d","taskName":"checkout","input":{},"type":%q,"timing":{"startTime":%d,"endTime":%d,"duration":%d}}`,
			i, typ, start, start+int64(10*(i+1)), 10*(i+1))
		require.Equal(t, http.StatusOK, s.post(t, "/api/log-ingest", map[string]any{"projectUuid": projectUUID, "projectName": "shop", "logItem": rec}))
	}
	for id, score := range map[string]float64{"c2": 0.9, "c3": 0.4} {
		require.Equal(t, http.StatusOK, s.post(t, "/api/tasks/checkout/logs/"+id+"/set-quality", map[string]any{"quality": map[string]any{"score": score}}))
	}
	require.Equal(t, http.StatusOK, s.post(t, "/api/projects/0193f0a0-bbbb-7000-8000-000000000002/sync",
		map[string]any{"projectName": "back office", "tasks": []map[string]any{{"name": "idle", "uuid": "0193f0a0-bbbb-7000-8000-0000000000aa"}}}))
	return s, []string{"--host", s.url, "--api-key", testKey, "--api-secret-file", secretFile(t, testSecret)}, now
}

// listedUUIDs returns the uuids of a "hive logs list" table, in order.
func listedUUIDs(out string) []string {
	return regexp.MustCompile(`\bc\d\b`).FindAllString(out, -1)
}

func TestLogsListFilters(t *testing.T) {
	_, auth, now := filterFixture(t)
	list := func(args ...string) []string {
		t.Helper()
		code, out, stderr := runCmd(t, append(append([]string{"logs", "list", "--task", "checkout"}, args...), auth...)...)
		require.Equal(t, exitOK, code, stderr)
		assert.Empty(t, stderr)
		return listedUUIDs(out)
	}
	rfc := func(d time.Duration) string { return now.Add(-d).Format(time.RFC3339Nano) }

	assert.Equal(t, []string{"c4", "c3", "c2", "c1", "c0"}, list())
	assert.Equal(t, []string{"c3", "c1"}, list("--type", "error"))
	assert.Equal(t, []string{"c4", "c2", "c0"}, list("--type", "success"))
	assert.Equal(t, []string{"c4", "c3"}, list("--since", "25m"), "a duration before now")
	assert.Equal(t, []string{"c4", "c3", "c2"}, list("--since", rfc(30*time.Minute)), "an RFC 3339 time, inclusive")
	assert.Equal(t, []string{"c1", "c0"}, list("--until", rfc(30*time.Minute)), "exclusive")
	assert.Equal(t, []string{"c2", "c1"}, list("--since", "45m", "--until", "25m"))
	assert.Equal(t, []string{"c2"}, list("--min-quality", "0.5"))
	assert.Equal(t, []string{"c3", "c2"}, list("--min-quality", "0.4"))
	assert.Equal(t, []string{"c3"}, list("--type", "error", "--min-quality", "0", "--project", projectUUID))

	code, out, _ := runCmd(t, append([]string{"logs", "list", "--task", "checkout", "--type", "error", "--since", "1m"}, auth...)...)
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "no records of task \"checkout\" match the filters\n", out)

	code, out, _ = runCmd(t, append([]string{"logs", "list", "--task", "checkout", "--min-quality", "0"}, auth...)...)
	require.Equal(t, exitOK, code)
	assert.Regexp(t, `(?m)^\S+\s+c2\s+success\s+30\.000\s+0\.9\s+shop$`, out, "the quality column")
}

func TestLogsListPages(t *testing.T) {
	_, auth, _ := filterFixture(t)
	// Page by page with the printed command: the filters are kept.
	args := append([]string{"logs", "list", "--task", "checkout", "--type", "success", "--since", "2h", "--limit", "1"}, auth...)
	var seen []string
	for range 5 {
		code, out, stderr := runCmd(t, args...)
		require.Equal(t, exitOK, code, stderr)
		seen = append(seen, listedUUIDs(out)...)
		more := regexp.MustCompile(`(?m)^more: hive logs list (.*)$`).FindStringSubmatch(out)
		if more == nil {
			break
		}
		assert.Contains(t, more[1], "--type success")
		assert.Regexp(t, `--since \d{4}-\d\d-\d\dT\S+Z`, more[1], "the duration is fixed to the time it stood for")
		next := regexp.MustCompile(`--before (\S+)`).FindStringSubmatch(more[1])
		require.NotNil(t, next)
		args = append(append([]string{"logs", "list"}, strings.Fields(more[1])...), auth...)
	}
	assert.Equal(t, []string{"c4", "c2", "c0"}, seen)

	// --all follows the pages; the table has one header.
	code, out, stderr := runCmd(t, append([]string{"logs", "list", "--task", "checkout", "--limit", "2", "--all"}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, []string{"c4", "c3", "c2", "c1", "c0"}, listedUUIDs(out))
	assert.Equal(t, 1, strings.Count(out, "CREATED AT"))
	assert.NotContains(t, out, "more:")
	assert.Empty(t, stderr, "no progress line when stderr is not a terminal")

	// --before starts after a record of an earlier listing.
	code, out, _ = runCmd(t, append([]string{"logs", "list", "--task", "checkout", "--limit", "2"}, auth...)...)
	require.Equal(t, exitOK, code)
	cursor := regexp.MustCompile(`--before (\S+)`).FindStringSubmatch(out)
	require.NotNil(t, cursor, out)
	code, out, _ = runCmd(t, append([]string{"logs", "list", "--task", "checkout", "--before", cursor[1], "--all"}, auth...)...)
	require.Equal(t, exitOK, code)
	assert.Equal(t, []string{"c2", "c1", "c0"}, listedUUIDs(out))
}

func TestLogsListJSON(t *testing.T) {
	_, auth, _ := filterFixture(t)
	code, out, stderr := runCmd(t, append([]string{"logs", "list", "--task", "checkout", "--json", "--limit", "2"}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, "one record a line:\n%s", out)
	var e struct {
		UUID        string                   `json:"uuid"`
		TaskName    string                   `json:"taskName"`
		ProjectName string                   `json:"projectName"`
		ProjectUUID string                   `json:"projectUuid"`
		CreatedAt   string                   `json:"createdAt"`
		Quality     *struct{ Score float64 } `json:"quality"`
		LogItem     map[string]any           `json:"logItem"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &e))
	assert.Equal(t, "c3", e.UUID)
	assert.Equal(t, projectUUID, e.ProjectUUID)
	assert.Equal(t, "shop", e.ProjectName)
	require.NotNil(t, e.Quality)
	assert.Equal(t, 0.4, e.Quality.Score)
	assert.Equal(t, "error", e.LogItem["type"])
	assert.Regexp(t, `^more: hive logs list .*--json --before \S+\n$`, stderr, "the next page's command goes to stderr")

	code, out, stderr = runCmd(t, append([]string{"logs", "list", "--task", "checkout", "--json", "--all", "--limit", "2"}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 5)
	assert.Empty(t, stderr)

	code, out, _ = runCmd(t, append([]string{"logs", "list", "--task", "nothing", "--json"}, auth...)...)
	require.Equal(t, exitOK, code)
	assert.Empty(t, out, "no records: no lines")

	code, out, stderr = runCmd(t, append([]string{"logs", "show", "checkout", "c1", "--json"}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	var rec map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rec), "the record alone, as JSON:\n%s", out)
	assert.Equal(t, "c1", rec["uuid"])
	assert.Equal(t, "error", rec["type"])
}

func TestTasksList(t *testing.T) {
	_, auth, now := filterFixture(t)
	code, out, stderr := runCmd(t, append([]string{"tasks", "list"}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	assert.Regexp(t, `^TASK\s+PROJECT\s+RUNS\s+ERRORS\s+ERROR RATE\s+P50 \(ms\)\s+P95 \(ms\)\s+LAST RUN$`, lines[0])
	assert.Regexp(t, `^checkout\s+shop\s+5\s+2\s+40\.0%\s+30\.000\s+50\.000\s+`+regexp.QuoteMeta(now.Add(-10*time.Minute).Format(time.RFC3339))+`$`, lines[1])
	assert.Regexp(t, `^idle\s+back office\s+0\s+0\s+-\s+-\s+-\s+-$`, lines[2])

	code, out, stderr = runCmd(t, append([]string{"tasks", "list", "--since", "35m", "--until", now.Add(-15 * time.Minute).Format(time.RFC3339Nano), "--project", projectUUID}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	lines = strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, out)
	assert.Regexp(t, `^checkout\s+shop\s+2\s+1\s+50\.0%\s+30\.000\s+40\.000\s+`, lines[1], "c2 and c3")

	code, out, stderr = runCmd(t, append([]string{"tasks", "list", "--json"}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	var tasks []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &tasks), out)
	require.Len(t, tasks, 2)
	assert.Equal(t, map[string]any{"projectUuid": projectUUID, "projectName": "shop", "taskName": "checkout", "taskUuid": tasks[0]["taskUuid"],
		"runs": 5.0, "errors": 2.0, "p50Ms": 30.0, "p95Ms": 50.0, "lastRunAt": now.Add(-10 * time.Minute).Format(time.RFC3339Nano)}, tasks[0])
	assert.Nil(t, tasks[1]["lastRunAt"])

	code, out, _ = runCmd(t, append([]string{"tasks", "list", "--project", "0193f0a0-cccc-7000-8000-000000000003"}, auth...)...)
	require.Equal(t, exitOK, code)
	assert.Equal(t, "no tasks\n", out)
}

func TestReadCommandsUsageErrors(t *testing.T) {
	clearEnv(t)
	auth := []string{"--host", "http://127.0.0.1:9", "--api-key", "k", "--api-secret-file", secretFile(t, "s")}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tasks"}, "hive tasks list"},
		{[]string{"tasks", "drop"}, `unknown command "drop"`},
		{[]string{"tasks", "list", "extra"}, "unexpected arguments"},
		{[]string{"tasks", "list", "--since", "yesterday"}, "want an RFC 3339 time"},
		{[]string{"tasks", "list", "--since", "1h", "--until", "2h"}, "--until"},
		{[]string{"tasks", "list"}, "no credentials"},
		{[]string{"logs", "list", "--task", "t", "--type", "pending"}, `--type must be success or error, got "pending"`},
		{[]string{"logs", "list", "--task", "t", "--min-quality", "high"}, "invalid value \"high\" for flag -min-quality: want a number"},
		{[]string{"logs", "list", "--task", "t", "--since", "-5m"}, "cannot be negative"},
		{[]string{"logs", "list", "--task", "t", "--until", "2026-03-14"}, "want an RFC 3339 time"},
		{[]string{"logs", "list", "--task", "t", "--since", "2026-03-14T15:00:00Z", "--until", "2026-03-14T14:00:00Z"}, "must be after --since"},
		{[]string{"version", "extra"}, "unexpected arguments"},
	} {
		args := c.args
		if c.want != "no credentials" && len(args) > 1 && args[0] != "version" {
			args = append(append([]string{}, args...), auth...)
		}
		code, out, stderr := runCmd(t, args...)
		assert.Equal(t, exitUsage, code, c.args)
		assert.Contains(t, stderr, c.want, c.args)
		assert.Empty(t, out, c.args)
	}
}

func TestReadCommandsFailOnOneLine(t *testing.T) {
	clearEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	down := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	_, auth, _ := filterFixture(t)
	wrong := []string{"--api-key", testKey, "--api-secret-file", secretFile(t, "wrong")}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tasks", "list", "--host", down, "--api-key", "k", "--api-secret-file", secretFile(t, "s")}, "hive tasks list: GET /api/tasks"},
		{[]string{"logs", "list", "--task", "t", "--host", down, "--api-key", "k", "--api-secret-file", secretFile(t, "s")}, "network error"},
		{append([]string{"tasks", "list", "--host", auth[1]}, wrong...), "hive tasks list: the server answered 401 Unauthorized to GET /api/tasks"},
		{append([]string{"logs", "list", "--task", "checkout", "--host", auth[1]}, wrong...), "hive logs list: the server answered 401 Unauthorized"},
		{append([]string{"logs", "show", "checkout", "nope"}, auth...), `hive logs show: no record nope of task "checkout" on the server`},
	} {
		code, _, stderr := runCmd(t, c.args...)
		assert.Equal(t, exitError, code, c.args)
		assert.Contains(t, stderr, c.want, c.args)
		assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
		assert.NotContains(t, stderr, "hive: ", "no repeated prefixes: %q", stderr)
	}
}

func TestReadCommandsHelp(t *testing.T) {
	clearEnv(t)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"hive tasks list", "hive version", "--min-quality", "exits with status 1"}},
		{[]string{"tasks", "--help"}, []string{"hive tasks list [--project P] [--since T] [--until T] [--json]"}},
		{[]string{"help", "tasks"}, []string{"hive tasks list"}},
		{[]string{"tasks", "list", "--help"}, []string{"Usage: hive tasks list", "-since", "-until", "-json", "-project", "-host", "p50Ms"}},
		{[]string{"help", "tasks", "list"}, []string{"Usage: hive tasks list"}},
		{[]string{"logs", "list", "--help"}, []string{"-type", "-since", "-until", "-min-quality", "-all", "-json", "-before", "-limit"}},
		{[]string{"logs", "show", "--help"}, []string{"-json", "record only"}},
		{[]string{"logs", "--help"}, []string{"--min-quality S", "--all", "hive logs show TASK UUID [--json]"}},
	} {
		code, out, stderr := runCmd(t, c.args...)
		assert.Equal(t, exitOK, code, c.args)
		assert.Empty(t, stderr, c.args)
		for _, w := range c.want {
			assert.Contains(t, out, w, c.args)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"checkout": "checkout", "get-user.v2": "get-user.v2", "with space": "'with space'", "it's": `'it'\''s'`,
		"$HOME": "'$HOME'", "": "''", "a;b": "'a;b'",
	} {
		assert.Equal(t, want, shellQuote(in), in)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, stderr := runCmd(t, args...)
		require.Equal(t, exitOK, code, stderr)
		assert.Regexp(t, `^hive \S+\n`, out, args)
		assert.Contains(t, out, "go:       go1.", args)
	}
	assert.NotEmpty(t, readBuildVersion().Version)
	for v, release := range map[string]bool{"v1.2.3": true, "v0.4.0-rc.1": true, "": false, "(devel)": false,
		"v0.0.0-20261128203632-5dc78e85704c+dirty": false, "v0.0.0-20261128203632-5dc78e85704c": false, "v1.2.4-0.20261128203632-5dc78e85704c": false} {
		assert.Equal(t, release, isRelease(v), v)
	}
	code, out, _ := runCmd(t, "help", "version")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Usage: hive version")
}
