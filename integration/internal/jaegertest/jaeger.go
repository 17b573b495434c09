package jaegertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd.Wait has returned
	// waitErr is cmd.Wait's result, readable once exited is closed.
	waitErr error
	log     *logBuffer
	client  *http.Client
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
	bin, err := BinaryPath()
	if err != nil {
		unavailable(t, err)
		return nil
	}
	dir := t.TempDir()
	for attempt := 1; ; attempt++ {
		j, err := start(bin, filepath.Join(dir, fmt.Sprintf("jaeger-%d.yaml", attempt)))
		if err == nil {
			t.Cleanup(func() { j.stop(t) })
			return j
		}
		if !errors.Is(err, errAddrInUse) || attempt == startAttempts {
			unavailable(t, err)
			return nil
		}
		t.Logf("jaegertest: start attempt %d: %v; retrying on other ports", attempt, err)
	}
}

// unavailable skips the test, or fails it when CI=true.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("jaegertest: Jaeger is required when CI=true: %v", err)
		return
	}
	t.Skipf("jaegertest: Jaeger unavailable, skipping: %v", err)
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
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return nil, fmt.Errorf("jaegertest: write config: %w", err)
	}

	j := &Jaeger{
		ep:     ep,
		exited: make(chan struct{}),
		log:    newLogBuffer(maxLogBytes),
		client: &http.Client{
			// A transport of its own: no proxy, and idle connections closed
			// when the process stops.
			Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16},
			Timeout:   requestTimeout,
		},
	}
	j.cmd = exec.Command(bin, "--config", cfgPath)
	j.cmd.Stdout = j.log
	j.cmd.Stderr = j.log
	setProcAttr(j.cmd)
	if err := j.cmd.Start(); err != nil {
		return nil, fmt.Errorf("jaegertest: start %s: %w", bin, err)
	}
	go func() {
		j.waitErr = j.cmd.Wait()
		close(j.exited)
	}()

	if err := j.waitReady(); err != nil {
		j.terminate()
		j.client.CloseIdleConnections()
		return nil, err
	}
	return j, nil
}

// waitReady polls until the query API answers and both OTLP ports accept
// connections, the process exits, or startTimeout passes.
func (j *Jaeger) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if j.ready(ctx) {
			return nil
		}
		select {
		case <-j.exited:
			out := j.log.String()
			err := fmt.Errorf("jaegertest: jaeger exited before serving (%v); output:\n%s", j.waitErr, out)
			if strings.Contains(out, "address already in use") {
				err = fmt.Errorf("%w: %w", errAddrInUse, err)
			}
			return err
		case <-ctx.Done():
			return fmt.Errorf("jaegertest: jaeger not serving after %v; output:\n%s", startTimeout, j.log.String())
		case <-tick.C:
		}
	}
}

// ready reports whether the query API answers GET /api/v3/services with 200
// and both OTLP receivers accept TCP connections. The receivers start after
// the query extension, so the API alone is not enough.
func (j *Jaeger) ready(ctx context.Context) bool {
	for _, addr := range []string{j.ep.OTLPGRPC, j.ep.OTLPHTTP} {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return false
		}
		_ = c.Close()
	}
	_, err := j.Services(ctx)
	return err == nil
}

// stop ends the process and reports its output when the test failed.
func (j *Jaeger) stop(t testing.TB) {
	t.Helper()
	select {
	case <-j.exited:
		t.Logf("jaegertest: jaeger exited during the test: %v", j.waitErr)
	default:
	}
	j.terminate()
	j.client.CloseIdleConnections()
	if t.Failed() {
		t.Logf("jaegertest: jaeger output:\n%s", j.log.String())
	}
}

// terminate sends SIGTERM, waits up to stopTimeout, then kills, and returns
// once the process has been reaped.
func (j *Jaeger) terminate() {
	select {
	case <-j.exited:
		return
	default:
	}
	if err := j.cmd.Process.Signal(syscall.SIGTERM); err == nil {
		timer := time.NewTimer(stopTimeout)
		defer timer.Stop()
		select {
		case <-j.exited:
			return
		case <-timer.C:
		}
	}
	_ = j.cmd.Process.Kill()
	<-j.exited
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
func (j *Jaeger) Log() string { return j.log.String() }
