package main

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/hivetrace/hivetrace/hive/server"
)

// serveAll serves the Hive API (and OTLP/HTTP) on ln and, when grpcAddr is
// not empty, OTLP/gRPC on a listener at grpcAddr, until ctx is done or one
// of them fails, which stops the other. It returns the first error.
func serveAll(ctx context.Context, srv *server.Server, ln net.Listener, grpcAddr string, stdout io.Writer) error {
	if grpcAddr == "" {
		return srv.Serve(ctx, ln)
	}
	var lc net.ListenConfig
	gl, err := lc.Listen(ctx, "tcp", grpcAddr)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("listen on %s: %w", grpcAddr, err)
	}
	fmt.Fprintf(stdout, "hive: serving OTLP/gRPC on %s\n", gl.Addr())
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	grpcErr := make(chan error, 1)
	go func() {
		err := srv.ServeOTLPGRPC(ctx, gl)
		cancel() // a failed gRPC server stops the HTTP one
		grpcErr <- err
	}()
	err = srv.Serve(ctx, ln)
	cancel()
	if gerr := <-grpcErr; err == nil {
		err = gerr
	}
	return err
}
