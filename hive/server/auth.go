package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// authorize checks the request's "Authorization: Bearer <key>:<secret>"
// header against the configured credentials in constant time, throttling
// failed attempts (WithAuthThrottle). It answers a refused request itself,
// 401 with the reason or 429 with Retry-After while the remote address or
// the key named is blocked, and reports whether the request may go on.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	ref := s.checkAuth(r.Context(), r.Header.Get("Authorization"), remoteIP(r))
	if ref == nil {
		return true
	}
	if ref.retryAfter > 0 {
		w.Header().Set("Retry-After", retryAfterSeconds(ref.retryAfter))
	} else {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hive"`)
	}
	writeError(w, ref.status, ref.reason)
	return false
}

// authRefusal is why an attempt to authenticate is refused.
type authRefusal struct {
	// status is 401 (bad or missing credentials) or 429 (blocked).
	status int
	// reason says why, for the client.
	reason string
	// retryAfter is how long the address or key is still blocked; zero for
	// a 401.
	retryAfter time.Duration
}

// checkAuth checks an Authorization value ("Bearer <key>:<secret>")
// presented from the remote address addr against the configured
// credentials in constant time, throttling failed attempts
// (WithAuthThrottle), and returns nil when it is accepted. Every front end
// (the HTTP API, OTLP/HTTP, OTLP/gRPC) authenticates through it, so they
// share the same throttle.
func (s *Server) checkAuth(ctx context.Context, header, addr string) *authRefusal {
	if !s.cfg.apiKey.IsSet() && !s.cfg.apiSecret.IsSet() {
		if s.cfg.insecureNoAuth {
			return nil
		}
		return &authRefusal{status: http.StatusUnauthorized, reason: "server has no credentials configured"}
	}
	token, reason := bearerToken(header)
	a := authAttempt{addr: addr, counted: header != ""}
	if reason == "" {
		a.key, _, _ = strings.Cut(token, ":")
	}
	v := s.throttle.try(a, func() bool { return reason == "" && s.credentialsMatch(token) })
	for _, b := range v.blocks {
		s.cfg.logger.WarnContext(ctx, "hive server: too many failed authentication attempts; refusing them for a while",
			b.attr, slog.Int("failures", b.failures), slog.Duration("window", s.throttle.limits.window),
			slog.Duration("block", s.throttle.limits.block))
	}
	switch {
	case v.ok:
		return nil
	case v.retryAfter > 0:
		return &authRefusal{status: http.StatusTooManyRequests, retryAfter: v.retryAfter,
			reason: tooManyFailuresReason(v.retryAfter, v.blockedBy)}
	case reason != "":
		return &authRefusal{status: http.StatusUnauthorized, reason: reason}
	default:
		return &authRefusal{status: http.StatusUnauthorized, reason: "invalid API key or secret"}
	}
}

// bearerToken returns the "<key>:<secret>" token of an Authorization header,
// or the reason it is refused.
func bearerToken(h string) (token, reason string) {
	if h == "" {
		return "", "missing Authorization header: expected \"Bearer <apiKey>:<apiSecret>\""
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.Contains(token, ":") {
		return "", "malformed Authorization header: expected \"Bearer <apiKey>:<apiSecret>\""
	}
	return token, ""
}

// credentialsMatch compares token with "<key>:<secret>" in constant time,
// through their hashes so not even the length of the credentials leaks.
func (s *Server) credentialsMatch(token string) bool {
	got := sha256.Sum256([]byte(token))
	want := sha256.Sum256([]byte(s.cfg.apiKey.Reveal() + ":" + s.cfg.apiSecret.Reveal()))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// retryAfterSeconds formats a wait for a Retry-After header: whole
// seconds, rounded up.
func retryAfterSeconds(wait time.Duration) string {
	return strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10)
}

// tooManyFailuresReason says why a blocked attempt is refused; blockedBy is
// "address" or "key".
func tooManyFailuresReason(wait time.Duration, blockedBy string) string {
	what := "from this address"
	if blockedBy == "key" {
		what = "naming this API key"
	}
	return fmt.Sprintf("too many failed authentication attempts %s: retry in %s s", what, retryAfterSeconds(wait))
}
