package otelsetup_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/exportertest"
	"github.com/hivetrace/hivetrace/exporter/otelsetup"
	"github.com/hivetrace/hivetrace/exporter/otlpsink"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/internal/fidelity"
	"github.com/hivetrace/hivetrace/otelrecord"
)

const testProject = "0193a000-0000-7000-8000-000000000001"

// hiveEnv points the HIVE_* environment at host with credentials and a
// project.
func hiveEnv(t *testing.T, host string) {
	t.Setenv(hive.EnvHost, host)
	t.Setenv(hive.EnvAPIKey, "key-1")
	t.Setenv(hive.EnvAPISecret, "secret-1")
	t.Setenv(hive.EnvProjectUUID, testProject)
	t.Setenv(hive.EnvProjectName, "shop")
	t.Setenv(hive.EnvForgePath, "")
}

func setupOTLP(t *testing.T, opts ...otelsetup.Option) func(context.Context) error {
	t.Helper()
	keepGlobals(t)
	opts = append([]otelsetup.Option{
		otelsetup.WithServiceName("shop-api"),
		otelsetup.WithSpanExporter(tracetest.NewInMemoryExporter()),
		otelsetup.WithMetricReader(sdkmetric.NewManualReader()),
		otelsetup.WithRecordProcessorOptions(exporter.WithBatchTimeout(10 * time.Millisecond)),
	}, opts...)
	shutdown, err := otelsetup.Setup(context.Background(), opts...)
	require.NoError(t, err)
	return shutdown
}

// With HIVE_TRANSPORT=otlp, the spans of every run go to HIVE_HOST/v1/traces
// with the Hive client's credentials and project, unsampled runs included,
// and the records rebuilt from them are the runs' own.
func TestSetupOTLPTransport(t *testing.T) {
	cleanEnv(t)
	recv := exportertest.NewOTLPReceiver(t)
	hiveEnv(t, recv.URL())
	t.Setenv(otelsetup.EnvTransport, "otlp")
	t.Setenv("OTEL_TRACES_SAMPLER", "always_off")
	shutdown := setupOTLP(t)

	var wants []*otelrecord.ExecutionRecord
	for i := range 5 {
		wants = append(wants, runTask(t, strconv.Itoa(i)))
	}
	flushGlobal(t)
	got := recv.Records()
	require.Len(t, got, len(wants))
	for _, w := range wants {
		fidelity.AssertIn(t, got, w)
	}
	reqs := recv.Requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, "Bearer key-1:secret-1", reqs[0].Header.Get("Authorization"))
	assert.True(t, reqs[0].Gzip)
	res := map[string]string{}
	for _, kv := range reqs[0].Body.GetResourceSpans()[0].GetResource().GetAttributes() {
		res[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	assert.Equal(t, "shop-api", res["service.name"])
	assert.Equal(t, testProject, res["hive.project.uuid"])
	assert.Equal(t, "shop", res["hive.project.name"])
	assert.NotEmpty(t, res["telemetry.sdk.name"], "the SDK resource")
	require.NoError(t, shutdown(context.Background()))
}

// An unknown HIVE_TRANSPORT is reported and records go by log-ingest.
func TestSetupUnknownTransportFallsBack(t *testing.T) {
	cleanEnv(t)
	t.Setenv(otelsetup.EnvTransport, "smoke-signals")
	var mu sync.Mutex
	var errs []error
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })

	r := setupForTest(t)
	want := runTask(t, "x")
	require.NoError(t, r.shutdown(context.Background()))
	fidelity.AssertIn(t, r.sink.records(), want)
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, errs)
	assert.ErrorIs(t, errs[0], otelsetup.ErrInvalidSetting)
	assert.Contains(t, errs[0].Error(), `HIVE_TRANSPORT="smoke-signals"`)
}

// Options naming two transports are refused, and nothing is installed.
func TestSetupRefusesTwoTransports(t *testing.T) {
	cleanEnv(t)
	keepGlobals(t)
	before := otel.GetTracerProvider()
	sink, err := otlpsink.New("http://127.0.0.1:1/v1/traces")
	require.NoError(t, err)
	shutdown, err := otelsetup.Setup(context.Background(), otelsetup.WithSpanSink(sink), otelsetup.WithSink(&collector{}))
	require.ErrorIs(t, err, otelsetup.ErrInvalidSetting)
	assert.Nil(t, shutdown)
	_, err = otelsetup.Setup(context.Background(), otelsetup.WithTransport("pigeon"))
	require.ErrorIs(t, err, otelsetup.ErrInvalidSetting)
	assert.Equal(t, before, otel.GetTracerProvider())
}

// With HIVE_SPOOL_DIR, the runs of a program whose Hive was down stay
// spooled, and the next start delivers them: over OTLP, or over log-ingest
// after a change of transport.
func TestSetupOTLPSpool(t *testing.T) {
	cleanEnv(t)
	hiveEnv(t, "http://"+deadAddr(t))
	t.Setenv(otelsetup.EnvTransport, "otlp")
	t.Setenv(otelsetup.EnvSpoolDir, t.TempDir())
	t.Setenv(otelsetup.EnvShutdownTimeout, "300ms")
	shutdown := setupOTLP(t)
	var wants []*otelrecord.ExecutionRecord
	for i := range 4 {
		wants = append(wants, runTask(t, strconv.Itoa(i)))
	}
	var se *exporter.ShutdownError
	require.ErrorAs(t, shutdown(context.Background()), &se)
	assert.Equal(t, 4, se.Spooled)

	recv := exportertest.NewOTLPReceiver(t)
	hiveEnv(t, recv.URL())
	shutdown = setupOTLP(t)
	require.Eventually(t, func() bool { return len(recv.Records()) == 4 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, shutdown(context.Background()))
	for _, w := range wants {
		fidelity.AssertIn(t, recv.Records(), w)
	}

	// A second outage, then a start with the log-ingest transport.
	hiveEnv(t, "http://"+deadAddr(t))
	shutdown = setupOTLP(t)
	want := runTask(t, "later")
	require.ErrorAs(t, shutdown(context.Background()), &se)
	t.Setenv(otelsetup.EnvTransport, "")
	r := setupForTest(t, otelsetup.WithRecordProcessorOptions(exporter.WithBatchTimeout(10*time.Millisecond)))
	require.Eventually(t, func() bool { return len(r.sink.records()) == 1 }, 10*time.Second, 10*time.Millisecond,
		"the record processor delivers the run spooled as spans")
	require.NoError(t, r.shutdown(context.Background()))
	fidelity.AssertIn(t, r.sink.records(), want)
}
