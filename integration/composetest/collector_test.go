package composetest

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// collectorConfig is the part of an OpenTelemetry Collector configuration
// the checks read.
type collectorConfig struct {
	Receivers  map[string]yaml.Node `yaml:"receivers"`
	Processors map[string]yaml.Node `yaml:"processors"`
	Exporters  map[string]yaml.Node `yaml:"exporters"`
	Connectors map[string]yaml.Node `yaml:"connectors"`
	Service    struct {
		Pipelines map[string]struct {
			Receivers  []string `yaml:"receivers"`
			Processors []string `yaml:"processors"`
			Exporters  []string `yaml:"exporters"`
		} `yaml:"pipelines"`
	} `yaml:"service"`
}

type otlpReceiver struct {
	Protocols struct {
		GRPC struct{ Endpoint string } `yaml:"grpc"`
		HTTP struct{ Endpoint string } `yaml:"http"`
	} `yaml:"protocols"`
}

type otlpExporter struct {
	Endpoint string `yaml:"endpoint"`
	TLS      struct {
		Insecure bool `yaml:"insecure"`
	} `yaml:"tls"`
}

// componentType returns the type of a component id "type[/name]".
func componentType(id string) string {
	typ, _, _ := strings.Cut(id, "/")
	return typ
}

// checkCollectorConfig checks the collector configuration at path: OTLP in
// on the standard ports from every interface, every pipeline component
// defined, and traces out to the Jaeger service over OTLP gRPC.
func checkCollectorConfig(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var cfg collectorConfig
	require.NoError(t, yaml.Unmarshal(data, &cfg))

	otlpNode, ok := cfg.Receivers["otlp"]
	require.True(t, ok, "an otlp receiver")
	var otlp otlpReceiver
	require.NoError(t, otlpNode.Decode(&otlp))
	assert.Equal(t, "0.0.0.0:"+strconv.Itoa(OTLPGRPCPort), otlp.Protocols.GRPC.Endpoint)
	assert.Equal(t, "0.0.0.0:"+strconv.Itoa(OTLPHTTPPort), otlp.Protocols.HTTP.Endpoint)

	for name, p := range cfg.Service.Pipelines {
		for _, id := range p.Receivers {
			assert.True(t, defined(cfg.Receivers, id) || defined(cfg.Connectors, id), "pipeline %s: receiver %s not defined", name, id)
		}
		for _, id := range p.Processors {
			assert.True(t, defined(cfg.Processors, id), "pipeline %s: processor %s not defined", name, id)
		}
		for _, id := range p.Exporters {
			assert.True(t, defined(cfg.Exporters, id) || defined(cfg.Connectors, id), "pipeline %s: exporter %s not defined", name, id)
		}
	}

	traces, ok := cfg.Service.Pipelines["traces"]
	require.True(t, ok, "a traces pipeline")
	assert.Contains(t, traces.Receivers, "otlp")
	toJaeger := false
	for _, id := range traces.Exporters {
		if typ := componentType(id); typ != "otlp" && typ != "otlp_grpc" {
			continue
		}
		node := cfg.Exporters[id]
		var exp otlpExporter
		require.NoError(t, node.Decode(&exp))
		host, port, err := net.SplitHostPort(exp.Endpoint)
		require.NoError(t, err, "exporter %s endpoint %q", id, exp.Endpoint)
		if host == JaegerService && port == strconv.Itoa(OTLPGRPCPort) {
			toJaeger = true
			assert.True(t, exp.TLS.Insecure, "exporter %s: Jaeger's OTLP receiver has no TLS", id)
		}
	}
	assert.True(t, toJaeger, "the traces pipeline exports over OTLP gRPC to %s:%d", JaegerService, OTLPGRPCPort)
}

// defined reports whether the component id has a configuration entry.
func defined(m map[string]yaml.Node, id string) bool {
	_, ok := m[id]
	return ok
}

func TestComponentType(t *testing.T) {
	for in, want := range map[string]string{"otlp": "otlp", "otlp_grpc/jaeger": "otlp_grpc", "debug/x/y": "debug"} {
		assert.Equal(t, want, componentType(in), fmt.Sprint(in))
	}
}
