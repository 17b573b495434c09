package e2e_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/otelsetup"
	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// TestSetupOTLPTransportToHive runs Setup with HIVE_TRANSPORT=otlp and a
// sampler that drops every trace: the run-span processor sends the spans of
// every run to a real Hive server's POST /v1/traces, which rebuilds and
// stores each record, equal to the one the run returned, under the project
// the environment names.
func TestSetupOTLPTransportToHive(t *testing.T) {
	cleanEnv(t)
	resetGlobals(t)
	host, store := startHive(t)
	setHiveEnv(t, host, hiveTestKey, hiveTestSecret)
	t.Setenv(otelsetup.EnvTransport, otelsetup.TransportOTLP)
	t.Setenv("OTEL_TRACES_SAMPLER", "always_off")
	spans := tracetest.NewInMemoryExporter()
	shutdown, err := otelsetup.Setup(context.Background(),
		otelsetup.WithSpanExporter(spans),
		otelsetup.WithMetricReader(sdkmetric.NewManualReader()),
		otelsetup.WithRecordProcessorOptions(exporter.WithBatchTimeout(10*time.Millisecond)))
	require.NoError(t, err)

	ctx := context.Background()
	s := newScenarios()
	s.run(ctx, t)
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, shutdown(sctx))
	assert.Empty(t, spans.GetSpans(), "no trace was sampled")

	want := s.all()
	require.Len(t, want, 7, "five scenarios, two of them with a nested run")
	for _, w := range want {
		var e server.StoredLog
		require.Eventually(t, func() bool {
			e, err = store.GetLog(ctx, server.LogKey{ProjectUUID: hiveTestProject, TaskName: w.TaskName, UUID: w.UUID})
			return err == nil
		}, 10*time.Second, 10*time.Millisecond, "record %s of %s stored: %v", w.UUID, w.TaskName, err)
		assert.Equal(t, "setup-test", e.ProjectName)
		var got otelrecord.ExecutionRecord
		require.NoError(t, json.Unmarshal(e.Record, &got))
		requireSameRecord(t, w, &got, "record %s of %s", w.UUID, w.TaskName)
	}
}
