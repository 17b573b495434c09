package otelsetup

import (
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/exporter"
)

// config holds Setup's settings. Its zero value means "from the
// environment".
type config struct {
	serviceName   string
	transportName string
	sink          exporter.Sink
	spanSink      exporter.SpanSink
	spanExporter  sdktrace.SpanExporter
	metricReader  sdkmetric.Reader
	sampler       sdktrace.Sampler
	resource      *resource.Resource
	processor     []exporter.Option
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// Option configures Setup. The record processor has options of its own,
// passed with WithRecordProcessorOptions.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithServiceName sets the service.name resource attribute Setup uses when
// neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names the service:
// the environment wins, so operators can rename a deployed program.
func WithServiceName(name string) Option {
	return optionFunc(func(c *config) { c.serviceName = name })
}

// WithSink sets the sink the record processor delivers to, instead of the
// Hive sink the HIVE_* environment describes; it implies TransportLogIngest
// (HIVE_TRANSPORT is then ignored, with a note to otel.Handle when it says
// otherwise). A nil sink is ignored.
func WithSink(s exporter.Sink) Option {
	return optionFunc(func(c *config) {
		if s != nil {
			c.sink = s
		}
	})
}

// WithSpanSink sets the sink the run-span processor delivers the spans of
// every run to, instead of the Hive OTLP sink the HIVE_* environment
// describes; it implies TransportOTLP (HIVE_TRANSPORT is then ignored, with
// a note to otel.Handle when it says otherwise). Setup fails when WithSink
// is given too. A nil sink is ignored.
func WithSpanSink(s exporter.SpanSink) Option {
	return optionFunc(func(c *config) {
		if s != nil {
			c.spanSink = s
		}
	})
}

// WithTransport sets how runs reach Hive, TransportLogIngest or
// TransportOTLP, instead of HIVE_TRANSPORT. Setup fails, with an error
// wrapping ErrInvalidSetting, for another name, or when WithSink or
// WithSpanSink names the other transport.
func WithTransport(name string) Option {
	return optionFunc(func(c *config) { c.transportName = name })
}

// WithSpanExporter makes Setup export spans to e (behind a
// BatchSpanProcessor) instead of the exporter chosen by the OTEL_*
// environment. A nil exporter is ignored.
func WithSpanExporter(e sdktrace.SpanExporter) Option {
	return optionFunc(func(c *config) {
		if e != nil {
			c.spanExporter = e
		}
	})
}

// WithMetricReader makes Setup read metrics with r instead of the reader
// chosen by the OTEL_* environment. A nil reader is ignored.
func WithMetricReader(r sdkmetric.Reader) Option {
	return optionFunc(func(c *config) {
		if r != nil {
			c.metricReader = r
		}
	})
}

// WithSampler sets the base sampler of Setup's TracerProvider instead of the
// one from OTEL_TRACES_SAMPLER. Setup still wraps it with
// exporter.RecordHiveSpans. A nil sampler is ignored.
func WithSampler(s sdktrace.Sampler) Option {
	return optionFunc(func(c *config) {
		if s != nil {
			c.sampler = s
		}
	})
}

// WithResource makes Setup use r as the resource of its providers instead of
// the one it detects (service name, OTEL_RESOURCE_ATTRIBUTES, SDK
// attributes). A nil resource is ignored.
func WithResource(r *resource.Resource) Option {
	return optionFunc(func(c *config) {
		if r != nil {
			c.resource = r
		}
	})
}

// WithRecordProcessorOptions configures the record processor Setup installs
// (the run-span processor, with TransportOTLP).
// They apply after Setup's own choice (the MeterProvider it builds), so
// exporter.WithMeterProvider here replaces that provider. Several calls add
// up.
func WithRecordProcessorOptions(opts ...exporter.Option) Option {
	return optionFunc(func(c *config) { c.processor = append(c.processor, opts...) })
}
