package e2e_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// cliTask is the task of TestHiveCLIAgainstHiveServe's records.
const cliTask = "cliReport"

// cliRecords are three runs of cliTask a minute apart, newest last: two
// successes and a failure.
func cliRecords(start time.Time) []*otelrecord.ExecutionRecord {
	var recs []*otelrecord.ExecutionRecord
	for i, typ := range []otelrecord.RecordType{otelrecord.TypeSuccess, otelrecord.TypeError, otelrecord.TypeSuccess} {
		at := start.Add(time.Duration(i) * time.Minute)
		rec := &otelrecord.ExecutionRecord{
			UUID:     fmt.Sprintf("0193c11e-0000-7000-8000-00000000000%d", i),
			TaskName: cliTask, Type: typ,
			Input:      json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)),
			Boundaries: map[string][]otelrecord.BoundaryRecord{"fetch": {{Input: json.RawMessage(fmt.Sprintf(`[%d]`, i)), Output: json.RawMessage(`"ok"`)}}},
			Timing:     otelrecord.NewTiming(at, at.Add(time.Duration(10+i)*time.Millisecond)),
		}
		if typ == otelrecord.TypeError {
			rec.Error = "fetch failed"
		} else {
			rec.Output = json.RawMessage(fmt.Sprintf(`{"total":%d}`, i*10))
		}
		recs = append(recs, rec)
	}
	return recs
}

// jsonLines decodes one JSON object a line.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "line %q", sc.Text())
		objs = append(objs, m)
	}
	require.NoError(t, sc.Err())
	return objs
}

