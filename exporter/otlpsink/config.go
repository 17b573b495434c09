package otlpsink

import (
	"maps"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
)

// TracesPath is the path of the OTLP/HTTP traces endpoint under a host, as
// the OTLP specification names it.
const TracesPath = "/v1/traces"

// config holds the settings of a Sink.
type config struct {
	client   *http.Client // nil: a default client
	headers  map[string]string
	resource []attribute.KeyValue
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

// Option configures New and NewHive.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithHTTPClient sends the requests with client. A nil client is ignored.
// The default is a plain client with hive.DefaultHTTPTimeout, deliberately
// not instrumented with otelhttp so the pipeline does not trace its own
// deliveries; Deliver's ctx bounds every request as well.
func WithHTTPClient(client *http.Client) Option {
	return optionFunc(func(c *config) {
		if client != nil {
			c.client = client
		}
	})
}

// WithHeaders adds headers to every request (credentials, for instance).
// Several calls add up; a later value of a header replaces an earlier one.
// The headers of the protocol (Content-Type, Content-Encoding) cannot be
// replaced.
func WithHeaders(headers map[string]string) Option {
	return optionFunc(func(c *config) {
		if c.headers == nil {
			c.headers = make(map[string]string, len(headers))
		}
		maps.Copy(c.headers, headers)
	})
}

// WithResourceAttributes adds attributes to the resource of every
// ResourceSpans sent, replacing the resource's attributes of the same keys.
// Several calls add up.
func WithResourceAttributes(attrs ...attribute.KeyValue) Option {
	return optionFunc(func(c *config) { c.resource = append(c.resource, attrs...) })
}
