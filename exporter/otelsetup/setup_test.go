package otelsetup_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/exporter/otelsetup"
	"github.com/hivetrace/hivetrace/internal/fidelity"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// keepGlobals leaves no-op OTel globals behind instead of the providers Setup
// installs (the original delegating globals cannot be put back).
func keepGlobals(t *testing.T) {
	t.Cleanup(func() {
		otel.SetTracerProvider(tracenoop.NewTracerProvider())
		otel.SetMeterProvider(metricnoop.NewMeterProvider())
		otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator())
	})
}

// flushGlobal flushes the global TracerProvider Setup installed. The
// in-memory exporter forgets its spans on Shutdown: read them before.
func flushGlobal(t *testing.T) {
	t.Helper()
	tp, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider)
	require.True(t, ok, "the global TracerProvider is %T", otel.GetTracerProvider())
	require.NoError(t, tp.ForceFlush(context.Background()))
}

// cleanEnv unsets the OTEL_* variables Setup reads.
func cleanEnv(t *testing.T) {
	for _, k := range []string{"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER",
		"OTEL_TRACES_SAMPLER_ARG", "OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER",
		"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"} {
		t.Setenv(k, "")
	}
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	t.Setenv("HIVE_API_KEY", "") // no Hive sink unless a test asks for one
	for _, k := range []string{otelsetup.EnvQueueBytes, otelsetup.EnvSenders, otelsetup.EnvBatchRecords, otelsetup.EnvBatchBytes,
		otelsetup.EnvSpoolDir, otelsetup.EnvSpoolBytes, otelsetup.EnvShutdownTimeout, otelsetup.EnvTransport} {
		t.Setenv(k, "")
	}
}

type setupRig struct {
	exp      *tracetest.InMemoryExporter
	reader   *sdkmetric.ManualReader
	sink     *collector
	shutdown func(context.Context) error
}

func setupForTest(t *testing.T, opts ...otelsetup.Option) *setupRig {
	t.Helper()
	keepGlobals(t)
	r := &setupRig{exp: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader(), sink: &collector{}}
	opts = append([]otelsetup.Option{
		otelsetup.WithSpanExporter(r.exp), otelsetup.WithMetricReader(r.reader), otelsetup.WithSink(r.sink),
	}, opts...)
	var err error
	r.shutdown, err = otelsetup.Setup(context.Background(), opts...)
	require.NoError(t, err)
	return r
}

func TestSetupInstallsGlobals(t *testing.T) {
	cleanEnv(t)
	r := setupForTest(t, otelsetup.WithServiceName("reports"))

	tp, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider)
	require.True(t, ok, "the global TracerProvider is %T", otel.GetTracerProvider())
	_, ok = otel.GetMeterProvider().(*sdkmetric.MeterProvider)
	require.True(t, ok, "the global MeterProvider is %T", otel.GetMeterProvider())
	assert.ElementsMatch(t, []string{"traceparent", "tracestate", "baggage"}, otel.GetTextMapPropagator().Fields())
	var _ propagation.TextMapPropagator = otel.GetTextMapPropagator()

	want := runTask(t, "viaSetup")
	hist, err := otel.Meter("test").Int64Counter("test.counter")
	require.NoError(t, err)
	hist.Add(context.Background(), 1)

	require.NoError(t, tp.ForceFlush(context.Background()))
	spans := r.exp.GetSpans()
	require.NotEmpty(t, spans, "sampled spans reach the span exporter")
	name, _ := spans[0].Resource.Set().Value(semconv.ServiceNameKey)
	assert.Equal(t, "reports", name.AsString())
	_, hasSDK := spans[0].Resource.Set().Value(semconv.TelemetrySDKNameKey)
	assert.True(t, hasSDK)

	var rm metricdata.ResourceMetrics
	require.NoError(t, r.reader.Collect(context.Background(), &rm))
	name, _ = rm.Resource.Set().Value(semconv.ServiceNameKey)
	assert.Equal(t, "reports", name.AsString())

	require.NoError(t, r.shutdown(context.Background()))
	recs := r.sink.records()
	require.Len(t, recs, 1)
	fidelity.AssertIn(t, recs, want)
	assert.Equal(t, 1, r.sink.shutdowns, "shutdown shuts the sink down")
	assert.ErrorIs(t, r.reader.Collect(context.Background(), &rm), sdkmetric.ErrReaderShutdown)
}

func TestSetupServiceName(t *testing.T) {
	tests := []struct {
		name, serviceEnv, attrsEnv, option string
		want                               string
	}{
		{"option", "", "", "opt", "opt"},
		{"OTEL_SERVICE_NAME wins", "env", "service.name=attrs", "opt", "env"},
		{"OTEL_RESOURCE_ATTRIBUTES over option", "", "service.name=attrs,team=core", "opt", "attrs"},
		{"default", "", "", "", "unknown_service:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			t.Setenv("OTEL_SERVICE_NAME", tt.serviceEnv)
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", tt.attrsEnv)
			r := setupForTest(t, otelsetup.WithServiceName(tt.option))
			_, span := otel.Tracer("test").Start(context.Background(), "s")
			span.End()
			flushGlobal(t)
			spans := r.exp.GetSpans()
			require.NoError(t, r.shutdown(context.Background()))
			require.Len(t, spans, 1)
			name, _ := spans[0].Resource.Set().Value(semconv.ServiceNameKey)
			assert.Contains(t, name.AsString(), tt.want)
		})
	}
}

