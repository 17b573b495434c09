package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/ui"
)

// Defaults of hive serve.
const (
	defaultAddr = "127.0.0.1:8080"
	defaultDB   = "./hive.db"
)

type serveOptions struct {
	addr, db       string
	otlpGRPCAddr   string
	assemblyWait   time.Duration
	insecureNoAuth bool
	maxBodyBytes   int64
	maxRecordBytes int64
	maxListBytes   int64
	bodyBudget     int64
	logLevel       slog.Level
	readTimeout    time.Duration
	writeTimeout   time.Duration

	uiSessionKeyFile string
	traceURL         string
	uiSecureCookie   bool
	uiServiceName    string

	publicURL      string
	maxBundleBytes int64

	credentialFlags
	authMaxFailures       int
	authWindow, authBlock time.Duration
}

func newServeFlags(o *serveOptions) *flag.FlagSet {
	fs := newFlagSet("hive serve")
	fs.StringVar(&o.addr, "addr", defaultAddr, "`address` to listen on (host:port; port 0 picks a free one)")
	fs.StringVar(&o.db, "db", defaultDB, "`database`: a SQLite file, created when missing, or a postgres:// (postgresql://) URL; "+
		"when not given, $"+envDatabaseURL+" if set")
	fs.StringVar(&o.otlpGRPCAddr, "otlp-grpc-addr", "", "`address` to serve OTLP/gRPC trace exports on (host:port; empty: off); OTLP/HTTP is served on --addr at "+server.OTLPTracesPath)
	fs.DurationVar(&o.assemblyWait, "assembly-wait", server.DefaultAssemblyWait,
		"how long a run whose spans came in several OTLP exports waits for the rest before it is stored marked incomplete")
	addCredentialFlags(fs, &o.credentialFlags, "clients must present")
	fs.IntVar(&o.authMaxFailures, "auth-max-failures", server.DefaultAuthMaxFailures,
		"failed authentication `attempts` within --auth-window that block a remote address or API key (0: no throttling)")
	fs.DurationVar(&o.authWindow, "auth-window", server.DefaultAuthWindow, "period failed authentication attempts are counted over")
	fs.DurationVar(&o.authBlock, "auth-block", server.DefaultAuthBlock, "how long a blocked address or key is answered 429")
	fs.BoolVar(&o.insecureNoAuth, "insecure-no-auth", false, "start without credentials and accept every request")
	fs.Int64Var(&o.maxBodyBytes, "max-body-bytes", server.DefaultMaxBodyBytes, "largest request body accepted, in `bytes`")
	fs.Int64Var(&o.maxRecordBytes, "max-record-bytes", 0, "largest record accepted, in `bytes` (0: the body limit)")
	fs.Int64Var(&o.maxListBytes, "max-list-bytes", server.DefaultMaxListBytes, "size of the records of one listing page, in `bytes` (a page holds at least one record)")
	fs.Int64Var(&o.bodyBudget, "body-budget", server.DefaultBodyBudget, "request bodies read at the same time, in `bytes`; requests past it are answered 503 with Retry-After")
	fs.DurationVar(&o.readTimeout, "read-timeout", server.DefaultReadTimeout, "longest `duration` to receive a whole request, body included")
	fs.DurationVar(&o.writeTimeout, "write-timeout", server.DefaultWriteTimeout, "longest `duration` from a request's headers to the end of its answer")
	fs.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error")
	fs.StringVar(&o.uiSessionKeyFile, "ui-session-key-file", "", "`file` holding the key that signs the records UI's session cookies "+
		"(at least 32 bytes; default $"+envUISessionKey+", else a key derived from the API secret, the same on every replica sharing it)")
	fs.StringVar(&o.traceURL, "trace-url", "", "`template` of the link from a record to its trace in the records UI, "+
		"{traceId} replaced by the record's trace id, e.g. http://localhost:16686/trace/{traceId}")
	fs.BoolVar(&o.uiSecureCookie, "ui-secure-cookie", false, "mark the records UI's session cookie Secure on every answer, for a server behind a proxy that terminates TLS "+
		"(default: when the request came over TLS, or when --public-url is https)")
	fs.StringVar(&o.uiServiceName, "ui-service-name", "", "`program` the replay command on a record page starts with (default <service>: the binary that registers the task)")
	fs.StringVar(&o.publicURL, "public-url", "", "`URL` clients reach the server at (http or https, e.g. behind a proxy), "+
		"which the bundle upload URLs of task publishes start with (default: each request's own)")
	fs.Int64Var(&o.maxBundleBytes, "max-bundle-bytes", server.DefaultMaxBundleBytes, "largest published task bundle accepted, in `bytes`")
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
	creds, err := o.resolve()
	if err != nil {
		return usageError(stderr, fs.Name(), "%v", err)
	}
	if creds.apiKey.IsSet() != creds.apiSecret.IsSet() {
		return usageError(stderr, fs.Name(), "give both an API key and an API secret, or neither")
	}
	if !creds.apiKey.IsSet() && !o.insecureNoAuth {
		return usageError(stderr, fs.Name(), "no credentials: pass --api-key and --api-secret-file, set "+
			envAPIKey+" and "+envAPISecret+" (or "+envAPISecretFile+"), or pass --insecure-no-auth")
	}
	if o.authMaxFailures < 0 || o.authWindow <= 0 || o.authBlock <= 0 {
		return usageError(stderr, fs.Name(), "--auth-max-failures must not be negative, --auth-window and --auth-block must be positive")
	}
	if o.maxBodyBytes <= 0 {
		return usageError(stderr, fs.Name(), "--max-body-bytes must be positive")
	}
	if o.assemblyWait <= 0 {
		return usageError(stderr, fs.Name(), "--assembly-wait must be positive")
	}
	if o.readTimeout <= 0 || o.writeTimeout <= 0 {
		return usageError(stderr, fs.Name(), "--read-timeout and --write-timeout must be positive")
	}
	if o.maxRecordBytes < 0 {
		return usageError(stderr, fs.Name(), "--max-record-bytes must not be negative")
	}
	if o.maxListBytes <= 0 || o.bodyBudget <= 0 {
		return usageError(stderr, fs.Name(), "--max-list-bytes and --body-budget must be positive")
	}
	if o.maxBundleBytes <= 0 {
		return usageError(stderr, fs.Name(), "--max-bundle-bytes must be positive")
	}
	if o.publicURL != "" {
		if u, err := url.Parse(o.publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return usageError(stderr, fs.Name(), "--public-url %q: give an absolute http or https URL without query", o.publicURL)
		}
	}
	dbFlagSet := false
	fs.Visit(func(f *flag.Flag) { dbFlagSet = dbFlagSet || f.Name == "db" })
	database := chooseDatabase(o.db, dbFlagSet, os.Getenv(envDatabaseURL))
	if err := checkDatabase(database.db); err != nil {
		return usageError(stderr, fs.Name(), "%v", err)
	}
	uiOpts, err := o.uiOptions()
	if err != nil {
		return usageError(stderr, fs.Name(), "%v", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.logLevel}))
	for _, w := range database.warnings {
		logger.Warn("hive serve: " + w)
	}

	store, err := openStore(ctx, database.db)
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
		server.WithMaxRecordBytes(o.maxRecordBytes), server.WithReadTimeout(o.readTimeout), server.WithWriteTimeout(o.writeTimeout),
		server.WithMaxListBytes(o.maxListBytes), server.WithBodyBudget(o.bodyBudget),
		server.WithAssemblyWait(o.assemblyWait), server.WithMaxBundleBytes(o.maxBundleBytes), server.WithPublicURL(o.publicURL)}
	if o.authMaxFailures == 0 {
		opts = append(opts, server.WithoutAuthThrottle())
	} else {
		opts = append(opts, server.WithAuthThrottle(o.authMaxFailures, o.authWindow, o.authBlock))
	}
	if creds.apiKey.IsSet() {
		opts = append(opts, server.WithCredentials(creds.apiKey.Reveal(), creds.apiSecret.Reveal()))
	} else {
		opts = append(opts, server.WithInsecureNoAuth())
		logger.Warn("hive serve: running without credentials; every request is accepted")
	}
	srv := server.New(store, append(opts, server.WithUI(ui.Mount(uiOpts...)))...)

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", o.addr)
	if err != nil {
		fmt.Fprintf(stderr, "hive serve: listen on %s: %v\n", o.addr, err)
		return exitError
	}
	fmt.Fprintf(stdout, "hive: serving the Hive API on http://%s (database %s)\n", ln.Addr(), maskDatabase(database.db))
	fmt.Fprintf(stdout, "hive: records UI on http://%s%s\n", ln.Addr(), server.UIPath)
	if err := serveAll(ctx, srv, ln, o.otlpGRPCAddr, stdout); err != nil {
		fmt.Fprintf(stderr, "hive serve: %v\n", err)
		return exitError
	}
	fmt.Fprintln(stdout, "hive: stopped")
	return exitOK
}

