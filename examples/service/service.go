package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/hivetrace/hivetrace/examples/internal/shop"
	"github.com/hivetrace/hivetrace/exporter/otelsetup"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/runner"
)

// defaultAddr is where the service listens: every interface, so it is
// reachable from outside its container.
const defaultAddr = ":8081"

// serviceName is the service.name used when OTEL_SERVICE_NAME is not set.
const serviceName = "hivetrace-example-service"

// envProfileAPI is the base URL of the profile API; unset, the service is
// its own (see selfTransport).
const envProfileAPI = "PROFILE_API_URL"

// newService returns the example service's app, whose runner writes to
// stdout and stderr, and a function closing its database. extra runner
// options come last.
func newService(stdout, stderr io.Writer, extra ...runner.Option) (*app, func() error, error) {
	db, err := shop.OpenDB(context.Background())
	if err != nil {
		return nil, nil, err
	}
	cfg := appConfig{db: db, upstream: os.Getenv(envProfileAPI)}
	var self *selfTransport // set by newApp when the service is its own profile API
	if cfg.upstream == "" {
		cfg.upstream = selfURL
		cfg.transport = func(next http.RoundTripper) http.RoundTripper {
			self = newSelfTransport(next)
			return self
		}
	}
	cfg.runnerOptions = append([]runner.Option{
		runner.WithName("service"),
		runner.WithOutput(stdout, stderr),
		runner.WithDefaultCommand("serve"),
		runner.WithAddr(defaultAddr),
		runner.WithSetup(func(ctx context.Context) (func(context.Context) error, error) {
			return setup(ctx, stderr)
		}),
		runner.WithOnListen(func(addr net.Addr) {
			if self != nil {
				self.listening(addr)
			}
		}),
	}, extra...)
	a, err := newApp(cfg)
	if err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	return a, db.Close, nil
}

// setup installs the telemetry (traces, metrics and records, configured by
// the OTEL_* and HIVE_* environment alone) before the commands that run
// the task.
func setup(ctx context.Context, stderr io.Writer) (func(context.Context) error, error) {
	shutdown, err := otelsetup.Setup(ctx, otelsetup.WithServiceName(serviceName))
	if err != nil {
		return nil, err
	}
	if os.Getenv(hive.EnvAPIKey) == "" {
		fmt.Fprintln(stderr, "service: HIVE_API_KEY is not set: records stay in the process (set HIVE_HOST, HIVE_API_KEY, HIVE_API_SECRET)")
	}
	return shutdown, nil
}

// run runs the service's command line and returns its exit status, with
// the database closed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a, closeDB, err := newService(stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "service:", err)
		return runner.ExitFailure
	}
	code := a.runner.Run(ctx, args)
	if err := closeDB(); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "service: close database:", err)
	}
	return code
}
