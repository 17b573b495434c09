package jaegertest

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

const (
	// startAttempts is how many times Start tries fresh ports when Jaeger
	// finds one of them taken.
	startAttempts = 3
	// startTimeout bounds the wait for a started Jaeger to serve. It is
	// generous: a loaded 2-core CI machine running the race-enabled suite
	// can be slow to start a 120 MB binary.
	startTimeout = 2 * time.Minute
	// stopTimeout is how long Jaeger gets to exit after SIGTERM before it is
	// killed.
	stopTimeout = 10 * time.Second
	// pollInterval is the pause between readiness probes.
	pollInterval = 50 * time.Millisecond
	// requestTimeout bounds one query API request.
	requestTimeout = 30 * time.Second
)

// errAddrInUse marks a start that failed because a chosen port was taken.
var errAddrInUse = errors.New("address already in use")

// Jaeger is a running Jaeger process started by Start. Its methods are safe
// for concurrent use.
type Jaeger struct {
	ep     endpoints
	proc   *child
	client *http.Client
}

// Start starts a Jaeger v2 process for the test: it renders a configuration
// with four free loopback ports (OTLP gRPC, OTLP HTTP, query HTTP, query
// gRPC), runs the binary BinaryPath finds with it, waits until the query API
// answers and both OTLP ports accept connections, and registers a t.Cleanup
// that stops the process (SIGTERM, then kill) and, when the test failed,
// logs its output.
//
// When the binary is missing or does not start, Start calls t.Skip with the
// reason, or t.Fatal when the environment has CI=true; it returns nil only
// when the t it was given lets it go on after those (a test double).
func Start(t testing.TB) *Jaeger {
	t.Helper()
	var j *Jaeger
	p := launch(t, "jaeger", unavailable, func(bin, cfgPath string) (*child, error) {
		var err error
		j, err = start(bin, cfgPath)
		if err != nil {
			return nil, err
		}
		return j.proc, nil
	})
	if p == nil {
		return nil
	}
	t.Cleanup(j.client.CloseIdleConnections)
	return j
}

// start runs bin with a configuration written to cfgPath and waits until it
// serves. On failure the process is gone when start returns.
func start(bin, cfgPath string) (*Jaeger, error) {
	ep, err := freeEndpoints()
	if err != nil {
		return nil, err
	}
	cfg, err := renderConfig(ep)
	if err != nil {
		return nil, err
	}
	j := &Jaeger{
		ep: ep,
		client: &http.Client{
			// A transport of its own: no proxy, and idle connections closed
			// when the process stops.
			Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16},
			Timeout:   requestTimeout,
		},
	}
	j.proc, err = startChild(bin, cfgPath, cfg, j.ready)
	if err != nil {
		j.client.CloseIdleConnections()
		return nil, err
	}
	return j, nil
}

// ready reports whether the query API answers GET /api/v3/services with 200
// and both OTLP receivers accept TCP connections. The receivers start after
// the query extension, so the API alone is not enough.
func (j *Jaeger) ready(ctx context.Context) bool {
	if !acceptsAll(ctx, j.ep.OTLPGRPC, j.ep.OTLPHTTP) {
		return false
	}
	_, err := j.Services(ctx)
	return err == nil
}

// OTLPGRPCEndpoint returns the OTLP gRPC receiver's address, "127.0.0.1:port",
// the form otlptracegrpc.WithEndpoint takes.
func (j *Jaeger) OTLPGRPCEndpoint() string { return j.ep.OTLPGRPC }

// OTLPHTTPEndpoint returns the OTLP HTTP receiver's address, "127.0.0.1:port",
// the form otlptracehttp.WithEndpoint takes.
func (j *Jaeger) OTLPHTTPEndpoint() string { return j.ep.OTLPHTTP }

// QueryURL returns the base URL of the query API, "http://127.0.0.1:port".
func (j *Jaeger) QueryURL() string { return "http://" + j.ep.QueryHTTP }

// QueryGRPCEndpoint returns the query gRPC API's address, "127.0.0.1:port".
func (j *Jaeger) QueryGRPCEndpoint() string { return j.ep.QueryGRPC }

// Log returns what the process has written to stdout and stderr so far (the
// last 1 MiB at most).
func (j *Jaeger) Log() string { return j.proc.log.String() }
