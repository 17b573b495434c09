package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// UIPath is the path prefix a UI given with WithUI is mounted at.
const UIPath = "/ui/"

// UIHost is what a Server lends the UI mounted on it with WithUI: its store,
// its credential check and a key derived from its secret.
type UIHost struct {
	// Store is the server's store.
	Store Store
	// Authenticate checks an Authorization value ("Bearer <key>:<secret>")
	// presented by r's remote address as the API does, counting a failure
	// against the same throttle (WithAuthThrottle). It returns nil when the
	// value is accepted (any value, an empty one included, on a server
	// started WithInsecureNoAuth and no credentials) and an *AuthError
	// otherwise. It is safe for concurrent use.
	Authenticate func(r *http.Request, authorization string) error
	// DeriveKey returns HMAC-SHA256 of label keyed by the API secret, so
	// servers sharing the secret derive the same key; nil when the server
	// has no secret.
	DeriveKey func(label string) []byte
	// Logger is the server's logger.
	Logger *slog.Logger
	// Clock is the server's clock (WithClock).
	Clock func() time.Time
	// MaxBodyBytes is the largest request body the server accepts.
	MaxBodyBytes int64
}

// AuthError is why UIHost.Authenticate refused a credential.
type AuthError struct {
	// Status is 401 (bad or missing credentials) or 429 (blocked for a while).
	Status int
	// Reason says why, for the client.
	Reason string
	// RetryAfter is how long the address or key is still blocked; zero
	// with a 401.
	RetryAfter time.Duration
}

// Error returns the reason.
func (e *AuthError) Error() string { return e.Reason }

// WithUI mounts the handler mount returns at UIPath: requests under it are
// handed to that handler without the API's authorization (the UI
// authorizes them itself, through UIHost.Authenticate), and GET / is
// redirected to UIPath. mount is called once, by New. A nil mount is
// ignored.
func WithUI(mount func(UIHost) http.Handler) Option {
	return optionFunc(func(c *config) {
		if mount != nil {
			c.ui = mount
		}
	})
}

// mountUI builds the UI handler from the configuration; nil without WithUI.
func (s *Server) mountUI() http.Handler {
	if s.cfg.ui == nil {
		return nil
	}
	host := UIHost{
		Store: s.store,
		Authenticate: func(r *http.Request, authorization string) error {
			return authErr(s.checkAuth(r.Context(), authorization, remoteIP(r)))
		},
		Logger:       s.cfg.logger,
		Clock:        s.cfg.clock,
		MaxBodyBytes: s.cfg.maxBodyBytes,
	}
	if s.cfg.apiSecret.IsSet() {
		host.DeriveKey = func(label string) []byte {
			m := hmac.New(sha256.New, []byte(s.cfg.apiSecret.Reveal()))
			m.Write([]byte(label))
			return m.Sum(nil)
		}
	}
	return s.cfg.ui(host)
}

// authErr turns a refusal into an *AuthError (nil for nil).
func authErr(ref *authRefusal) error {
	if ref == nil {
		return nil
	}
	return &AuthError{Status: ref.status, Reason: ref.reason, RetryAfter: ref.retryAfter}
}

// serveUI serves r when it is for the UI mounted with WithUI, and reports
// whether it did: a path under UIPath goes to the UI, and GET or HEAD of /
// (or of /ui without its slash) is redirected to UIPath.
func (s *Server) serveUI(w http.ResponseWriter, r *http.Request) bool {
	if s.ui == nil {
		return false
	}
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, UIPath):
		s.ui.ServeHTTP(w, r)
		return true
	case (p == "/" || p == strings.TrimSuffix(UIPath, "/")) && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		http.Redirect(w, r, UIPath, http.StatusFound)
		return true
	}
	return false
}
