package exporter_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
	"github.com/hivetrace/hivetrace/otelrecord"
)

const (
	hiveTestKey     = "setup-key"
	hiveTestSecret  = "setup-secret"
	hiveTestProject = "0193a000-0000-7000-8000-000000000001"
)

// startHive serves a real Hive server with a SQLite file on a free loopback
// port until the test ends, and returns its URL and store.
func startHive(t *testing.T) (string, server.Store) {
	t.Helper()
	store, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "hive.db"))
	require.NoError(t, err)
	srv := server.New(store, server.WithCredentials(hiveTestKey, hiveTestSecret))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done)
		assert.NoError(t, store.Close())
	})
	return "http://" + ln.Addr().String(), store
}

// setHiveEnv points the HIVE_* variables at host, with credentials unless
// key is empty.
func setHiveEnv(t *testing.T, host, key, secret string) {
	t.Setenv(hive.EnvHost, host)
	t.Setenv(hive.EnvAPIKey, key)
	t.Setenv(hive.EnvAPISecret, secret)
	t.Setenv(hive.EnvProjectName, "setup-test")
	t.Setenv(hive.EnvProjectUUID, hiveTestProject)
	t.Setenv(hive.EnvForgePath, "")
}

// TestSetupHiveSinkFromEnv runs Setup with nothing but the HIVE_* (and
// OTEL_*) environment: the records the processor rebuilds reach a real Hive
// server over HTTP, stored under the project the environment names.
func TestSetupHiveSinkFromEnv(t *testing.T) {
	cleanEnv(t)
	keepGlobals(t)
	host, store := startHive(t)
	setHiveEnv(t, host, hiveTestKey, hiveTestSecret)

	shutdown, err := exporter.Setup(context.Background(),
		exporter.WithSpanExporter(tracetest.NewInMemoryExporter()),
		exporter.WithMetricReader(sdkmetric.NewManualReader()),
		exporter.WithBatchTimeout(10*time.Millisecond))
	require.NoError(t, err)

	ctx := context.Background()
	var wants []*otelrecord.ExecutionRecord
	for _, name := range []string{"getUserReport", "getUserReport", "chargeCard"} {
		wants = append(wants, emitRun(ctx, t, otel.Tracer("test"), sampleRun(name)))
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// Shutdown flushes the record processor, which flushes and shuts down
	// the Hive sink: every record has been sent when it returns.
	require.NoError(t, shutdown(sctx))

	for _, w := range wants {
		e, err := store.GetLog(ctx, server.LogKey{ProjectUUID: hiveTestProject, TaskName: w.TaskName, UUID: w.UUID})
		require.NoError(t, err, "record %s of %s stored", w.UUID, w.TaskName)
		assert.Equal(t, "setup-test", e.ProjectName)
		var got otelrecord.ExecutionRecord
		require.NoError(t, json.Unmarshal(e.Record, &got))
		assertSameRecord(t, w, &got)
	}
	list, err := store.ListLogs(ctx, server.LogQuery{ProjectUUID: hiveTestProject, TaskName: "getUserReport"})
	require.NoError(t, err)
	assert.Len(t, list, 2, "each record stored once")
}

// TestSetupHiveSinkNeedsBothCredentials: without HIVE_API_KEY, or with a key
// and no secret, Setup installs no Hive sink and nothing reaches the server.
func TestSetupHiveSinkNeedsBothCredentials(t *testing.T) {
	cleanEnv(t)
	host, store := startHive(t)
	for _, tc := range []struct {
		name, key, secret string
		warns             bool
	}{
		{"no key", "", hiveTestSecret, false},
		{"no secret", hiveTestKey, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keepGlobals(t)
			setHiveEnv(t, host, tc.key, tc.secret)
			exp := tracetest.NewInMemoryExporter()
			logs := &logCapture{}
			shutdown, err := exporter.Setup(context.Background(), exporter.WithLogger(slog.New(logs)),
				exporter.WithSpanExporter(exp), exporter.WithMetricReader(sdkmetric.NewManualReader()))
			require.NoError(t, err)
			if tc.warns {
				require.Len(t, logs.warnings(), 1)
				assert.Contains(t, logs.warnings()[0]["msg"], "HIVE_API_SECRET")
			} else {
				assert.Empty(t, logs.warnings())
			}
			w := emitRun(context.Background(), t, otel.Tracer("test"), sampleRun("lonely"))
			flushGlobal(t)
			assert.NotEmpty(t, exp.GetSpans(), "spans are still exported")
			require.NoError(t, shutdown(context.Background()))
			_, err = store.GetLog(context.Background(), server.LogKey{TaskName: w.TaskName, UUID: w.UUID})
			require.ErrorIs(t, err, server.ErrNotFound)
		})
	}
}

// TestSetupHiveSinkInvalidHost: a HIVE_HOST that is not an http(s) URL makes
// Setup fail and install nothing.
func TestSetupHiveSinkInvalidHost(t *testing.T) {
	cleanEnv(t)
	keepGlobals(t)
	setHiveEnv(t, "ftp://example.invalid", hiveTestKey, hiveTestSecret)
	shutdown, err := exporter.Setup(context.Background(),
		exporter.WithSpanExporter(tracetest.NewInMemoryExporter()),
		exporter.WithMetricReader(sdkmetric.NewManualReader()))
	require.ErrorIs(t, err, hive.ErrInvalidConfig)
	assert.Nil(t, shutdown)
	_, installed := otel.GetTracerProvider().(*sdktrace.TracerProvider)
	assert.False(t, installed, "nothing installed")
}

// TestSetupWithSinkIgnoresHiveEnv: an explicit sink wins over the HIVE_*
// environment.
func TestSetupWithSinkIgnoresHiveEnv(t *testing.T) {
	cleanEnv(t)
	host, store := startHive(t)
	setHiveEnv(t, host, hiveTestKey, hiveTestSecret)
	r := setupForTest(t)
	w := emitRun(context.Background(), t, otel.Tracer("test"), sampleRun("mine"))
	require.NoError(t, r.shutdown(context.Background()))
	got := byUUID(r.sink.records())
	require.Contains(t, got, w.UUID)
	_, err := store.GetLog(context.Background(), server.LogKey{TaskName: w.TaskName, UUID: w.UUID})
	require.ErrorIs(t, err, server.ErrNotFound)
}
