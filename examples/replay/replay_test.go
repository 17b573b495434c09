package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/examples/internal/shop"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/runner"
)

const (
	testKey     = "test-key"
	testSecret  = "test-secret"
	testProject = "0193aaaa-0000-7000-8000-000000000001"
)

// ingested starts a Hive server (memory store) and the profile API, runs the
// report task for userID against the real boundaries and stores its record in
// the server. The HIVE_* environment then points at the server.
func ingested(t *testing.T, userID int) *otelrecord.ExecutionRecord {
	t.Helper()
	store := server.NewMemoryStore()
	hiveSrv := httptest.NewServer(server.New(store, server.WithCredentials(testKey, testSecret)))
	profiles := httptest.NewServer(shop.ProfileAPI())
	db, err := shop.OpenDB(t.Context())
	require.NoError(t, err)
	t.Cleanup(func() {
		hiveSrv.Close()
		profiles.Close()
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		_ = db.Close()
		_ = store.Close()
	})

	s := shop.New(shop.Deps{DB: db, ProfilesURL: profiles.URL, HTTPClient: profiles.Client()})
	_, rec, _ := s.Report.SafeRun(t.Context(), shop.ReportInput{UserID: userID})

	client, err := hive.NewLogClient(hive.Config{APIKey: testKey, APISecret: testSecret, Host: hiveSrv.URL, ProjectUUID: testProject})
	require.NoError(t, err)
	_, err = client.SendLog(t.Context(), rec, nil)
	require.NoError(t, err)

	t.Setenv(hive.EnvHost, hiveSrv.URL)
	t.Setenv(hive.EnvAPIKey, testKey)
	t.Setenv(hive.EnvAPISecret, testSecret)
	t.Setenv(hive.EnvProjectUUID, "")
	t.Setenv(hive.EnvForgePath, "")
	return rec
}

// replay runs the program's command line and returns its status and
// output.
func replay(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	r, err := newRunner(runner.WithOutput(&stdout, &stderr))
	require.NoError(t, err)
	code := r.Run(t.Context(), args)
	return code, stdout.String(), stderr.String()
}

func TestReplayReproducesFailingRun(t *testing.T) {
	rec := ingested(t, 99)
	require.Equal(t, otelrecord.TypeError, rec.Type)

	code, out, stderr := replay(t, "replay", shop.ReportTask, "--uuid", rec.UUID)
	require.Equal(t, runner.ExitOK, code, stderr)
	assert.Contains(t, out, "record "+rec.UUID+" of getUserReport, from Hive at http://127.0.0.1:")
	assert.Contains(t, out, `input:    {"userId":99}`)
	assert.Contains(t, out, "modes:    fetchProfile=replay, queryOrders=replay\n")
	assert.Contains(t, out, "original: error: profile 99: 404 Not Found\n")
	assert.Contains(t, out, "replayed: error: profile 99: 404 Not Found\n")
	assert.Contains(t, out, "reproduced: same outcome")
}

func TestReplayReproducesSuccessfulRun(t *testing.T) {
	rec := ingested(t, 1)
	require.Equal(t, otelrecord.TypeSuccess, rec.Type)

	code, out, stderr := replay(t, "replay", shop.ReportTask, "--uuid", rec.UUID, "--json")
	require.Equal(t, runner.ExitOK, code, stderr)
	var rep struct {
		Reproduced bool                        `json:"reproduced"`
		Replayed   *otelrecord.ExecutionRecord `json:"replayed"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.True(t, rep.Reproduced)
	assert.JSONEq(t, `{"userId":1,"name":"Ada Lovelace","email":"ada@example.com","orders":2,"total":20}`, string(rep.Replayed.Output))
}

func TestReplayDetectsDifferentOutcome(t *testing.T) {
	rec := ingested(t, 1)
	// Store a doctored copy: the recorded output no longer matches what the
	// code computes from the recorded boundary answers.
	doctored := *rec
	doctored.UUID = "0193aaaa-0000-7000-8000-0000000000ff"
	doctored.Output = []byte(`{"userId":1,"name":"Ada Lovelace","email":"ada@example.com","orders":2,"total":21}`)
	client, err := hive.NewLogClient(hive.Config{ProjectUUID: testProject})
	require.NoError(t, err)
	_, err = client.SendLog(t.Context(), &doctored, nil)
	require.NoError(t, err)

	code, out, _ := replay(t, "replay", shop.ReportTask, "--uuid", doctored.UUID)
	assert.Equal(t, runner.ExitFailure, code)
	assert.Contains(t, out, "NOT reproduced")
}

func TestReplayFromFile(t *testing.T) {
	db, err := shop.OpenDB(t.Context())
	require.NoError(t, err)
	defer db.Close()
	profiles := httptest.NewServer(shop.ProfileAPI())
	defer profiles.Close()
	_, rec, _ := shop.New(shop.Deps{DB: db, ProfilesURL: profiles.URL, HTTPClient: profiles.Client()}).
		Report.SafeRun(t.Context(), shop.ReportInput{UserID: 2})
	data, err := json.Marshal(rec)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "run.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))

	code, out, stderr := replay(t, "replay", shop.ReportTask, "--file", path)
	require.Equal(t, runner.ExitOK, code, stderr)
	assert.Contains(t, out, `replayed: success: {"userId":2,"name":"Alan Turing"`)
}

func TestReplayErrors(t *testing.T) {
	ingested(t, 1)
	code, _, stderr := replay(t, "replay", shop.ReportTask, "--uuid", "0193aaaa-0000-7000-8000-00000000dead")
	assert.Equal(t, runner.ExitFailure, code)
	assert.Contains(t, stderr, "not found")

	code, _, stderr = replay(t, "replay", "nope", "--uuid", "x")
	assert.Equal(t, runner.ExitUsage, code)
	assert.Contains(t, stderr, "known: getUserReport")

	code, _, _ = replay(t, "replay", shop.ReportTask)
	assert.Equal(t, runner.ExitUsage, code, "--uuid, --trace or --file is required")
	code, _, _ = replay(t, "replay", shop.ReportTask, "--uuid", "x", "--all", "sideways")
	assert.Equal(t, runner.ExitUsage, code)
}

// The runner's task has no dependencies, so a replay never reaches the
// outside world: a real call fails at once.
func TestRunnerTaskHasNoDependencies(t *testing.T) {
	_, rec, err := shop.New(shop.Deps{}).Report.SafeRun(context.Background(), shop.ReportInput{UserID: 1})
	require.ErrorIs(t, err, shop.ErrNoProfilesURL)
	assert.Equal(t, otelrecord.TypeError, rec.Type)

	code, out, _ := replay(t, "list")
	require.Equal(t, runner.ExitOK, code)
	assert.Contains(t, out, "getUserReport")
}
