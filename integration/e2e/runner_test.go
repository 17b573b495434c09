package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/integration/internal/jaegertest"
	"github.com/hivetrace/hivetrace/internal/testutil"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// The example programs are built once per test binary, into buildDir.
var (
	examplesOnce sync.Once
	examplesErr  error
)

// exampleBinaries builds examples/service and examples/replay (their own
// module) and returns their paths.
func exampleBinaries(t *testing.T) (service, replay string) {
	t.Helper()
	hiveBinary(t) // creates buildDir
	examplesOnce.Do(func() {
		dir, err := filepath.Abs(filepath.Join("..", "..", "examples"))
		if err != nil {
			examplesErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", buildDir, "./service", "./replay")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			examplesErr = fmt.Errorf("go build ./service ./replay in %s: %w\n%s", dir, err, out)
		}
	})
	require.NoError(t, examplesErr, "build the example programs")
	return filepath.Join(buildDir, "service"), filepath.Join(buildDir, "replay")
}

// runnerEnv is the environment of the example programs: Hive at hiveURL
// with the test credentials and project, traces to Jaeger over OTLP gRPC.
func runnerEnv(hiveURL string, j *jaegertest.Jaeger, extra ...string) []string {
	return hiveEnv(append([]string{
		"HIVE_HOST=" + hiveURL, hiveKeyEnv, hiveSecretEnv,
		"HIVE_PROJECT_UUID=" + hiveProject, "HIVE_PROJECT_NAME=e2e-runner",
		"OTEL_SERVICE_NAME=e2e-runner-service",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + j.OTLPGRPCEndpoint(),
		"OTEL_EXPORTER_OTLP_PROTOCOL=grpc",
		"OTEL_METRICS_EXPORTER=none",
		"HIVE_JAEGER_URL=" + j.QueryURL(),
		"PROFILE_API_URL=",
	}, extra...)...)
}

var listeningLine = regexp.MustCompile(`^service: listening on (http://127\.0\.0\.1:\d+) \(1 tasks\)$`)

// startService runs "service serve" and returns its URL and a function
// that stops it with SIGTERM and returns its exit status.
func startService(t *testing.T, bin string, env []string) (string, func() int) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--shutdown-timeout", "20s")
	cmd.Env = env
	pr, pw := io.Pipe()
	output := &testutil.LockedBuffer{}
	cmd.Stdout, cmd.Stderr = pw, output
	require.NoError(t, cmd.Start())
	done := make(chan int, 1)
	go func() {
		err := cmd.Wait()
		_ = pw.Close()
		code := 0
		if exitErr, ok := err.(*exec.ExitError); ok {
			code = exitErr.ExitCode()
		} else if err != nil {
			code = -1
		}
		done <- code
	}()
	lines := bufio.NewReader(pr)
	line, err := lines.ReadString('\n')
	go func() { _, _ = io.Copy(output, lines) }()
	m := listeningLine.FindStringSubmatch(strings.TrimSpace(line))
	if err != nil || m == nil {
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("service serve printed %q (%v), not its URL; output: %s", line, err, output)
	}
	stopped := false
	stop := func() int {
		if stopped {
			return 0
		}
		stopped = true
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		select {
		case code := <-done:
			return code
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("service did not stop on SIGTERM; output: %s", output)
			return -1
		}
	}
	t.Cleanup(func() { stop() })
	return m[1], stop
}

// call makes one request and returns the status, the body and the
// X-Hive-Record header.
func call(t *testing.T, method, url, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header.Get("X-Hive-Record")
}

