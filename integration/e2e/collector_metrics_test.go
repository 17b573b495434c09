package e2e_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// collectorMetrics is a scrape of a Collector's own metrics, in the
// Prometheus text format.
type collectorMetrics string

// scrapeCollector GETs the Collector's metrics from addr (host:port of its
// Prometheus reader).
func scrapeCollector(ctx context.Context, hc *http.Client, addr string) (collectorMetrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return "", fmt.Errorf("collector metrics: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("collector metrics: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("collector metrics: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("collector metrics: %s", resp.Status)
	}
	return collectorMetrics(body), nil
}

// sum returns the sum of the samples of the metric name whose labels hold
// every one of labels (each `key="value"`), and whether there was one.
func (m collectorMetrics) sum(name string, labels ...string) (float64, bool) {
	var (
		total float64
		found bool
	)
	sc := bufio.NewScanner(strings.NewReader(string(m)))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		series, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		metric, set, _ := strings.Cut(series, "{")
		if metric != name || !hasLabels(set, labels) {
			continue
		}
		v, err := strconv.ParseFloat(strings.Fields(value)[0], 64)
		if err != nil {
			continue
		}
		total += v
		found = true
	}
	return total, found
}

// hasLabels reports whether the label set (`a="x",b="y"}`) holds every one
// of labels.
func hasLabels(set string, labels []string) bool {
	pairs := strings.Split(strings.TrimSuffix(set, "}"), ",")
	for _, l := range labels {
		if !slices.Contains(pairs, l) {
			return false
		}
	}
	return true
}

func TestCollectorMetricsSum(t *testing.T) {
	m := collectorMetrics(`# HELP otelcol_exporter_sent_spans_total Spans sent.
# TYPE otelcol_exporter_sent_spans_total counter
otelcol_exporter_sent_spans_total{exporter="otlp/jaeger",otel_scope_name="x"} 7
otelcol_exporter_sent_spans_total{exporter="otlphttp/hive",otel_scope_name="x"} 40
otelcol_exporter_sent_spans_total{exporter="otlphttp/hive",otel_scope_name="y"} 2
otelcol_exporter_sent_spans_total_other{exporter="otlphttp/hive"} 1000
otelcol_process_uptime_seconds_total 12.5
`)
	v, ok := m.sum("otelcol_exporter_sent_spans_total", `exporter="otlphttp/hive"`)
	require.True(t, ok)
	assert.InDelta(t, 42.0, v, 0)
	v, ok = m.sum("otelcol_exporter_sent_spans_total")
	require.True(t, ok)
	assert.InDelta(t, 49.0, v, 0)
	v, ok = m.sum("otelcol_process_uptime_seconds_total")
	require.True(t, ok)
	assert.InDelta(t, 12.5, v, 0)
	_, ok = m.sum("otelcol_exporter_sent_spans_total", `exporter="debug"`)
	assert.False(t, ok)
	_, ok = m.sum("otelcol_receiver_accepted_spans_total")
	assert.False(t, ok)
}
