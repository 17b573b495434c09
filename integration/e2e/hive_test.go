package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/hivesink"
	"github.com/hivetrace/hivetrace/exporter/otelsetup"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
	"github.com/hivetrace/hivetrace/internal/recordfmt"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// flushTimeout bounds the shutdowns that deliver records; it only keeps a
// broken pipeline from hanging the test.
const flushTimeout = time.Minute

// TestHiveEndToEnd: tasks → record processor (otelsetup.Setup, configured by
// the HIVE_* environment alone) → Hive sink → a real "hive serve" → "hive
// logs show", which prints each record, equal to the one the run returned,
// and its boundary timing table.
func TestHiveEndToEnd(t *testing.T) {
	cleanEnv(t)
	resetGlobals(t)
	srv := startHiveServe(t, "127.0.0.1:0", filepath.Join(t.TempDir(), "hive.db"))
	t.Setenv("HIVE_HOST", srv.URL)
	t.Setenv("HIVE_API_KEY", hiveKey)
	t.Setenv("HIVE_API_SECRET", hiveSecret)
	t.Setenv("HIVE_PROJECT_UUID", hiveProject)
	t.Setenv("HIVE_PROJECT_NAME", "e2e")

	shutdown, err := otelsetup.Setup(context.Background(),
		otelsetup.WithServiceName("e2e"),
		otelsetup.WithSpanExporter(tracetest.NewInMemoryExporter()),
		otelsetup.WithMetricReader(sdkmetric.NewManualReader()),
		otelsetup.WithRecordProcessorOptions(exporter.WithBatchTimeout(10*time.Millisecond)))
	require.NoError(t, err)

	s := newScenarios()
	top := s.run(context.Background(), t)
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	// Shutdown flushes the record processor, which delivers everything
	// queued through the Hive sink before it returns.
	require.NoError(t, shutdown(ctx))

	env := hiveEnv("HIVE_HOST="+srv.URL, hiveKeyEnv, hiveSecretEnv, "HIVE_PROJECT_UUID="+hiveProject)
	records := s.all()
	require.Len(t, records, len(top)+2, "the nested run made two child records")
	for _, want := range records {
		code, stdout, stderr := runHive(t, env, "logs", "show", want.TaskName, want.UUID)
		require.Equal(t, 0, code, "hive logs show %s %s: %s", want.TaskName, want.UUID, stderr)

		dec := json.NewDecoder(strings.NewReader(stdout))
		var got otelrecord.ExecutionRecord
		require.NoError(t, dec.Decode(&got), "the output starts with the record: %s", stdout)
		requireSameRecord(t, want, &got, "hive logs show %s %s", want.TaskName, want.UUID)

		var table bytes.Buffer
		require.NoError(t, recordfmt.WriteTimingTable(&table, want))
		printed := strings.TrimLeft(stdout[dec.InputOffset():], "\n")
		assert.Equal(t, table.String(), printed, "the timing table of %s", want.UUID)
		t.Logf("hive logs show %s %s:\n%s", want.TaskName, want.UUID, printed)
	}
	// The table shows every boundary call with its timing.
	_, stdout, _ := runHive(t, env, "logs", "show", "dailyDigest", top["nested"].UUID)
	for _, w := range []string{"BOUNDARY", "DURATION (ms)", "clock", "getUserReport", "ok"} {
		assert.Contains(t, stdout, w)
	}
	_, stdout, _ = runHive(t, env, "logs", "show", "getUserReport", top["boundary error"].UUID)
	assert.Contains(t, stdout, "error: user 99: not found")

	code, stdout, stderr := runHive(t, env, "logs", "list", "--task", "getUserReport", "--limit", "100")
	require.Equal(t, 0, code, stderr)
	for _, r := range records {
		if r.TaskName == "getUserReport" {
			assert.Equal(t, 1, strings.Count(stdout, r.UUID), "listed once: %s", r.UUID)
		}
	}
}

