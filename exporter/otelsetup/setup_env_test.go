package otelsetup

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clearOTLPEnv unsets the variables that choose an exporter.
func clearOTLPEnv(t *testing.T) {
	for _, k := range []string{envTracesExporter, envMetricsExporter, envOTLPProtocol,
		envOTLPTracesProtocol, envOTLPMetricsProtocol, envMetricsProducers} {
		t.Setenv(k, "")
	}
	// Keep any exporter the tests build away from real collectors.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
}

func TestSpanExporterDefaultsToGRPC(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string // the exporter's client type, or its type
	}{
		{"nothing set", nil, "otlptracegrpc"},
		{"otlp without protocol", map[string]string{envTracesExporter: "otlp"}, "otlptracegrpc"},
		{"explicit http", map[string]string{envOTLPProtocol: "http/protobuf"}, "otlptracehttp"},
		{"explicit traces http", map[string]string{envOTLPTracesProtocol: "http/protobuf"}, "otlptracehttp"},
		{"traces grpc over general http", map[string]string{envOTLPProtocol: "http/protobuf", envOTLPTracesProtocol: "grpc"}, "otlptracegrpc"},
		{"console", map[string]string{envTracesExporter: "console"}, "stdouttrace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearOTLPEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			e, err := newSpanExporter(context.Background())
			require.NoError(t, err)
			t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
			desc := fmt.Sprintf("%T", e)
			if m, ok := e.(interface{ MarshalLog() any }); ok {
				desc += fmt.Sprintf(" %+v", m.MarshalLog())
			}
			assert.Contains(t, desc, tt.want)
		})
	}
}

func TestMetricReaderFromEnv(t *testing.T) {
	for _, env := range []map[string]string{
		nil,
		{envOTLPProtocol: "http/protobuf"},
		{envMetricsExporter: "none"},
	} {
		t.Run(fmt.Sprint(env), func(t *testing.T) {
			clearOTLPEnv(t)
			for k, v := range env {
				t.Setenv(k, v)
			}
			r, err := newMetricReader(context.Background())
			require.NoError(t, err)
			require.NotNil(t, r)
			require.NoError(t, r.Shutdown(context.Background()))
		})
	}
}

func TestOTLPGRPCByDefault(t *testing.T) {
	clearOTLPEnv(t)
	assert.True(t, otlpGRPCByDefault(envTracesExporter, envOTLPTracesProtocol))
	t.Setenv(envMetricsExporter, "prometheus")
	assert.False(t, otlpGRPCByDefault(envMetricsExporter, envOTLPMetricsProtocol))
	t.Setenv(envOTLPProtocol, "grpc")
	assert.False(t, otlpGRPCByDefault(envTracesExporter, envOTLPTracesProtocol),
		"an explicit protocol goes through autoexport")
}