// TestHiveCLIAgainstHiveServe runs the hive command's read commands as a
// person scripts them, against a real "hive serve" process: tasks with
// their statistics, filtered and paged listings, one record, a fixture
// download, the version, and the exit codes of a failure and of a wrong
// command line.
func TestHiveCLIAgainstHiveServe(t *testing.T) {
	srv := startHiveServe(t, "127.0.0.1:0", filepath.Join(t.TempDir(), "hive.db"))
	recs := cliRecords(time.Now().Add(-time.Hour).Truncate(time.Millisecond))
	for _, rec := range recs {
		item, err := json.Marshal(rec)
		require.NoError(t, err)
		status, body := apiCall(t, http.MethodPost, srv.URL+"/api/log-ingest",
			map[string]any{"projectUuid": hiveProject, "logItem": string(item)})
		require.Equal(t, http.StatusOK, status, "ingest: %s", body)
	}
	status, body := apiCall(t, http.MethodPost, srv.URL+"/api/tasks/"+cliTask+"/logs/"+recs[2].UUID+"/set-quality",
		map[string]any{"quality": map[string]any{"score": 0.9, "reason": "right total"}})
	require.Equal(t, http.StatusOK, status, "set-quality: %s", body)
	env := hiveEnv("HIVE_HOST="+srv.URL, hiveKeyEnv, hiveSecretEnv)

	t.Run("version", func(t *testing.T) {
		for _, args := range [][]string{{"--version"}, {"version"}} {
			code, stdout, stderr := runHive(t, env, args...)
			require.Zero(t, code, "hive %v: %s", args, stderr)
			assert.Contains(t, stdout, otelrecord.Version, "hive %v", args)
			assert.Contains(t, stdout, "go1.", "hive %v names its Go version", args)
		}
	})

	t.Run("tasks list", func(t *testing.T) {
		code, stdout, stderr := runHive(t, env, "tasks", "list", "--since", "2h", "--json")
		require.Zero(t, code, stderr)
		var tasks []map[string]any
		require.NoError(t, json.Unmarshal([]byte(stdout), &tasks), stdout)
		require.Len(t, tasks, 1, stdout)
		assert.Equal(t, cliTask, tasks[0]["taskName"])
		assert.EqualValues(t, 3, tasks[0]["runs"])
		assert.EqualValues(t, 1, tasks[0]["errors"])
		assert.NotNil(t, tasks[0]["lastRunAt"])

		code, stdout, stderr = runHive(t, env, "tasks", "list", "--since", "5m", "--json")
		require.Zero(t, code, stderr)
		require.NoError(t, json.Unmarshal([]byte(stdout), &tasks), stdout)
		require.Len(t, tasks, 1, "a task without runs in the range is listed with zeros")
		assert.EqualValues(t, 0, tasks[0]["runs"])

		code, stdout, stderr = runHive(t, env, "tasks", "list")
		require.Zero(t, code, stderr)
		assert.Contains(t, stdout, cliTask, "the table names the task")
	})

	t.Run("logs list filters", func(t *testing.T) {
		code, stdout, stderr := runHive(t, env, "logs", "list", "--task", cliTask, "--type", "error", "--json")
		require.Zero(t, code, stderr)
		lines := jsonLines(t, stdout)
		require.Len(t, lines, 1, stdout)
		assert.Equal(t, recs[1].UUID, lines[0]["uuid"])

		code, stdout, stderr = runHive(t, env, "logs", "list", "--task", cliTask, "--min-quality", "0.5", "--json")
		require.Zero(t, code, stderr)
		lines = jsonLines(t, stdout)
		require.Len(t, lines, 1, stdout)
		assert.Equal(t, recs[2].UUID, lines[0]["uuid"])

		until := recs[1].Timing.StartTime + 1 // after the second run started
		code, stdout, stderr = runHive(t, env, "logs", "list", "--task", cliTask, "--json",
			"--until", time.UnixMilli(until).UTC().Format(time.RFC3339Nano))
		require.Zero(t, code, stderr)
		assert.Len(t, jsonLines(t, stdout), 2, "runs started before --until: %s", stdout)
	})

	t.Run("logs list pages", func(t *testing.T) {
		code, stdout, stderr := runHive(t, env, "logs", "list", "--task", cliTask, "--limit", "1")
		require.Zero(t, code, stderr)
		assert.Contains(t, stdout, recs[2].UUID, "newest first")
		assert.Contains(t, stdout+stderr, "more: ", "the command of the next page is printed")

		code, stdout, stderr = runHive(t, env, "logs", "list", "--task", cliTask, "--limit", "1", "--all", "--json")
		require.Zero(t, code, stderr)
		var got []string
		for _, l := range jsonLines(t, stdout) {
			got = append(got, l["uuid"].(string))
		}
		assert.Equal(t, []string{recs[2].UUID, recs[1].UUID, recs[0].UUID}, got, "--all follows every page")
	})

	t.Run("logs show", func(t *testing.T) {
		code, stdout, stderr := runHive(t, env, "logs", "show", cliTask, recs[1].UUID, "--json")
		require.Zero(t, code, stderr)
		var rec otelrecord.ExecutionRecord
		require.NoError(t, json.Unmarshal([]byte(stdout), &rec), stdout)
		assert.Equal(t, recs[1].Error, rec.Error)
		assert.Equal(t, otelrecord.TypeError, rec.Type)
	})

	t.Run("fixture download", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "run.json")
		code, _, stderr := runHive(t, env, "fixture", "download", recs[1].UUID, "-o", file)
		require.Zero(t, code, stderr)
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		var f struct { // the fixture object, as the forge CLI saves it
			TaskName   string                     `json:"taskName"`
			Input      json.RawMessage            `json:"input"`
			Error      string                     `json:"error"`
			Boundaries map[string]json.RawMessage `json:"boundaries"`
		}
		require.NoError(t, json.Unmarshal(data, &f), string(data))
		assert.Equal(t, cliTask, f.TaskName, string(data))
		assert.JSONEq(t, `{"n":1}`, string(f.Input))
		assert.Equal(t, "fetch failed", f.Error)
		assert.Contains(t, f.Boundaries, "fetch")
	})

	t.Run("failures", func(t *testing.T) {
		code, stdout, stderr := runHive(t, env, "logs", "show", cliTask, "0193c11e-0000-7000-8000-0000000000ff")
		assert.Equal(t, 1, code, "a record the server does not have")
		assert.Empty(t, stdout)
		assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line: %q", stderr)
		assert.NotContains(t, stderr, "hive: hive:", "no repeated prefix")

		code, _, stderr = runHive(t, env, "logs", "list")
		assert.Equal(t, 2, code, "--task is required: %s", stderr)
		code, _, stderr = runHive(t, env, "logs", "list", "--task", cliTask, "--type", "maybe")
		assert.Equal(t, 2, code, "a --type that is neither success nor error: %s", stderr)

		down := hiveEnv("HIVE_HOST=http://127.0.0.1:1", hiveKeyEnv, hiveSecretEnv)
		code, _, stderr = runHive(t, down, "tasks", "list")
		assert.Equal(t, 1, code, "no server: %s", stderr)
		assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line: %q", stderr)
	})
}