// envUISessionKey names the records UI's session key (the key itself).
const envUISessionKey = "HIVE_UI_SESSION_KEY"

// uiOptions returns the records UI's options: its session key from
// --ui-session-key-file, else HIVE_UI_SESSION_KEY (else none: the UI derives
// one from the API secret), the trace link template, the cookie's Secure
// attribute (--ui-secure-cookie, or an https --public-url) and the replay
// command's program.
func (o serveOptions) uiOptions() ([]ui.Option, error) {
	opts := []ui.Option{ui.WithTraceURL(o.traceURL)}
	if o.uiSecureCookie || strings.HasPrefix(strings.ToLower(o.publicURL), "https://") {
		opts = append(opts, ui.WithSecureCookie())
	}
	if o.uiServiceName != "" {
		opts = append(opts, ui.WithServiceName(o.uiServiceName))
	}
	key, source := os.Getenv(envUISessionKey), envUISessionKey
	if o.uiSessionKeyFile != "" {
		text, err := readSecretFile(o.uiSessionKeyFile, "--ui-session-key-file")
		if err != nil {
			return nil, err
		}
		key, source = text, "--ui-session-key-file"
	}
	if key != "" {
		if len(key) < ui.MinSessionKeyBytes {
			return nil, fmt.Errorf("%s: the UI session key must be at least %d bytes, got %d", source, ui.MinSessionKeyBytes, len(key))
		}
		opts = append(opts, ui.WithSessionKey([]byte(key)))
	}
	if o.traceURL != "" && !strings.Contains(o.traceURL, "{traceId}") {
		return nil, fmt.Errorf("--trace-url %q has no {traceId} placeholder", o.traceURL)
	}
	return opts, nil
}
