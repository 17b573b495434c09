package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hivetrace/hivetrace/hive/server"
)

func TestAuthFailures(t *testing.T) {
	ts := start(t, server.WithoutAuthThrottle()) // the attempts below exceed the throttle's limit
	cases := map[string]string{
		"missing header":       "",
		"wrong key":            "Bearer wrong-key:" + apiSecret,
		"wrong secret":         "Bearer " + apiKey + ":wrong-secret",
		"secret only":          "Bearer " + apiSecret,
		"basic scheme":         "Basic " + apiKey + ":" + apiSecret,
		"no token":             "Bearer",
		"empty token":          "Bearer ",
		"extra suffix":         "Bearer " + apiKey + ":" + apiSecret + "x",
		"key and secret swap":  "Bearer " + apiSecret + ":" + apiKey,
		"malformed no bearer":  apiKey + ":" + apiSecret,
		"only colon separator": "Bearer :",
	}
	for name, auth := range cases {
		t.Run(name, func(t *testing.T) {
			for _, ep := range []struct{ method, path string }{
				{http.MethodGet, "/api/me"},
				{http.MethodPost, "/api/log-ingest"},
				{http.MethodGet, "/api/does-not-exist"},
			} {
				r := ts.doAuth(ep.method, ep.path, nil, auth)
				r.requireError(t, http.StatusUnauthorized)
				assert.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer")
			}
		})
	}
	// The scheme is case-insensitive; the credentials are not.
	r := ts.doAuth(http.MethodGet, "/api/me", nil, "bearer "+apiKey+":"+apiSecret)
	assert.Equal(t, http.StatusOK, r.status)
}

func TestNoCredentialsConfigured(t *testing.T) {
	ts := start(t, server.WithCredentials("", ""))
	msg := ts.do(http.MethodGet, "/api/me", nil).requireError(t, http.StatusUnauthorized)
	assert.Contains(t, msg, "no credentials configured")

	open := start(t, server.WithCredentials("", ""), server.WithInsecureNoAuth())
	r := open.doAuth(http.MethodGet, "/api/me", nil, "")
	assert.Equal(t, http.StatusOK, r.status, "WithInsecureNoAuth accepts requests without credentials")

	both := start(t, server.WithInsecureNoAuth())
	both.doAuth(http.MethodGet, "/api/me", nil, "").requireError(t, http.StatusUnauthorized)
}

func TestHealthzNeedsNoAuth(t *testing.T) {
	ts := start(t)
	r := ts.doAuth(http.MethodGet, "/healthz", nil, "")
	assert.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"status":"ok"}`, string(r.body))
}
