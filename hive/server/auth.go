package server

import (
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
	if !s.cfg.apiKey.IsSet() && !s.cfg.apiSecret.IsSet() {
		if s.cfg.insecureNoAuth {
			return true
		}
		return unauthorized(w, "server has no credentials configured")
	}
	h := r.Header.Get("Authorization")
	token, reason := bearerToken(h)
	a := authAttempt{addr: remoteIP(r), counted: h != ""}
	if reason == "" {
		a.key, _, _ = strings.Cut(token, ":")
	}
	v := s.throttle.try(a, func() bool { return reason == "" && s.credentialsMatch(token) })
	for _, b := range v.blocks {
		s.cfg.logger.WarnContext(r.Context(), "hive server: too many failed authentication attempts; refusing them for a while",
			b.attr, slog.Int("failures", b.failures), slog.Duration("window", s.throttle.limits.window),
			slog.Duration("block", s.throttle.limits.block))
	}
	switch {
	case v.ok:
		return true
	case v.retryAfter > 0:
		tooManyFailures(w, v.retryAfter, v.blockedBy)
		return false
	case reason != "":
		return unauthorized(w, reason)
	default:
		return unauthorized(w, "invalid API key or secret")
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

// unauthorized answers 401 with reason and returns false.
func unauthorized(w http.ResponseWriter, reason string) bool {
	w.Header().Set("WWW-Authenticate", `Bearer realm="hive"`)
	writeError(w, http.StatusUnauthorized, reason)
	return false
}

// tooManyFailures answers 429 with the wait in Retry-After, in seconds
// rounded up; blockedBy is "address" or "key".
func tooManyFailures(w http.ResponseWriter, wait time.Duration, blockedBy string) {
	secs := int64((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	what := "from this address"
	if blockedBy == "key" {
		what = "naming this API key"
	}
	writeError(w, http.StatusTooManyRequests,
		fmt.Sprintf("too many failed authentication attempts %s: retry in %d s", what, secs))
}
