package jaegertest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestRenderConfig(t *testing.T) {
	ep := endpoints{OTLPGRPC: "127.0.0.1:1001", OTLPHTTP: "127.0.0.1:1002", QueryHTTP: "127.0.0.1:1003", QueryGRPC: "127.0.0.1:1004"}
	out, err := renderConfig(ep)
	require.NoError(t, err)

	var cfg struct {
		Service struct {
			Extensions []string `yaml:"extensions"`
			Pipelines  map[string]struct {
				Receivers []string `yaml:"receivers"`
				Exporters []string `yaml:"exporters"`
			} `yaml:"pipelines"`
		} `yaml:"service"`
		Extensions struct {
			Query struct {
				EnableTracing *bool `yaml:"enable_tracing"`
				Storage       struct {
					Traces string `yaml:"traces"`
				} `yaml:"storage"`
				HTTP struct{ Endpoint string } `yaml:"http"`
				GRPC struct{ Endpoint string } `yaml:"grpc"`
			} `yaml:"jaeger_query"`
			Storage struct {
				Backends map[string]struct {
					Memory struct {
						MaxTraces int `yaml:"max_traces"`
					} `yaml:"memory"`
				} `yaml:"backends"`
			} `yaml:"jaeger_storage"`
		} `yaml:"extensions"`
		Receivers struct {
			OTLP struct {
				Protocols struct {
					GRPC struct{ Endpoint string } `yaml:"grpc"`
					HTTP struct{ Endpoint string } `yaml:"http"`
				} `yaml:"protocols"`
			} `yaml:"otlp"`
		} `yaml:"receivers"`
	}
	require.NoError(t, yaml.Unmarshal(out, &cfg))

	assert.Equal(t, []string{"jaeger_storage", "jaeger_query"}, cfg.Service.Extensions)
	assert.Equal(t, []string{"otlp"}, cfg.Service.Pipelines["traces"].Receivers)
	assert.Equal(t, []string{"jaeger_storage_exporter"}, cfg.Service.Pipelines["traces"].Exporters)
	assert.Equal(t, ep.OTLPGRPC, cfg.Receivers.OTLP.Protocols.GRPC.Endpoint)
	assert.Equal(t, ep.OTLPHTTP, cfg.Receivers.OTLP.Protocols.HTTP.Endpoint)
	assert.Equal(t, ep.QueryHTTP, cfg.Extensions.Query.HTTP.Endpoint)
	assert.Equal(t, ep.QueryGRPC, cfg.Extensions.Query.GRPC.Endpoint)
	require.NotNil(t, cfg.Extensions.Query.EnableTracing, "Jaeger's self-tracing must be off")
	assert.False(t, *cfg.Extensions.Query.EnableTracing)
	backend := cfg.Extensions.Query.Storage.Traces
	require.Contains(t, cfg.Extensions.Storage.Backends, backend)
	assert.Equal(t, defaultMaxTraces, cfg.Extensions.Storage.Backends[backend].Memory.MaxTraces)
}
