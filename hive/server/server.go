package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// Server is a Hive-compatible HTTP API backed by a Store. It is an
// http.Handler and is safe for concurrent use.
type Server struct {
	store    Store
	cfg      config
	mux      *http.ServeMux
	throttle *authThrottle // nil: failed attempts are not throttled
	otlp     otlpCounters
	sweeping atomic.Bool  // a sweeper runs (sweeper.go)
	ui       http.Handler // mounted at UIPath (WithUI); nil: none
}

var _ http.Handler = (*Server)(nil)

// New returns a Server that keeps its data in store. The server does not own
// the store: closing it is the caller's job, after Serve returns.
//
// Defaults: no credentials (every API request is answered 401 unless
// WithCredentials or WithInsecureNoAuth is given), request bodies up to
// DefaultMaxBodyBytes, slog.Default() for logs, time.Now for createdAt, an
// invoke client with DefaultInvokeTimeout, team and user "local", failed
// authentication attempts throttled (WithAuthThrottle).
func New(store Store, opts ...Option) *Server {
	s := &Server{store: store, cfg: newConfig(opts), mux: http.NewServeMux()}
	s.throttle = newAuthThrottle(s.cfg.authThrottle, s.cfg.clock)
	s.routes()
	s.ui = s.mountUI()
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /api/me", s.handleMe)
	s.mux.HandleFunc("POST /api/log-ingest", s.handleIngest)
	s.mux.HandleFunc("POST "+wire.BatchIngestPath, s.handleIngestBatch)
	s.mux.HandleFunc("GET "+wire.TasksPath, s.handleListTasks)
	s.mux.HandleFunc("GET /api/tasks/{taskName}/logs", s.handleListLogs)
	s.mux.HandleFunc("GET /api/tasks/{taskName}/logs/{uuid}", s.handleGetLog)
	s.mux.HandleFunc("POST /api/tasks/{taskName}/logs/{uuid}/set-quality", s.handleSetQuality)
	s.mux.HandleFunc("POST /api/projects", s.handleCreateProject)
	s.mux.HandleFunc("GET /api/projects/{projectUuid}", s.handleGetProject)
	s.mux.HandleFunc("POST /api/projects/{projectUuid}/sync", s.handleSyncProject)
	s.mux.HandleFunc("POST /api/projects/{projectUuid}/tasks/{taskUuid}/invoke", s.handleInvoke)
	s.mux.HandleFunc("POST /api/projects/{projectUuid}/tasks/{taskUuid}", s.handleRegisterTask)
	s.mux.HandleFunc("POST /api/projects/{projectUuid}/tasks/{taskUuid}/publish", s.handlePublish)
	s.mux.HandleFunc("PUT /api/projects/{projectUuid}/tasks/{taskUuid}/bundle", s.handleUploadBundle)
	s.mux.HandleFunc("POST "+wire.DownloadPath, s.handleDownload)
	s.mux.HandleFunc("GET "+wire.FixturePath+"{uuid}", s.handleGetFixture)
	s.mux.HandleFunc("POST "+OTLPTracesPath, s.serveOTLPHTTP) // reached through ServeHTTP's own branch
}

// ServeHTTP serves the Hive API. GET /healthz answers {"status":"ok"} without
// credentials; with WithUI, requests under UIPath go to the UI, which
// authorizes them itself, and GET / is redirected there; every other request
// must be authorized. Unknown paths get a JSON 404 and known paths with the
// wrong method a JSON 405.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	}
	if r.URL.Path == OTLPTracesPath && r.Method == http.MethodPost {
		s.serveOTLPHTTP(w, r) // authorizes and budgets itself: its answers are OTLP/HTTP's
		return
	}
	if s.serveUI(w, r) { // the UI authorizes itself (WithUI)
		return
	}
	if !s.signedUpload(r) && !s.authorize(w, r) { // signedUpload: bundle_upload_auth.go
		return
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.notRouted(w, r)
		return
	}
	s.serveWithinBodyBudget(w, r) // 503 when the bodies in flight fill WithBodyBudget
}

// notRouted answers a request no pattern matches: 405 with Allow when the
// path exists for other methods, 404 otherwise, both as JSON.
func (s *Server) notRouted(w http.ResponseWriter, r *http.Request) {
	h, _ := s.mux.Handler(r)
	probe := &statusProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s", r.Method, r.URL.Path))
		return
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("no such endpoint: %s %s", r.Method, r.URL.Path))
}

// statusProbe records what the mux's fallback handler would answer.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}
func (p *statusProbe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}

// Serve serves on ln until ctx is done, then shuts down gracefully: it stops
// accepting connections and waits for requests in flight, at most the
// shutdown timeout (WithShutdownTimeout). It returns nil after a shutdown
// caused by ctx, and the error otherwise. ln is closed when Serve returns.
// While it serves, it sweeps the spans staged for assembly (see Sweep).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: min(DefaultReadHeaderTimeout, s.cfg.readTimeout),
		ReadTimeout:       s.cfg.readTimeout,
		WriteTimeout:      s.cfg.writeTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.cfg.logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	defer s.startSweeper(ctx)() // assembles the runs whose spans wait in the store

	select {
	case err := <-errc:
		return fmt.Errorf("hive server: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.shutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if err != nil {
		s.cfg.logger.Warn("hive server: graceful shutdown incomplete; closing connections", "error", err)
		_ = hs.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("hive server: serve: %w", serr)
	}
	if err != nil {
		return fmt.Errorf("hive server: shutdown: %w", err)
	}
	return nil
}

// ListenAndServe listens on the TCP address addr and calls Serve.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("hive server: listen: %w", err)
	}
	return s.Serve(ctx, ln)
}
