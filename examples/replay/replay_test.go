package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/examples/internal/shop"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/otelrecord"
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

func TestReplayReproducesFailingRun(t *testing.T) {
	rec := ingested(t, 99)
	require.Equal(t, otelrecord.TypeError, rec.Type)

	var out bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"--task", shop.ReportTask, "--uuid", rec.UUID}, &out))
	s := out.String()
	assert.Contains(t, s, "record "+rec.UUID+" of getUserReport")
	assert.Contains(t, s, `input:    {"userId":99}`)
	assert.Contains(t, s, "original: error: profile 99: 404 Not Found\n")
	assert.Contains(t, s, "replayed: error: profile 99: 404 Not Found   (boundaries fetchProfile, queryOrders in replay mode)")
	assert.Contains(t, s, "reproduced: same outcome")
}

func TestReplayReproducesSuccessfulRun(t *testing.T) {
	rec := ingested(t, 1)
	require.Equal(t, otelrecord.TypeSuccess, rec.Type)

	var out bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"--uuid", rec.UUID}, &out))
	assert.Contains(t, out.String(), `replayed: success: {"userId":1,"name":"Ada Lovelace","email":"ada@example.com","orders":2,"total":20}`)
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

	var out bytes.Buffer
	err = run(t.Context(), []string{"--uuid", doctored.UUID}, &out)
	require.ErrorIs(t, err, errDiffers)
	assert.Contains(t, out.String(), "NOT reproduced")
}

func TestReplayErrors(t *testing.T) {
	ingested(t, 1)
	var out bytes.Buffer
	err := run(t.Context(), []string{"--uuid", "0193aaaa-0000-7000-8000-00000000dead"}, &out)
	require.ErrorIs(t, err, hive.ErrNotFound)

	err = run(t.Context(), []string{"--task", "nope", "--uuid", "x"}, &out)
	require.ErrorIs(t, err, ErrUnknownTask)
	assert.Contains(t, err.Error(), "known: getUserReport")

	require.Error(t, run(t.Context(), nil, &out), "--uuid is required")
	require.Error(t, run(t.Context(), []string{"--uuid", "x", "--mode", "sideways"}, &out))
}

// The registry's tasks have no dependencies, so a replay never reaches the
// outside world: a real call fails at once.
func TestRegistryTasksHaveNoDependencies(t *testing.T) {
	_, rec, err := shop.New(shop.Deps{}).Report.SafeRun(context.Background(), shop.ReportInput{UserID: 1})
	require.ErrorIs(t, err, shop.ErrNoProfilesURL)
	assert.Equal(t, otelrecord.TypeError, rec.Type)
}
