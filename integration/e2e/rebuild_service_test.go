package e2e_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/exporter/otelsetup"
	"github.com/hivetrace/hivetrace/integration/internal/jaegertest"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// TestRebuildService sends the scenarios' runs, twice over, through
// otelsetup.Setup's OTLP gRPC exporter to a real Jaeger, and has "hive
// rebuild --service" find their traces by service and time range, with a
// limit low enough that Jaeger's answers are capped and the range is split:
// every record comes back once, equal to the one the run returned, and
// "--send" run twice stores them once.
func TestRebuildService(t *testing.T) {
	j := jaegertest.Start(t)
	if j == nil {
		return
	}
	const service = "e2e-rebuild-service"
	cleanEnv(t)
	resetGlobals(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+j.OTLPGRPCEndpoint())
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	t.Setenv("OTEL_METRICS_EXPORTER", "none")
	t.Setenv("OTEL_SERVICE_NAME", service)
	shutdown, err := otelsetup.Setup(context.Background(), otelsetup.WithSink(&collector{}))
	require.NoError(t, err)

	s := newScenarios()
	s.run(context.Background(), t)
	// Apart by far more than the narrowest window, so that windows holding
	// the runs of one pass only answer fewer traces than the limit.
	time.Sleep(50 * time.Millisecond)
	s.run(context.Background(), t)
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	require.NoError(t, shutdown(ctx), "shutdown flushes the spans to Jaeger")

	records := s.all()
	ids, spans, _ := traces(t, records)
	for _, id := range ids {
		_, err := j.WaitTrace(ctx, id, spans[id])
		require.NoError(t, err, "trace %s with %d spans", id, spans[id])
	}
	limit := len(ids)/2 + 1 // more than the traces of one pass, fewer than all
	require.Greater(t, len(ids), limit)

	args := []string{"rebuild", "--jaeger", j.QueryURL(), "--service", service, "--since", "10m", "--limit", strconv.Itoa(limit)}
	code, stdout, stderr := runHive(t, hiveEnv(), append(args, "--json")...)
	require.Equal(t, 0, code, stderr)
	got := make(map[string]*otelrecord.ExecutionRecord)
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r otelrecord.ExecutionRecord
		require.NoError(t, json.Unmarshal([]byte(line), &r), line)
		require.NotContains(t, got, r.UUID, "record %s printed once", r.UUID)
		got[r.UUID] = &r
	}
	require.Len(t, got, len(records))
	for _, w := range records {
		requireSameRecord(t, w, got[w.UUID], "hive rebuild --service: record %s of %s", w.UUID, w.TaskName)
	}
	assert.NotContains(t, stderr, "may be missed")
	summary := lastLine(stderr)
	assert.Regexp(t, `^hive rebuild: `+strconv.Itoa(len(ids))+` traces read in \d+ windows, `+strconv.Itoa(len(records))+` records rebuilt, 0 incomplete$`, summary)
	assert.NotRegexp(t, ` in 1 window,`, summary, "the range was split")
	t.Logf("hive rebuild --service: %s", summary)

	// Sent to a real Hive twice: stored once.
	srv := startHiveServe(t, "127.0.0.1:0", filepath.Join(t.TempDir(), "hive.db"))
	sendEnv := hiveEnv("HIVE_HOST="+srv.URL, hiveKeyEnv, hiveSecretEnv, "HIVE_PROJECT_UUID="+hiveProject)
	n := strconv.Itoa(len(records))
	code, stdout, stderr = runHive(t, sendEnv, append(args, "--send")...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, len(records), strings.Count(stdout, "sent "))
	assert.Regexp(t, n+` records rebuilt, 0 incomplete, `+n+` sent, 0 already stored$`, lastLine(stderr))
	code, stdout, stderr = runHive(t, sendEnv, append(args, "--send")...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, len(records), strings.Count(stdout, "already stored "))
	assert.Regexp(t, n+` records rebuilt, 0 incomplete, 0 sent, `+n+` already stored$`, lastLine(stderr))
	for _, w := range records {
		code, out, stderr := runHive(t, sendEnv, "logs", "show", w.TaskName, w.UUID)
		require.Equal(t, 0, code, stderr)
		var stored otelrecord.ExecutionRecord
		require.NoError(t, json.NewDecoder(strings.NewReader(out)).Decode(&stored))
		requireSameRecord(t, w, &stored)
	}
}

// lastLine is the last line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
