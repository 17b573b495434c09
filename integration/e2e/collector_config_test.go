package e2e_test

import (
	"bytes"
	"fmt"
	"net"
	"testing"
	"text/template"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// collectorTemplate is the configuration of the Jaeger binary run as an
// OpenTelemetry Collector in front of Jaeger and Hive: the pipeline of
// deploy/otel-collector.yaml with test ports and short waits, and the
// component names of the Collector version the binary is built with (0.140:
// otlp and otlphttp, which later versions call otlp_grpc and otlp_http).
//
// One OTLP receiver feeds two trace pipelines. "traces/jaeger" keeps a
// share of whole traces (tail_sampling decides once DecisionWait has passed
// since a trace's first span) and sends them over OTLP gRPC to Jaeger.
// "traces/hive" keeps every span of the convention (hive.kind set), drops
// the others, and sends them over OTLP/HTTP to hive serve with its
// credentials, through a sending queue in memory with retries, so an
// outage of the server delays its records instead of losing them. The
// Collector's own metrics are served on a port of the test, in the
// Prometheus format, for the test to count what each component passed on.
const collectorTemplate = `
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: {{.OTLPGRPC}}
        max_recv_msg_size_mib: 32
      http:
        endpoint: {{.OTLPHTTP}}
processors:
  tail_sampling:
    decision_wait: {{.DecisionWait}}
    policies:
      - name: keep-a-share
        type: probabilistic
        probabilistic: {sampling_percentage: {{.SamplingPercentage}}}
  filter/hive:
    error_mode: ignore
    traces:
      span:
        - 'attributes["hive.kind"] == nil'
exporters:
  otlp/jaeger:
    endpoint: {{.Jaeger}}
    tls: {insecure: true}
  otlphttp/hive:
    endpoint: {{.Hive}}
    headers:
      Authorization: "Bearer {{.Key}}:{{.Secret}}"
    sending_queue:
      enabled: true
      queue_size: 5000
    retry_on_failure:
      enabled: true
      initial_interval: 200ms
      max_interval: 1s
      max_elapsed_time: 2m
service:
  pipelines:
    traces/jaeger:
      receivers: [otlp]
      processors: [tail_sampling]
      exporters: [otlp/jaeger]
    traces/hive:
      receivers: [otlp]
      processors: [filter/hive]
      exporters: [otlphttp/hive]
  telemetry:
    logs:
      level: warn
    metrics:
      level: normal
      readers:
        - pull:
            exporter:
              prometheus:
                host: {{.MetricsHost}}
                port: {{.MetricsPort}}
`

var collectorConfigTemplate = template.Must(template.New("collector.yaml").
	Option("missingkey=error").Parse(collectorTemplate))

// collectorConfig fills collectorTemplate.
type collectorConfig struct {
	// Jaeger is the OTLP gRPC address of the Jaeger back end.
	Jaeger string
	// Hive is hive serve's base URL; the exporter posts to Hive+"/v1/traces".
	Hive string
	// Key and Secret are the credentials hive serve accepts.
	Key, Secret string
	// DecisionWait is how long tail sampling waits after a trace's first
	// span before it decides.
	DecisionWait time.Duration
	// SamplingPercentage is the share of traces kept for Jaeger.
	SamplingPercentage int

	// Filled by render from the addresses StartProcess picked.
	OTLPGRPC, OTLPHTTP       string
	MetricsHost, MetricsPort string
}

// The addresses a collector process listens on, in the order render reads
// them from StartProcess.
const (
	addrOTLPGRPC = iota
	addrOTLPHTTP
	addrMetrics
	collectorAddrs // how many
)

// render is a jaegertest.ConfigFunc.
func (c collectorConfig) render(addrs []string) ([]byte, error) {
	if len(addrs) != collectorAddrs {
		return nil, fmt.Errorf("collector config: %d addresses, want %d", len(addrs), collectorAddrs)
	}
	c.OTLPGRPC, c.OTLPHTTP = addrs[addrOTLPGRPC], addrs[addrOTLPHTTP]
	var err error
	c.MetricsHost, c.MetricsPort, err = net.SplitHostPort(addrs[addrMetrics])
	if err != nil {
		return nil, fmt.Errorf("collector config: %w", err)
	}
	var buf bytes.Buffer
	if err := collectorConfigTemplate.Execute(&buf, c); err != nil {
		return nil, fmt.Errorf("collector config: %w", err)
	}
	return buf.Bytes(), nil
}

// TestCollectorConfigRenders checks the rendered configuration: both
// pipelines from the one receiver, each exporter's destination and the
// Hive exporter's credentials, queue and retry.
func TestCollectorConfigRenders(t *testing.T) {
	c := collectorConfig{
		Jaeger: "127.0.0.1:1", Hive: "http://127.0.0.1:2", Key: "k", Secret: "s",
		DecisionWait: 1500 * time.Millisecond, SamplingPercentage: 25,
	}
	out, err := c.render([]string{"127.0.0.1:3", "127.0.0.1:4", "127.0.0.1:5"})
	require.NoError(t, err)

	var cfg struct {
		Receivers struct {
			OTLP struct {
				Protocols struct {
					GRPC struct{ Endpoint string } `yaml:"grpc"`
					HTTP struct{ Endpoint string } `yaml:"http"`
				} `yaml:"protocols"`
			} `yaml:"otlp"`
		} `yaml:"receivers"`
		Processors struct {
			Tail struct {
				DecisionWait string `yaml:"decision_wait"`
				Policies     []struct {
					Type          string `yaml:"type"`
					Probabilistic struct {
						SamplingPercentage int `yaml:"sampling_percentage"`
					} `yaml:"probabilistic"`
				} `yaml:"policies"`
			} `yaml:"tail_sampling"`
			Filter struct {
				Traces struct {
					Span []string `yaml:"span"`
				} `yaml:"traces"`
			} `yaml:"filter/hive"`
		} `yaml:"processors"`
		Exporters struct {
			Jaeger struct{ Endpoint string } `yaml:"otlp/jaeger"`
			Hive   struct {
				Endpoint     string            `yaml:"endpoint"`
				Headers      map[string]string `yaml:"headers"`
				SendingQueue struct {
					Enabled bool `yaml:"enabled"`
				} `yaml:"sending_queue"`
				Retry struct {
					Enabled        bool   `yaml:"enabled"`
					MaxElapsedTime string `yaml:"max_elapsed_time"`
				} `yaml:"retry_on_failure"`
			} `yaml:"otlphttp/hive"`
		} `yaml:"exporters"`
		Service struct {
			Pipelines map[string]struct {
				Receivers  []string `yaml:"receivers"`
				Processors []string `yaml:"processors"`
				Exporters  []string `yaml:"exporters"`
			} `yaml:"pipelines"`
			Telemetry struct {
				Metrics struct {
					Readers []struct {
						Pull struct {
							Exporter struct {
								Prometheus struct {
									Host string `yaml:"host"`
									Port int    `yaml:"port"`
								} `yaml:"prometheus"`
							} `yaml:"exporter"`
						} `yaml:"pull"`
					} `yaml:"readers"`
				} `yaml:"metrics"`
			} `yaml:"telemetry"`
		} `yaml:"service"`
	}
	require.NoError(t, yaml.Unmarshal(out, &cfg))

	assert.Equal(t, "127.0.0.1:3", cfg.Receivers.OTLP.Protocols.GRPC.Endpoint)
	assert.Equal(t, "127.0.0.1:4", cfg.Receivers.OTLP.Protocols.HTTP.Endpoint)
	assert.Equal(t, "1.5s", cfg.Processors.Tail.DecisionWait)
	require.Len(t, cfg.Processors.Tail.Policies, 1)
	assert.Equal(t, "probabilistic", cfg.Processors.Tail.Policies[0].Type)
	assert.Equal(t, 25, cfg.Processors.Tail.Policies[0].Probabilistic.SamplingPercentage)
	assert.Equal(t, []string{`attributes["hive.kind"] == nil`}, cfg.Processors.Filter.Traces.Span)
	assert.Equal(t, "127.0.0.1:1", cfg.Exporters.Jaeger.Endpoint)
	assert.Equal(t, "http://127.0.0.1:2", cfg.Exporters.Hive.Endpoint)
	assert.Equal(t, map[string]string{"Authorization": "Bearer k:s"}, cfg.Exporters.Hive.Headers)
	assert.True(t, cfg.Exporters.Hive.SendingQueue.Enabled)
	assert.True(t, cfg.Exporters.Hive.Retry.Enabled)
	assert.Equal(t, "2m", cfg.Exporters.Hive.Retry.MaxElapsedTime)

	pipes := cfg.Service.Pipelines
	require.Len(t, pipes, 2)
	assert.Equal(t, []string{"otlp"}, pipes["traces/jaeger"].Receivers)
	assert.Equal(t, []string{"tail_sampling"}, pipes["traces/jaeger"].Processors)
	assert.Equal(t, []string{"otlp/jaeger"}, pipes["traces/jaeger"].Exporters)
	assert.Equal(t, []string{"otlp"}, pipes["traces/hive"].Receivers)
	assert.Equal(t, []string{"filter/hive"}, pipes["traces/hive"].Processors)
	assert.Equal(t, []string{"otlphttp/hive"}, pipes["traces/hive"].Exporters)
	readers := cfg.Service.Telemetry.Metrics.Readers
	require.Len(t, readers, 1)
	assert.Equal(t, "127.0.0.1", readers[0].Pull.Exporter.Prometheus.Host)
	assert.Equal(t, 5, readers[0].Pull.Exporter.Prometheus.Port)

	_, err = c.render([]string{"127.0.0.1:3"})
	require.Error(t, err, "too few addresses")
}
