package composetest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// collectorConfig is the part of an OpenTelemetry Collector configuration
// the checks read.
type collectorConfig struct {
	Receivers  map[string]yaml.Node `yaml:"receivers"`
	Processors map[string]yaml.Node `yaml:"processors"`
	Exporters  map[string]yaml.Node `yaml:"exporters"`
	Connectors map[string]yaml.Node `yaml:"connectors"`
	Service    struct {
		Pipelines map[string]pipeline `yaml:"pipelines"`
	} `yaml:"service"`
}

// pipeline is one entry of service.pipelines.
type pipeline struct {
	Receivers  []string `yaml:"receivers"`
	Processors []string `yaml:"processors"`
	Exporters  []string `yaml:"exporters"`
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

// otlpHTTPExporter is the part of an otlp_http (otlphttp) exporter the Hive
// checks read.
type otlpHTTPExporter struct {
	Endpoint       string            `yaml:"endpoint"`
	TracesEndpoint string            `yaml:"traces_endpoint"`
	Headers        map[string]string `yaml:"headers"`
	SendingQueue   struct {
		Enabled *bool `yaml:"enabled"`
	} `yaml:"sending_queue"`
	RetryOnFailure struct {
		Enabled        *bool  `yaml:"enabled"`
		MaxElapsedTime string `yaml:"max_elapsed_time"`
	} `yaml:"retry_on_failure"`
}

// tailSampling is the part of a tail_sampling processor the checks read.
type tailSampling struct {
	DecisionWait string `yaml:"decision_wait"`
	Policies     []struct {
		Type          string `yaml:"type"`
		Probabilistic struct {
			SamplingPercentage float64 `yaml:"sampling_percentage"`
		} `yaml:"probabilistic"`
	} `yaml:"policies"`
}

// filterProcessor is the part of a filter processor the checks read: the
// OTTL conditions that drop spans.
type filterProcessor struct {
	Traces struct {
		Span []string `yaml:"span"`
	} `yaml:"traces"`
}

// The exporter and processor types the checks know, by Collector version:
// otlp_grpc and otlp_http are the names since 0.144, otlp and otlphttp the
// older ones (still accepted, deprecated).
var (
	otlpGRPCTypes = []string{"otlp_grpc", "otlp"}
	otlpHTTPTypes = []string{"otlp_http", "otlphttp"}
	samplerTypes  = []string{"tail_sampling", "probabilistic_sampler"}
)

// componentType returns the type of a component id "type[/name]".
func componentType(id string) string {
	typ, _, _ := strings.Cut(id, "/")
	return typ
}

// ofType returns the ids among ids whose type is one of types.
func ofType(ids []string, types ...string) []string {
	var out []string
	for _, id := range ids {
		if slices.Contains(types, componentType(id)) {
			out = append(out, id)
		}
	}
	return out
}

// hiveSpanFilter is the filter condition that drops every span outside the
// convention of package otelrecord: those without hive.kind.
func hiveSpanFilter() string {
	return fmt.Sprintf(`attributes[%q] == nil`, string(otelrecord.KindKey))
}

// hiveAuthorization is the Authorization header the collector must present
// to hive serve: its credentials from the collector's environment.
func hiveAuthorization() string {
	return fmt.Sprintf("Bearer ${env:%s}:${env:%s}", HiveEnv[0], HiveEnv[1])
}

// checker is what the collector checks need of a test, so that a test can
// run them on a double (TestCollectorConfigChecksFail).
type checker interface {
	require.TestingT
	Helper()
}

// loadCollectorConfig parses the collector configuration at path.
func loadCollectorConfig(t checker, path string) collectorConfig {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var cfg collectorConfig
	require.NoError(t, yaml.Unmarshal(data, &cfg))
	return cfg
}

// checkCollectorConfig checks the collector configuration at path: OTLP in
// on the standard ports from every interface, every pipeline component
// defined, the memory limiter first where there is one, a tail-sampled
// share of whole traces out to Jaeger, every span of the convention and no
// other out to hive serve with its credentials, a queue and retries, and
// metrics and logs pipelines.
func checkCollectorConfig(t checker, path string) {
	t.Helper()
	cfg := loadCollectorConfig(t, path)

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
		if i := slices.IndexFunc(p.Processors, func(id string) bool { return componentType(id) == "memory_limiter" }); i > 0 {
			assert.Fail(t, "memory_limiter must be the first processor", "pipeline %s: at %d of %q", name, i, p.Processors)
		}
	}

	checkJaegerPipeline(t, cfg)
	checkHivePipeline(t, cfg)
	for _, signal := range []string{"metrics", "logs"} {
		p, ok := cfg.Service.Pipelines[signal]
		if assert.True(t, ok, "a %s pipeline", signal) {
			assert.Contains(t, p.Receivers, "otlp", "pipeline %s", signal)
		}
	}
}

