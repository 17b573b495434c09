package jaegertest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// forwarderConfig is a Collector configuration: OTLP in on addrs[0] (gRPC)
// and addrs[1] (HTTP), traces out over OTLP gRPC to jaeger.
func forwarderConfig(jaeger string) ConfigFunc {
	return func(addrs []string) ([]byte, error) {
		return fmt.Appendf(nil, `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: %q}
      http: {endpoint: %q}
exporters:
  otlp:
    endpoint: %q
    tls: {insecure: true}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [otlp]}
  telemetry:
    metrics: {level: none}
    logs: {level: warn}
`, addrs[0], addrs[1], jaeger), nil
	}
}

// TestStartProcessAsCollector runs the binary as a Collector in front of a
// Jaeger: a span sent to the Collector's OTLP HTTP receiver comes back from
// the Jaeger's query API.
func TestStartProcessAsCollector(t *testing.T) {
	j := Start(t)
	var got []string
	p := StartProcess(t, 2, func(addrs []string) ([]byte, error) {
		got = addrs
		return forwarderConfig(j.OTLPGRPCEndpoint())(addrs)
	})
	require.Len(t, got, 2)
	assert.NotEqual(t, got[0], got[1])
	assert.Equal(t, got, p.Addrs())
	for _, a := range got {
		assert.Regexp(t, `^127\.0\.0\.1:\d+$`, a)
	}

	exp, err := otlptracehttp.New(t.Context(), otlptracehttp.WithEndpoint(p.Addrs()[1]), otlptracehttp.WithInsecure())
	require.NoError(t, err)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	_, span := tp.Tracer("jaegertest").Start(t.Context(), "through-the-collector")
	span.End()
	require.NoError(t, tp.Shutdown(t.Context()))

	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	spans, err := j.WaitTrace(ctx, span.SpanContext().TraceID().String(), 1)
	require.NoError(t, err, "collector output:\n%s", p.Log())
	assert.Equal(t, "through-the-collector", spans[0].Name)
}

func TestStartProcessWithoutBinary(t *testing.T) {
	t.Setenv(EnvBinary, t.TempDir()+"/missing-jaeger")
	config := func([]string) ([]byte, error) { return nil, errors.New("not called") }

	t.Run("skips outside CI", func(t *testing.T) {
		t.Setenv("CI", "")
		f := &fakeTB{TB: t}
		assert.Nil(t, StartProcess(f, 1, config))
		assert.Contains(t, f.skipped, "jaeger binary not found")
		assert.Empty(t, f.fatal)
	})

	t.Run("fails in CI", func(t *testing.T) {
		t.Setenv("CI", "true")
		f := &fakeTB{TB: t}
		assert.Nil(t, StartProcess(f, 1, config))
		assert.Contains(t, f.fatal, "required when CI=true")
		assert.Empty(t, f.skipped)
	})
}

// TestStartProcessFailsOnItsConfiguration: with the binary present, a
// configuration that cannot be made, or that the process refuses, fails the
// test (never skips it), with the reason.
func TestStartProcessFailsOnItsConfiguration(t *testing.T) {
	t.Setenv("CI", "")
	ok := func([]string) ([]byte, error) { return []byte("receivers: {}\n"), nil }

	t.Run("config error", func(t *testing.T) {
		t.Setenv(EnvBinary, writeScript(t, "exit 0"))
		f := &fakeTB{TB: t}
		assert.Nil(t, StartProcess(f, 1, func([]string) ([]byte, error) { return nil, errors.New("no template") }))
		assert.Contains(t, f.fatal, "no template")
		assert.Empty(t, f.skipped)
	})

	t.Run("refused by the process", func(t *testing.T) {
		t.Setenv(EnvBinary, writeScript(t, "echo 'unknown processor' >&2\nexit 1"))
		f := &fakeTB{TB: t}
		assert.Nil(t, StartProcess(f, 1, ok))
		assert.Contains(t, f.fatal, "exited before serving")
		assert.Contains(t, f.fatal, "unknown processor")
		assert.Empty(t, f.skipped)
		assert.Empty(t, f.logs, "no retry for an error other than address in use")
	})

	t.Run("retries on address already in use", func(t *testing.T) {
		t.Setenv(EnvBinary, writeScript(t, "echo 'listen tcp 127.0.0.1:1: bind: address already in use' >&2\nexit 1"))
		f := &fakeTB{TB: t}
		assert.Nil(t, StartProcess(f, 1, ok))
		assert.Len(t, f.logs, startAttempts-1)
		assert.Contains(t, f.fatal, "address already in use")
	})
}
