package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hivetrace/hivetrace/examples/internal/shop"
	"github.com/hivetrace/hivetrace/exporter/otelsetup"
)

// defaultAddr is where the service listens: every interface, so it is
// reachable from outside its container.
const defaultAddr = ":8081"

// serviceName is the service.name used when OTEL_SERVICE_NAME is not set.
const serviceName = "hivetrace-example-service"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done, then shuts the server and the telemetry
// pipeline down.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("service", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", defaultAddr, "`address` to listen on")
	upstream := fs.String("upstream", "", "base `URL` of the profile API (default: this service's /upstream)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	// Traces, metrics and records, configured by OTEL_* and HIVE_* alone.
	shutdownTelemetry, err := otelsetup.Setup(ctx, otelsetup.WithServiceName(serviceName))
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := shutdownTelemetry(sctx); err != nil {
			slog.Warn("service: telemetry shutdown", "error", err)
		}
	}()

	db, err := shop.OpenDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	if *upstream == "" {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		*upstream = "http://" + net.JoinHostPort("127.0.0.1", port) + "/upstream"
	}
	a := newApp(appConfig{db: db, upstream: *upstream})

	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "service: listening on http://%s (profile API %s)\n", ln.Addr(), *upstream)
	if os.Getenv("HIVE_API_KEY") == "" {
		fmt.Fprintln(stdout, "service: HIVE_API_KEY is not set: records stay in the process (set HIVE_HOST, HIVE_API_KEY, HIVE_API_SECRET)")
	}
	return serve(ctx, srv, ln)
}

// serve runs srv on ln until ctx is done, then shuts it down gracefully.
func serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