// tracesPipelines returns the names of the traces pipelines ("traces" and
// "traces/<name>") that receive OTLP and export through one of exporters.
func tracesPipelines(cfg collectorConfig, exporters []string) []string {
	var names []string
	for name, p := range cfg.Service.Pipelines {
		if name != "traces" && !strings.HasPrefix(name, "traces/") {
			continue
		}
		if !slices.Contains(p.Receivers, "otlp") {
			continue
		}
		if slices.ContainsFunc(p.Exporters, func(id string) bool { return slices.Contains(exporters, id) }) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// checkJaegerPipeline requires one traces pipeline exporting over OTLP gRPC
// to Jaeger, through tail sampling that keeps JaegerSamplingPercentage
// percent of the traces, and no filter (Jaeger gets whole traces).
func checkJaegerPipeline(t checker, cfg collectorConfig) {
	t.Helper()
	var toJaeger []string
	for id, node := range cfg.Exporters {
		if !slices.Contains(otlpGRPCTypes, componentType(id)) {
			continue
		}
		var exp otlpExporter
		require.NoError(t, node.Decode(&exp))
		host, port, err := net.SplitHostPort(exp.Endpoint)
		require.NoError(t, err, "exporter %s endpoint %q", id, exp.Endpoint)
		if host == JaegerService && port == strconv.Itoa(OTLPGRPCPort) {
			toJaeger = append(toJaeger, id)
			assert.True(t, exp.TLS.Insecure, "exporter %s: Jaeger's OTLP receiver has no TLS", id)
		}
	}
	require.NotEmpty(t, toJaeger, "an exporter over OTLP gRPC (%s) to %s:%d", otlpGRPCTypes, JaegerService, OTLPGRPCPort)
	names := tracesPipelines(cfg, toJaeger)
	require.Len(t, names, 1, "one traces pipeline from the otlp receiver to Jaeger (%s)", toJaeger)
	p := cfg.Service.Pipelines[names[0]]

	samplers := ofType(p.Processors, "tail_sampling")
	require.Len(t, samplers, 1, "pipeline %s: one tail_sampling processor, so Jaeger gets a share of whole traces", names[0])
	var ts tailSampling
	node := cfg.Processors[samplers[0]]
	require.NoError(t, node.Decode(&ts))
	wait, err := time.ParseDuration(ts.DecisionWait)
	if assert.NoError(t, err, "%s: decision_wait %q", samplers[0], ts.DecisionWait) {
		assert.Positive(t, wait, "%s: decision_wait", samplers[0])
	}
	var shares []float64
	for _, pol := range ts.Policies {
		if pol.Type == "probabilistic" {
			shares = append(shares, pol.Probabilistic.SamplingPercentage)
		}
	}
	assert.Equal(t, []float64{JaegerSamplingPercentage}, shares,
		"%s: one probabilistic policy keeping %d %% of the traces", samplers[0], JaegerSamplingPercentage)
	assert.Empty(t, ofType(p.Processors, "filter"), "pipeline %s: a filter would cut the traces Jaeger shows", names[0])
}

// checkHivePipeline requires one traces pipeline exporting over OTLP/HTTP
// to hive serve, behind a filter that drops every span outside the
// convention and no sampler, with hive serve's credentials from the
// environment, a sending queue and retries.
func checkHivePipeline(t checker, cfg collectorConfig) {
	t.Helper()
	base := fmt.Sprintf("http://%s:%d", HiveService, HivePort)
	var toHive []string
	for id, node := range cfg.Exporters {
		if !slices.Contains(otlpHTTPTypes, componentType(id)) {
			continue
		}
		var exp otlpHTTPExporter
		require.NoError(t, node.Decode(&exp))
		if exp.Endpoint != base && exp.TracesEndpoint != base+server.OTLPTracesPath {
			continue
		}
		toHive = append(toHive, id)
		// The exporter posts traces to endpoint + /v1/traces, where hive
		// serve takes them.
		assert.Equal(t, "/v1/traces", server.OTLPTracesPath)
		assert.Equal(t, hiveAuthorization(), exp.Headers["Authorization"],
			"exporter %s: hive serve's credentials from the collector's environment", id)
		if assert.NotNil(t, exp.SendingQueue.Enabled, "exporter %s: sending_queue.enabled", id) {
			assert.True(t, *exp.SendingQueue.Enabled, "exporter %s: a sending queue holds spans while hive serve is away", id)
		}
		if assert.NotNil(t, exp.RetryOnFailure.Enabled, "exporter %s: retry_on_failure.enabled", id) {
			assert.True(t, *exp.RetryOnFailure.Enabled, "exporter %s: retries carry spans over an outage of hive serve", id)
		}
		if d, err := time.ParseDuration(exp.RetryOnFailure.MaxElapsedTime); assert.NoError(t, err, "exporter %s: max_elapsed_time", id) && d != 0 {
			assert.GreaterOrEqual(t, d, HiveMinRetryElapsed, "exporter %s: max_elapsed_time (0 retries for ever)", id)
		}
	}
	require.NotEmpty(t, toHive, "an exporter over OTLP/HTTP (%s) to %s", otlpHTTPTypes, base)
	names := tracesPipelines(cfg, toHive)
	require.Len(t, names, 1, "one traces pipeline from the otlp receiver to hive serve (%s)", toHive)
	p := cfg.Service.Pipelines[names[0]]

	assert.Empty(t, ofType(p.Processors, samplerTypes...), "pipeline %s: every run reaches Hive, unsampled", names[0])
	filters := ofType(p.Processors, "filter")
	require.Len(t, filters, 1, "pipeline %s: one filter processor", names[0])
	var f filterProcessor
	node := cfg.Processors[filters[0]]
	require.NoError(t, node.Decode(&f))
	assert.Equal(t, []string{hiveSpanFilter()}, f.Traces.Span,
		"%s: drops the spans without %s, and only them", filters[0], otelrecord.KindKey)
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
	assert.Equal(t, []string{"filter/hive", "filter"}, ofType([]string{"batch", "filter/hive", "filter", "filterx"}, "filter"))
}

func TestHiveSpanFilter(t *testing.T) {
	assert.Equal(t, `attributes["hive.kind"] == nil`, hiveSpanFilter())
	assert.Equal(t, "Bearer ${env:HIVE_API_KEY}:${env:HIVE_API_SECRET}", hiveAuthorization())
}

// failNow is the panic of fakeT.FailNow.
var failNow = new(int)

// fakeT is a checker that records failures instead of failing the test.
type fakeT struct {
	failed bool
	msgs   []string
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.failed = true
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}

func (f *fakeT) FailNow() {
	f.failed = true
	panic(failNow)
}

func (f *fakeT) Helper() {}

// check runs checkCollectorConfig on path with f.
func (f *fakeT) check(path string) {
	defer func() {
		if r := recover(); r != nil && r != failNow {
			panic(r)
		}
	}()
	checkCollectorConfig(f, path)
}

// TestCollectorConfigChecks runs checkCollectorConfig on the deploy file,
// which passes, and on copies of it that each miss one requirement, which
// must not.
func TestCollectorConfigChecks(t *testing.T) {
	for name, spoil := range map[string]func(doc map[string]any){
		"as shipped": nil,
		"no filter": func(doc map[string]any) {
			section(doc, "service", "pipelines", "traces/hive")["processors"] = []any{"memory_limiter"}
		},
		"filter keeps everything": func(doc map[string]any) {
			section(doc, "processors", "filter/hive")["traces"] = map[string]any{"span": []any{`name == "nothing"`}}
		},
		"sampled Hive pipeline": func(doc map[string]any) {
			section(doc, "service", "pipelines", "traces/hive")["processors"] = []any{"memory_limiter", "filter/hive", "tail_sampling"}
		},
		"no queue": func(doc map[string]any) {
			section(doc, "exporters", "otlp_http/hive")["sending_queue"] = map[string]any{"enabled": false}
		},
		"no retry": func(doc map[string]any) {
			delete(section(doc, "exporters", "otlp_http/hive"), "retry_on_failure")
		},
		"short retry": func(doc map[string]any) {
			section(doc, "exporters", "otlp_http/hive")["retry_on_failure"] = map[string]any{"enabled": true, "max_elapsed_time": "5s"}
		},
		"credentials in the file": func(doc map[string]any) {
			section(doc, "exporters", "otlp_http/hive")["headers"] = map[string]any{"Authorization": "Bearer demo-key:demo-secret"}
		},
		"no tail sampling": func(doc map[string]any) {
			section(doc, "service", "pipelines", "traces/jaeger")["processors"] = []any{"memory_limiter", "batch"}
		},
		"another share": func(doc map[string]any) {
			section(doc, "processors", "tail_sampling")["policies"] = []any{map[string]any{
				"name": "p", "type": "probabilistic", "probabilistic": map[string]any{"sampling_percentage": 50},
			}}
		},
		"filtered Jaeger pipeline": func(doc map[string]any) {
			section(doc, "service", "pipelines", "traces/jaeger")["processors"] = []any{"memory_limiter", "filter/hive", "tail_sampling"}
		},
		"no Hive exporter": func(doc map[string]any) {
			section(doc, "service", "pipelines", "traces/hive")["exporters"] = []any{"debug"}
		},
		"memory limiter last": func(doc map[string]any) {
			section(doc, "service", "pipelines", "traces/jaeger")["processors"] = []any{"tail_sampling", "batch", "memory_limiter"}
		},
		"no logs pipeline": func(doc map[string]any) {
			delete(section(doc, "service", "pipelines"), "logs")
		},
	} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "otel-collector.yaml"))
			require.NoError(t, err)
			var doc map[string]any
			require.NoError(t, yaml.Unmarshal(data, &doc))
			if spoil != nil {
				spoil(doc)
			}
			out, err := yaml.Marshal(doc)
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), "collector.yaml")
			require.NoError(t, os.WriteFile(path, out, 0o600))
			f := &fakeT{}
			f.check(path)
			if spoil == nil {
				assert.False(t, f.failed, "the deploy file fails the checks: %q", f.msgs)
				return
			}
			if assert.True(t, f.failed, "the checks pass a configuration with %s", name) && len(f.msgs) > 0 {
				t.Logf("refused: %s", strings.Join(strings.Fields(f.msgs[0]), " "))
			}
		})
	}
}

// section returns the mapping at the path of keys in doc, failing (by
// panicking: a broken test) when there is none.
func section(doc map[string]any, keys ...string) map[string]any {
	m := doc
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			panic(fmt.Sprintf("no mapping %q in the collector configuration", strings.Join(keys, ".")))
		}
		m = next
	}
	return m
}
