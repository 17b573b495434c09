package otelsetup

import (
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
)

// EnvTransport, HIVE_TRANSPORT, says how Setup delivers runs to Hive:
// TransportLogIngest (the default) or TransportOTLP. WithTransport, and
// the sink options, win over it.
const EnvTransport = "HIVE_TRANSPORT"

// The transports of HIVE_TRANSPORT and WithTransport.
const (
	// TransportLogIngest delivers records: the record processor
	// (exporter.NewRecordProcessor) rebuilds each run's record in process
	// and a hivesink.Sink posts it to Hive's POST /api/log-ingest/batch.
	TransportLogIngest = "log-ingest"
	// TransportOTLP delivers spans: the run-span processor
	// (exporter.NewRunSpanProcessor) sends the convention spans of each
	// finished run, sampled or not, to Hive's OTLP endpoint (POST
	// /v1/traces, through an otlpsink.Sink), and Hive rebuilds the records.
	TransportOTLP = "otlp"
)

// parseTransport reads a transport name, ignoring case and surrounding
// space; "" means unset.
func parseTransport(v string) (string, error) {
	switch t := strings.ToLower(strings.TrimSpace(v)); t {
	case "", TransportLogIngest, TransportOTLP:
		return t, nil
	default:
		return "", fmt.Errorf("%w: transport %q: want %q or %q", ErrInvalidSetting, v, TransportLogIngest, TransportOTLP)
	}
}

// transportFromEnv reads HIVE_TRANSPORT: the transport, and whether the
// variable names one. An unknown value is reported through otel.Handle and
// means TransportLogIngest, so a typo never stops a program from starting
// nor loses its records.
func transportFromEnv() (string, bool) {
	v := os.Getenv(EnvTransport)
	t, err := parseTransport(v)
	if err != nil {
		otel.Handle(fmt.Errorf("%s: %s=%q: %w; runs go by %s", setupErrPrefix, EnvTransport, v, err, TransportLogIngest))
		return TransportLogIngest, false
	}
	if t == "" {
		return TransportLogIngest, false
	}
	return t, true
}

// transport returns the transport Setup uses: WithTransport's, else the one
// WithSink or WithSpanSink implies, else HIVE_TRANSPORT's, else
// TransportLogIngest. A transport the options contradict is an error.
func (c config) transport() (string, error) {
	chosen, err := parseTransport(c.transportName)
	if err != nil {
		return "", err
	}
	implied := ""
	switch {
	case c.sink != nil && c.spanSink != nil:
		return "", fmt.Errorf("%w: WithSink and WithSpanSink are two transports: give one", ErrInvalidSetting)
	case c.sink != nil:
		implied = TransportLogIngest
	case c.spanSink != nil:
		implied = TransportOTLP
	}
	if chosen != "" {
		if implied != "" && chosen != implied {
			return "", fmt.Errorf("%w: WithTransport(%q) with a sink of transport %q", ErrInvalidSetting, chosen, implied)
		}
		return chosen, nil
	}
	env, set := transportFromEnv()
	if implied == "" {
		return env, nil
	}
	if set && env != implied {
		otel.Handle(fmt.Errorf("%s: %s=%s ignored: the program gives its own sink, of transport %s",
			setupErrPrefix, EnvTransport, env, implied))
	}
	return implied, nil
}
