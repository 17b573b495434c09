package server

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// authorize checks the request's "Authorization: Bearer <key>:<secret>"
// header against the configured credentials in constant time. It returns the
// reason for a refusal.
func (s *Server) authorize(r *http.Request) (string, bool) {
	if s.cfg.apiKey == "" && s.cfg.apiSecret == "" {
		if s.cfg.insecureNoAuth {
			return "", true
		}
		return "server has no credentials configured", false
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return "missing Authorization header: expected \"Bearer <apiKey>:<apiSecret>\"", false
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.Contains(token, ":") {
		return "malformed Authorization header: expected \"Bearer <apiKey>:<apiSecret>\"", false
	}
	want := []byte(s.cfg.apiKey + ":" + s.cfg.apiSecret)
	if subtle.ConstantTimeCompare([]byte(token), want) != 1 {
		return "invalid API key or secret", false
	}
	return "", true
}