// TestHiveOutage stops the real server (its SQLite file stays), produces
// records through the record processor and the Hive sink while it is down,
// starts it again on the same port with the same database, and finds every
// record stored exactly once: the processor's queue holds the runs while the
// sink retries within the export timeout.
func TestHiveOutage(t *testing.T) {
	cleanEnv(t)
	resetGlobals(t)
	db := filepath.Join(t.TempDir(), "hive.db")
	srv := startHiveServe(t, "127.0.0.1:0", db)

	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	client, err := hive.NewLogClient(hive.Config{
		ProjectName: "e2e", ProjectUUID: hiveProject, APIKey: hiveKey, APISecret: hiveSecret, Host: srv.URL,
		HTTPClient: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		Logger:     slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	// The sink's and the processor's counters, readable after Shutdown.
	metrics := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(metrics))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	sink := hivesink.New(client, hivesink.WithBackoff(20*time.Millisecond, 250*time.Millisecond), hivesink.WithMeterProvider(mp))
	shutdown, err := otelsetup.Setup(context.Background(),
		otelsetup.WithSink(sink),
		otelsetup.WithSpanExporter(tracetest.NewInMemoryExporter()),
		otelsetup.WithMetricReader(sdkmetric.NewManualReader()),
		otelsetup.WithRecordProcessorOptions(exporter.WithMeterProvider(mp), exporter.WithBatchTimeout(10*time.Millisecond),
			exporter.WithMaxExportBatchSize(8), exporter.WithExportTimeout(flushTimeout)))
	require.NoError(t, err)
	shutdownOnce := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
		defer cancel()
		if shutdown == nil {
			return nil
		}
		defer func() { shutdown = nil }()
		return shutdown(ctx)
	}
	t.Cleanup(func() { _ = shutdownOnce() })

	ctx := context.Background()
	s := newScenarios()
	s.run(ctx, t) // before the outage
	delivered := func() int64 { return counterValue(t, metrics, hivesink.DeliveredCounter) }
	waitFor(t, "the records made before the outage are delivered", func() bool {
		return delivered() == int64(len(s.all()))
	})
	before := len(s.all())

	srv.stop(t)
	for range 3 { // during the outage
		s.run(ctx, t)
	}
	waitFor(t, "the sink retries while the server is down", func() bool {
		return counterValue(t, metrics, hivesink.RetriesCounter) > 0
	})
	assert.Equal(t, int64(before), delivered(), "nothing delivered during the outage")

	srv = startHiveServe(t, srv.Addr, db)
	s.run(ctx, t) // after the outage
	require.NoError(t, shutdownOnce())
	srv.stop(t)

	records := s.all()
	t.Logf("outage: %d records, %d retries", len(records), counterValue(t, metrics, hivesink.RetriesCounter))
	assert.Equal(t, int64(len(records)), delivered())
	assert.Zero(t, counterValue(t, metrics, exporter.DroppedRecordsCounter), "the processor dropped nothing")

	// The database, read once the server has stopped: every record exactly
	// once, equal to the record its run returned.
	store, err := sqlitestore.Open(ctx, db)
	require.NoError(t, err)
	defer store.Close()
	count := map[string]int{}
	for _, name := range []string{"getUserReport", "dailyDigest"} {
		entries, err := store.ListLogs(ctx, server.LogQuery{ProjectUUID: hiveProject, TaskName: name})
		require.NoError(t, err)
		for _, e := range entries {
			count[e.UUID]++
		}
	}
	assert.Len(t, count, len(records), "no record lost, none extra")
	for _, want := range records {
		require.Equal(t, 1, count[want.UUID], "record %s of %s stored once", want.UUID, want.TaskName)
		e, err := store.GetLog(ctx, server.LogKey{ProjectUUID: hiveProject, TaskName: want.TaskName, UUID: want.UUID})
		require.NoError(t, err)
		var got otelrecord.ExecutionRecord
		require.NoError(t, json.Unmarshal(e.Record, &got))
		requireSameRecord(t, want, &got)
	}
}

// counterValue returns the sum of the data points of the named counter.
func counterValue(t *testing.T, reader *sdkmetric.ManualReader, name string) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == name {
				for _, dp := range sum.DataPoints {
					n += dp.Value
				}
			}
		}
	}
	return n
}

// waitFor polls cond until it holds; the deadline only keeps a broken test
// from hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(flushTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
