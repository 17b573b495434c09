package ui

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
)

// uiPrefix is where the UI is mounted.
const uiPrefix = server.UIPath

// contentSecurityPolicy allows the UI's own stylesheet, script and forms
// only: no inline script or style, no other origin, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

//go:embed static
var staticFiles embed.FS

// Handler serves the records UI. It is an http.Handler for the paths under
// /ui/ and is safe for concurrent use.
type Handler struct {
	store        Store
	stats        server.TaskStatser // nil when the store cannot summarize tasks
	authenticate func(r *http.Request, authorization string) error
	cfg          config
	sessions     *sessions
	csrf         csrfTokens
	pages        *pages
	logger       *slog.Logger
	now          func() time.Time
	maxBodyBytes int64
	handler      http.Handler // the routes behind the cross-origin protection
}

var _ http.Handler = (*Handler)(nil)

// New returns the UI of the server that lends host (see server.WithUI).
//
// Defaults: sessions valid DefaultSessionTTL, signed with a key derived from
// the API secret (WithSessionKey), no trace link (WithTraceURL), at most
// DefaultTimelineBars bars a timeline (WithTimelineBars).
func New(host server.UIHost, opts ...Option) *Handler {
	cfg := newConfig(opts)
	base := cfg.sessionKey
	switch {
	case base != nil:
	case host.DeriveKey != nil:
		base = host.DeriveKey(sessionKeyLabel)
	default:
		base = randomKey() // no secret: the server accepts everyone, sessions are moot
	}
	now := host.Clock
	if now == nil {
		now = time.Now
	}
	logger := host.Logger
	if logger == nil {
		logger = slog.Default()
	}
	authenticate := host.Authenticate
	if authenticate == nil {
		authenticate = func(*http.Request, string) error {
			return &server.AuthError{Status: http.StatusUnauthorized, Reason: "no credential check configured"}
		}
	}
	var store Store = unavailableStore{}
	if host.Store != nil {
		store = host.Store
	}
	h := &Handler{
		store:        store,
		authenticate: authenticate,
		cfg:          cfg,
		sessions:     &sessions{key: deriveKey(base, cookieKeyLabel), ttl: cfg.sessionTTL, now: now, secure: cfg.secureCookie},
		csrf:         csrfTokens{key: deriveKey(base, csrfKeyLabel)},
		pages:        mustParsePages(),
		logger:       logger,
		now:          now,
		maxBodyBytes: host.MaxBodyBytes,
	}
	if ts, ok := host.Store.(server.TaskStatser); ok {
		h.stats = ts
	}
	if h.maxBodyBytes <= 0 {
		h.maxBodyBytes = server.DefaultMaxBodyBytes
	}
	h.handler = http.NewCrossOriginProtection().Handler(h.routes())
	return h
}

// Mount returns the function server.WithUI takes, building the UI with
// opts: server.New(store, server.WithUI(ui.Mount(opts...))).
func Mount(opts ...Option) func(server.UIHost) http.Handler {
	return func(host server.UIHost) http.Handler { return New(host, opts...) }
}

func (h *Handler) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static") // the directory is embedded: never fails
	mux.Handle("GET "+uiPrefix+"static/", http.StripPrefix(uiPrefix+"static/", http.FileServerFS(static)))
	mux.HandleFunc("GET "+uiPrefix+"login", h.handleLoginPage)
	mux.HandleFunc("POST "+uiPrefix+"login", h.handleLogin)
	mux.HandleFunc("POST "+uiPrefix+"logout", h.authorized(h.handleLogout))
	mux.HandleFunc("GET "+uiPrefix+"{$}", h.authorized(h.handleTasks))
	mux.HandleFunc("GET "+uiPrefix+"tasks/{task}/logs", h.authorized(h.handleLogs))
	mux.HandleFunc("GET "+uiPrefix+"tasks/{task}/logs/{uuid}", h.authorized(h.handleRecord))
	mux.HandleFunc("GET "+uiPrefix+"tasks/{task}/logs/{uuid}/calls", h.authorized(h.handleCalls))
	mux.HandleFunc("POST "+uiPrefix+"tasks/{task}/logs/{uuid}/quality", h.authorized(h.handleQuality))
	mux.HandleFunc(uiPrefix, h.authorized(func(w http.ResponseWriter, r *http.Request, _ visitor) {
		h.errorPage(w, r, http.StatusNotFound, "No such page: "+r.URL.Path)
	}))
	return mux
}

// ServeHTTP serves a UI page, with the UI's security headers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.handler.ServeHTTP(w, r)
}
