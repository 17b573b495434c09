package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
)

// Defaults of hive serve.
const (
	defaultAddr = "127.0.0.1:8080"
	defaultDB   = "./hive.db"
)

type serveOptions struct {
	addr, db          string
	apiKey, apiSecret string
	insecureNoAuth    bool
	maxBodyBytes      int64
	maxRecordBytes    int64
	logLevel          slog.Level
	readTimeout       time.Duration
	writeTimeout      time.Duration
}

func newServeFlags(o *serveOptions) *flag.FlagSet {
	fs := newFlagSet("hive serve")
	fs.StringVar(&o.addr, "addr", defaultAddr, "`address` to listen on (host:port; port 0 picks a free one)")
	fs.StringVar(&o.db, "db", defaultDB, "SQLite database `file`, created when missing")
	fs.StringVar(&o.apiKey, "api-key", "", "API `key` clients must present (default $HIVE_API_KEY)")
	fs.StringVar(&o.apiSecret, "api-secret", "", "API `secret` clients must present (default $HIVE_API_SECRET)")
	fs.BoolVar(&o.insecureNoAuth, "insecure-no-auth", false, "start without credentials and accept every request")
	fs.Int64Var(&o.maxBodyBytes, "max-body-bytes", server.DefaultMaxBodyBytes, "largest request body accepted, in `bytes`")
	fs.Int64Var(&o.maxRecordBytes, "max-record-bytes", 0, "largest record accepted, in `bytes` (0: the body limit)")
	fs.DurationVar(&o.readTimeout, "read-timeout", server.DefaultReadTimeout, "longest `duration` to receive a whole request, body included")
	fs.DurationVar(&o.writeTimeout, "write-timeout", server.DefaultWriteTimeout, "longest `duration` from a request's headers to the end of its answer")
	fs.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error")
	return fs
}

// runServe runs "hive serve" until ctx is done.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o serveOptions
	fs := newServeFlags(&o)
	if code, ok := parseFlagsOnly(fs, args, serveUsage, stdout, stderr); !ok {
		return code
	}
	// The environment is read after parsing, so --help never prints secrets.
	o.apiKey, o.apiSecret = flagOrEnv(o.apiKey, "HIVE_API_KEY"), flagOrEnv(o.apiSecret, "HIVE_API_SECRET")
	if (o.apiKey == "") != (o.apiSecret == "") {
		return usageError(stderr, fs.Name(), "give both an API key and an API secret, or neither")
	}
	if o.apiKey == "" && !o.insecureNoAuth {
		return usageError(stderr, fs.Name(), "no credentials: pass --api-key and --api-secret, set HIVE_API_KEY and HIVE_API_SECRET, or pass --insecure-no-auth")
	}
	if o.maxBodyBytes <= 0 {
		return usageError(stderr, fs.Name(), "--max-body-bytes must be positive")
	}
	if o.readTimeout <= 0 || o.writeTimeout <= 0 {
		return usageError(stderr, fs.Name(), "--read-timeout and --write-timeout must be positive")
	}
	if o.maxRecordBytes < 0 {
		return usageError(stderr, fs.Name(), "--max-record-bytes must not be negative")
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.logLevel}))

	store, err := sqlitestore.Open(ctx, o.db)
	if err != nil {
		fmt.Fprintf(stderr, "hive serve: %v\n", err)
		return exitError
	}
	defer func() {
		if err := store.Close(); err != nil {
			logger.Error("hive serve: close database", "error", err)
		}
	}()

	opts := []server.Option{server.WithLogger(logger), server.WithMaxBodyBytes(o.maxBodyBytes),
		server.WithMaxRecordBytes(o.maxRecordBytes), server.WithReadTimeout(o.readTimeout), server.WithWriteTimeout(o.writeTimeout)}
	if o.apiKey != "" {
		opts = append(opts, server.WithCredentials(o.apiKey, o.apiSecret))
	} else {
		opts = append(opts, server.WithInsecureNoAuth())
		logger.Warn("hive serve: running without credentials; every request is accepted")
	}
	srv := server.New(store, opts...)

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", o.addr)
	if err != nil {
		fmt.Fprintf(stderr, "hive serve: listen on %s: %v\n", o.addr, err)
		return exitError
	}
	fmt.Fprintf(stdout, "hive: serving the Hive API on http://%s (database %s)\n", ln.Addr(), o.db)
	if err := srv.Serve(ctx, ln); err != nil {
		fmt.Fprintf(stderr, "hive serve: %v\n", err)
		return exitError
	}
	fmt.Fprintln(stdout, "hive: stopped")
	return exitOK
}
