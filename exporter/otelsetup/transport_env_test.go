package otelsetup

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// handled collects what goes to otel.Handle during the test.
func handled(t *testing.T) *[]error {
	t.Helper()
	var errs []error
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { errs = append(errs, err) }))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	return &errs
}

func TestTransportFromEnv(t *testing.T) {
	tests := []struct {
		env, want string
		set, bad  bool
	}{
		{"", TransportLogIngest, false, false},
		{"log-ingest", TransportLogIngest, true, false},
		{" OTLP ", TransportOTLP, true, false},
		{"grpc", TransportLogIngest, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			errs := handled(t)
			t.Setenv(EnvTransport, tt.env)
			got, set := transportFromEnv()
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.set, set)
			if !tt.bad {
				assert.Empty(t, *errs)
				return
			}
			require.Len(t, *errs, 1, "an unknown value is reported")
			assert.ErrorIs(t, (*errs)[0], ErrInvalidSetting)
			assert.Contains(t, (*errs)[0].Error(), `HIVE_TRANSPORT="grpc"`)
			assert.Contains(t, (*errs)[0].Error(), "runs go by log-ingest")
		})
	}
}

type nopSink struct{}

func (nopSink) Deliver(context.Context, ...*otelrecord.ExecutionRecord) error { return nil }

type nopSpanSink struct{}

func (nopSpanSink) DeliverSpans(context.Context, ...*exporter.RunSpans) error { return nil }

func TestConfigTransport(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		opts    []Option
		want    string
		noted   bool
		invalid bool
	}{
		{name: "default", want: TransportLogIngest},
		{name: "env", env: "otlp", want: TransportOTLP},
		{name: "option over env", env: "otlp", opts: []Option{WithTransport("log-ingest")}, want: TransportLogIngest},
		{name: "span sink", opts: []Option{WithSpanSink(nopSpanSink{})}, want: TransportOTLP},
		{name: "sink over env", env: "otlp", opts: []Option{WithSink(nopSink{})}, want: TransportLogIngest, noted: true},
		{name: "span sink and option", opts: []Option{WithSpanSink(nopSpanSink{}), WithTransport("otlp")}, want: TransportOTLP},
		{name: "unknown option", opts: []Option{WithTransport("carrier-pigeon")}, invalid: true},
		{name: "both sinks", opts: []Option{WithSink(nopSink{}), WithSpanSink(nopSpanSink{})}, invalid: true},
		{name: "sink and otlp", opts: []Option{WithSink(nopSink{}), WithTransport("otlp")}, invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := handled(t)
			t.Setenv(EnvTransport, tt.env)
			got, err := newConfig(tt.opts).transport()
			if tt.invalid {
				assert.ErrorIs(t, err, ErrInvalidSetting)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			if tt.noted {
				require.Len(t, *errs, 1)
				assert.Contains(t, (*errs)[0].Error(), "HIVE_TRANSPORT=otlp ignored")
			} else {
				assert.Empty(t, *errs)
			}
		})
	}
}