func TestSetupRatioZeroFromEnv(t *testing.T) {
	cleanEnv(t)
	t.Setenv("OTEL_TRACES_SAMPLER", "traceidratio")
	t.Setenv("OTEL_TRACES_SAMPLER_ARG", "0")
	r := setupForTest(t)
	var wants []*otelrecord.ExecutionRecord
	for i := range 20 {
		wants = append(wants, runTask(t, strconv.Itoa(i)))
	}
	flushGlobal(t)
	assert.Empty(t, r.exp.GetSpans(), "the exporter receives no span")
	require.NoError(t, r.shutdown(context.Background()))
	got := r.sink.records()
	require.Len(t, got, len(wants))
	for _, w := range wants {
		fidelity.AssertIn(t, got, w)
	}
}

func TestSetupRejectsInvalidEnv(t *testing.T) {
	tests := []struct {
		name, key, value string
		is               error
	}{
		{"sampler", "OTEL_TRACES_SAMPLER", "sometimes", otelsetup.ErrInvalidSampler},
		{"sampler arg", "OTEL_TRACES_SAMPLER_ARG", "lots", otelsetup.ErrInvalidSampler},
		{"traces exporter", "OTEL_TRACES_EXPORTER", "carrier-pigeon", nil},
		{"protocol", "OTEL_EXPORTER_OTLP_PROTOCOL", "smoke-signals", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			keepGlobals(t)
			if tt.key == "OTEL_TRACES_SAMPLER_ARG" {
				t.Setenv("OTEL_TRACES_SAMPLER", "traceidratio")
			}
			t.Setenv(tt.key, tt.value)
			before := otel.GetTracerProvider()
			shutdown, err := otelsetup.Setup(context.Background())
			require.Error(t, err)
			assert.Nil(t, shutdown)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.Equal(t, before, otel.GetTracerProvider(), "nothing is installed")
		})
	}
}

// TestSetupWithoutCollector runs tasks through Setup's own OTLP gRPC
// exporters pointed at a loopback port nobody listens on: tasks run, every
// record is delivered, and a short shutdown returns promptly.
func TestSetupWithoutCollector(t *testing.T) {
	cleanEnv(t)
	keepGlobals(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // now nothing listens there
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+addr)
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "100") // ms: bounds the background retries
	t.Setenv("OTEL_BSP_EXPORT_TIMEOUT", "100")

	sink := &collector{}
	shutdown, err := otelsetup.Setup(context.Background(), otelsetup.WithSink(sink))
	require.NoError(t, err)

	var wants []*otelrecord.ExecutionRecord
	for i := range 20 {
		wants = append(wants, runTask(t, strconv.Itoa(i)))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = shutdown(ctx)
	elapsed := time.Since(start)
	// err may report the unreachable collector; it must not take long.
	t.Logf("shutdown after %v: %v", elapsed, err)
	assert.Less(t, elapsed, 10*time.Second, "shutdown returns once its ctx is done")

	got := sink.records()
	require.Len(t, got, len(wants), "records do not wait for the collector")
	for _, w := range wants {
		fidelity.AssertIn(t, got, w)
	}
}

// collector is a sink that keeps what it is given and counts its
// shutdowns.
type collector struct {
	mu        sync.Mutex
	recs      []*otelrecord.ExecutionRecord
	shutdowns int
}

func (c *collector) Deliver(_ context.Context, recs ...*otelrecord.ExecutionRecord) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recs = append(c.recs, recs...)
	return nil
}

func (c *collector) Shutdown(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shutdowns++
	return nil
}

func (c *collector) records() []*otelrecord.ExecutionRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*otelrecord.ExecutionRecord(nil), c.recs...)
}

// runTask runs a task named name with one boundary called twice, on the
// global TracerProvider, and returns the record the run returned.
func runTask(t *testing.T, name string) *otelrecord.ExecutionRecord {
	t.Helper()
	fetch := boundary.New("fetchUser", func(_ context.Context, id int) (string, error) {
		if id > 10 {
			return "", fmt.Errorf("user %d not found", id)
		}
		return "Ada", nil
	})
	tk := task.New("report"+name, func(ctx context.Context, in struct{ UserID int }) (string, error) {
		u, _ := fetch.Call(ctx, in.UserID)
		_, err := fetch.Call(ctx, 99)
		return u, err
	}, task.WithBoundaries(fetch))
	_, rec, _ := tk.SafeRun(context.Background(), struct{ UserID int }{1})
	require.NotNil(t, rec)
	return rec
}
