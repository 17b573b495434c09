package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/otelsetup"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
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
	resetGlobals(t)
	host, store := startHive(t)
	setHiveEnv(t, host, hiveTestKey, hiveTestSecret)

	shutdown, err := otelsetup.Setup(context.Background(),
		otelsetup.WithSpanExporter(tracetest.NewInMemoryExporter()),
		otelsetup.WithMetricReader(sdkmetric.NewManualReader()),
		otelsetup.WithRecordProcessorOptions(exporter.WithBatchTimeout(10*time.Millisecond)))
	require.NoError(t, err)

	ctx := context.Background()
	var wants []*otelrecord.ExecutionRecord
	for _, name := range []string{"getUserReport", "getUserReport", "chargeCard"} {
		wants = append(wants, runTask(t, name))
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
		requireSameRecord(t, w, &got)
	}
	list, err := store.ListLogs(ctx, server.LogQuery{ProjectUUID: hiveTestProject, TaskName: "getUserReport"})
	require.NoError(t, err)
	assert.Len(t, list, 2, "each record stored once")
}

// TestSetupHiveSinkWithoutProject runs Setup with only HIVE_HOST,
// HIVE_API_KEY and HIVE_API_SECRET: the records are sent by project name,
// HIVE_PROJECT_NAME else the service name, and the server stores them in
// the project it registers under the uuid derived from that name.
func TestSetupHiveSinkWithoutProject(t *testing.T) {
	for _, tc := range []struct{ name, envName, project string }{
		{"service name", "", "setup-service"},
		{"HIVE_PROJECT_NAME", "named-by-env", "named-by-env"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			resetGlobals(t)
			host, store := startHive(t)
			t.Setenv(hive.EnvHost, host)
			t.Setenv(hive.EnvAPIKey, hiveTestKey)
			t.Setenv(hive.EnvAPISecret, hiveTestSecret)
			t.Setenv(hive.EnvProjectName, tc.envName)

			shutdown, err := otelsetup.Setup(context.Background(),
				otelsetup.WithServiceName("setup-service"),
				otelsetup.WithSpanExporter(tracetest.NewInMemoryExporter()),
				otelsetup.WithMetricReader(sdkmetric.NewManualReader()),
				otelsetup.WithRecordProcessorOptions(exporter.WithBatchTimeout(10*time.Millisecond)))
			require.NoError(t, err)
			want := runTask(t, "getUserReport")
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			require.NoError(t, shutdown(sctx))

			projectUUID := uuid.NewSHA1(uuid.NameSpaceURL, []byte("hivetrace:project:"+tc.project)).String()
			e, err := store.GetLog(context.Background(), server.LogKey{ProjectUUID: projectUUID, TaskName: want.TaskName, UUID: want.UUID})
			require.NoError(t, err, "record stored in the project named %q", tc.project)
			assert.Equal(t, tc.project, e.ProjectName)
			var got otelrecord.ExecutionRecord
			require.NoError(t, json.Unmarshal(e.Record, &got))
			requireSameRecord(t, want, &got)
		})
	}
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
			resetGlobals(t)
			setHiveEnv(t, host, tc.key, tc.secret)
			exp := tracetest.NewInMemoryExporter()
			var (
				mu   sync.Mutex
				errs []string
			)
			otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
				mu.Lock()
				errs = append(errs, err.Error())
				mu.Unlock()
			}))
			t.Cleanup(func() { otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {})) })
			shutdown, err := otelsetup.Setup(context.Background(),
				otelsetup.WithSpanExporter(exp), otelsetup.WithMetricReader(sdkmetric.NewManualReader()))
			require.NoError(t, err)
			mu.Lock()
			if tc.warns {
				require.Len(t, errs, 1)
				assert.Contains(t, errs[0], "HIVE_API_SECRET")
			} else {
				assert.Empty(t, errs)
			}
			mu.Unlock()
			w := runTask(t, "lonely")
			tp, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider)
			require.True(t, ok, "the global TracerProvider is %T", otel.GetTracerProvider())
			require.NoError(t, tp.ForceFlush(context.Background()))
			assert.NotEmpty(t, exp.GetSpans(), "spans are still exported")
			require.NoError(t, shutdown(context.Background()))
			_, err = store.GetLog(context.Background(), server.LogKey{TaskName: w.TaskName, UUID: w.UUID})
			require.ErrorIs(t, err, server.ErrNotStored)
		})
	}
}

// TestSetupHiveSinkInvalidHost: a HIVE_HOST that is not an http(s) URL makes
// Setup fail and install nothing.
func TestSetupHiveSinkInvalidHost(t *testing.T) {
	cleanEnv(t)
	resetGlobals(t)
	setHiveEnv(t, "ftp://example.invalid", hiveTestKey, hiveTestSecret)
	shutdown, err := otelsetup.Setup(context.Background(),
		otelsetup.WithSpanExporter(tracetest.NewInMemoryExporter()),
		otelsetup.WithMetricReader(sdkmetric.NewManualReader()))
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
	resetGlobals(t)
	sink := &collector{}
	shutdown, err := otelsetup.Setup(context.Background(), otelsetup.WithSink(sink),
		otelsetup.WithSpanExporter(tracetest.NewInMemoryExporter()),
		otelsetup.WithMetricReader(sdkmetric.NewManualReader()))
	require.NoError(t, err)
	w := runTask(t, "mine")
	require.NoError(t, shutdown(context.Background()))
	require.NotNil(t, sink.get(w.UUID))
	_, err = store.GetLog(context.Background(), server.LogKey{TaskName: w.TaskName, UUID: w.UUID})
	require.ErrorIs(t, err, server.ErrNotStored)
}

// runTask runs a task named name with one boundary called twice (the second
// call fails), on the global TracerProvider, and returns its record.
func runTask(t *testing.T, name string) *otelrecord.ExecutionRecord {
	t.Helper()
	fetch := boundary.New("fetchUser", func(_ context.Context, id int) (string, error) {
		if id > 10 {
			return "", fmt.Errorf("user %d not found", id)
		}
		return "Ada", nil
	})
	tk := task.New(name, func(ctx context.Context, in struct{ UserID int }) (string, error) {
		u, _ := fetch.Call(ctx, in.UserID)
		_, err := fetch.Call(ctx, 99)
		return u, err
	}, task.WithBoundaries(fetch))
	_, rec, _ := tk.SafeRun(context.Background(), struct{ UserID int }{1})
	require.NotNil(t, rec)
	return rec
}