// waitRecord polls Hive until it holds the record uuid of taskName.
func waitRecord(t *testing.T, hiveURL, taskName, uuid string) *otelrecord.ExecutionRecord {
	t.Helper()
	c, err := hive.NewLogClient(hive.Config{Host: hiveURL, APIKey: hiveKey, APISecret: hiveSecret})
	require.NoError(t, err)
	deadline := time.Now().Add(30 * time.Second)
	for {
		rec, err := c.GetLog(t.Context(), taskName, uuid)
		if err == nil {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("record %s of %s never reached Hive: %v", uuid, taskName, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// replayJSON is the part of replay --json the test reads.
type replayJSON struct {
	Task   string `json:"task"`
	Source struct {
		Kind    string `json:"kind"`
		UUID    string `json:"uuid"`
		TraceID string `json:"traceId"`
	} `json:"source"`
	Original struct {
		UUID  string `json:"uuid"`
		Error string `json:"error"`
	} `json:"original"`
	Replayed   *otelrecord.ExecutionRecord `json:"replayed"`
	Reproduced bool                        `json:"reproduced"`
}

// TestRunnerCommands drives every runner command of the example service's
// binary, and the replay example, against a real hive serve and a real
// Jaeger: serve answers its routes and its task records reach both; list,
// describe and run work; a failing run is replayed by uuid (from Hive), by
// trace id (rebuilt from Jaeger) and from a file, with exit codes and JSON
// output checked, and from the fixture hive fixture download writes; a
// doctored record is reported as not reproduced.
func TestRunnerCommands(t *testing.T) {
	j := jaegertest.Start(t)
	if j == nil {
		return
	}
	cleanEnv(t)
	serviceBin, replayBin := exampleBinaries(t)
	hs := startHiveServe(t, "127.0.0.1:0", filepath.Join(t.TempDir(), "hive.db"))
	env := runnerEnv(hs.URL, j)

	// serve: the task's route, the service's own, health and readiness.
	base, stop := startService(t, serviceBin, env)
	code, body, _ := call(t, http.MethodGet, base+"/healthz", "")
	assert.Equal(t, http.StatusOK, code, body)
	code, body, _ = call(t, http.MethodGet, base+"/readyz", "")
	assert.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"status":"ready"}`, body)
	code, body, _ = call(t, http.MethodGet, base+"/tasks", "")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"name":"getUserReport"`)
	code, body, _ = call(t, http.MethodPost, base+"/tasks/getUserReport", `{"args":{"userId":3}}`)
	assert.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"userId":3,"name":"Grace Hopper","email":"grace@example.com","orders":3,"total":12}`, body)
	code, body, failedUUID := call(t, http.MethodGet, base+"/reports/99", "")
	require.Equal(t, http.StatusBadGateway, code, body)
	require.NotEmpty(t, failedUUID)
	require.Equal(t, 0, stop(), "serve exits 0 on SIGTERM after a graceful shutdown")

	failed := waitRecord(t, hs.URL, "getUserReport", failedUUID)
	require.Equal(t, otelrecord.TypeError, failed.Type)
	require.Equal(t, "profile 99: 404 Not Found", failed.Error)
	traceID := failed.Metadata[otelrecord.MetadataTraceID]
	require.NotEmpty(t, traceID)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The request's server span, the task run, fetchProfile, the outbound
	// HTTP client span and the profile API's server span.
	_, err := j.WaitTrace(ctx, traceID, 5)
	require.NoError(t, err)

	// list and describe.
	code, out, stderr := runProgram(t, env, serviceBin, "list")
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `getUserReport\s+fetchProfile, queryOrders`, out)
	code, out, _ = runProgram(t, env, serviceBin, "list", "--json")
	require.Equal(t, 0, code)
	var tasks []struct {
		Name       string   `json:"name"`
		Boundaries []string `json:"boundaries"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &tasks))
	require.Len(t, tasks, 1)
	assert.Equal(t, []string{"fetchProfile", "queryOrders"}, tasks[0].Boundaries)
	code, out, _ = runProgram(t, env, serviceBin, "describe", "getUserReport", "--json")
	require.Equal(t, 0, code)
	assert.Contains(t, out, `"userId"`)

	// run: through the service's telemetry, so its record reaches Hive.
	code, out, stderr = runProgram(t, env, serviceBin, "run", "getUserReport", `{"userId":2}`)
	require.Equal(t, 0, code, stderr)
	assert.JSONEq(t, `{"userId":2,"name":"Alan Turing","email":"alan@example.com","orders":1,"total":99.9}`, out)
	code, out, _ = runProgram(t, env, serviceBin, "run", "getUserReport", `{"userId":99}`, "--json")
	require.Equal(t, 1, code, "a failed run exits 1")
	var runRec otelrecord.ExecutionRecord
	require.NoError(t, json.Unmarshal([]byte(out), &runRec))
	assert.Equal(t, "profile 99: 404 Not Found", runRec.Error)
	stored := waitRecord(t, hs.URL, "getUserReport", runRec.UUID)
	assert.Equal(t, runRec.Error, stored.Error)

	// replay by uuid, from Hive.
	code, out, stderr = runProgram(t, env, serviceBin, "replay", "getUserReport", "--uuid", failedUUID)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "record "+failedUUID+" of getUserReport, from Hive at "+hs.URL+"\n")
	assert.Contains(t, out, "original: error: profile 99: 404 Not Found\n")
	assert.Contains(t, out, "replayed: error: profile 99: 404 Not Found\n")
	assert.Contains(t, out, "reproduced: same outcome")

	// replay by trace id, rebuilt from Jaeger.
	code, out, stderr = runProgram(t, env, serviceBin, "replay", "getUserReport", "--trace", traceID, "--jaeger", j.QueryURL(), "--json")
	require.Equal(t, 0, code, stderr)
	var rep replayJSON
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	assert.True(t, rep.Reproduced)
	assert.Equal(t, "jaeger", rep.Source.Kind)
	assert.Equal(t, traceID, rep.Source.TraceID)
	assert.Equal(t, failedUUID, rep.Original.UUID)
	assert.Equal(t, "profile 99: 404 Not Found", rep.Replayed.Error)
	require.Len(t, rep.Replayed.Boundaries["fetchProfile"], 1)

	// replay from a file: the envelope Hive answers, saved as it came.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, hs.URL+"/api/tasks/getUserReport/logs/"+failedUUID, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+hiveKey+":"+hiveSecret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	envelope, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), failedUUID+".json")
	require.NoError(t, os.WriteFile(path, envelope, 0o600))
	code, out, stderr = runProgram(t, env, serviceBin, "replay", "getUserReport", "--file", path, "--json")
	require.Equal(t, 0, code, stderr)
	rep = replayJSON{}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.True(t, rep.Reproduced)

	// replay from the fixture hive fixture download writes.
	fixture := filepath.Join(t.TempDir(), "fixture.json")
	code, _, stderr = runHive(t, hiveEnv("HIVE_HOST="+hs.URL, hiveKeyEnv, hiveSecretEnv), "fixture", "download", failedUUID, "-o", fixture)
	require.Equal(t, 0, code, stderr)
	code, out, stderr = runProgram(t, env, serviceBin, "replay", "getUserReport", "--file", fixture)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "record "+failedUUID+" of getUserReport, from fixture file "+fixture+"\n")
	assert.Contains(t, out, "reproduced: same outcome")

	// The replay example: the same commands, a few lines over the runner.
	code, out, stderr = runProgram(t, env, replayBin, "replay", "getUserReport", "--uuid", failedUUID)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "reproduced: same outcome")
	code, out, stderr = runProgram(t, env, replayBin, "replay", "getUserReport", "--trace", traceID)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "from trace "+traceID+" in Jaeger at "+j.QueryURL())
	assert.Contains(t, out, "reproduced: same outcome")

	// A record whose outcome the code no longer produces: exit 1.
	doctored := *failed
	doctored.UUID = "0193b000-e2e0-7000-8000-0000000000d0"
	doctored.Error = "profile 99: gone"
	c, err := hive.NewLogClient(hive.Config{Host: hs.URL, APIKey: hiveKey, APISecret: hiveSecret, ProjectUUID: hiveProject})
	require.NoError(t, err)
	_, err = c.SendLog(t.Context(), &doctored, nil)
	require.NoError(t, err)
	code, out, _ = runProgram(t, env, serviceBin, "replay", "getUserReport", "--uuid", doctored.UUID, "--json")
	require.Equal(t, 1, code)
	rep = replayJSON{}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.False(t, rep.Reproduced)
	assert.Equal(t, "profile 99: gone", rep.Original.Error)

	// Usage errors exit 2; a record Hive does not have is a failure.
	code, _, stderr = runProgram(t, env, serviceBin, "replay", "getUserReport")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "give one of --uuid, --trace and --file")
	code, _, _ = runProgram(t, env, serviceBin, "frobnicate")
	assert.Equal(t, 2, code)
	code, _, stderr = runProgram(t, env, serviceBin, "replay", "getUserReport", "--uuid", "0193b000-e2e0-7000-8000-00000000dead")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "not found")
	code, _, stderr = runProgram(t, hiveEnv("HIVE_HOST="+hs.URL), serviceBin, "replay", "getUserReport", "--uuid", failedUUID)
	assert.Equal(t, 2, code, "no credentials")
	assert.Contains(t, stderr, "set HIVE_API_KEY and HIVE_API_SECRET")
	http.DefaultClient.CloseIdleConnections()
}
