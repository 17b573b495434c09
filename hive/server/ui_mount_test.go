package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

func TestWithUIMountsTheHandlerAndRedirectsRoot(t *testing.T) {
	var host server.UIHost
	mount := func(h server.UIHost) http.Handler {
		host = h
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTeapot)
			_, _ = w.Write([]byte(r.URL.Path))
		})
	}
	store := server.NewMemoryStore()
	t.Cleanup(func() { _ = store.Close() })
	srv := server.New(store, server.WithCredentials(apiKey, apiSecret), server.WithUI(mount))

	serve := func(method, path, authz string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	rec := serve(http.MethodGet, "/ui/tasks/x/logs", "")
	assert.Equal(t, http.StatusTeapot, rec.Code, "the UI authorizes its requests itself")
	assert.Equal(t, "/ui/tasks/x/logs", rec.Body.String())
	rec = serve(http.MethodGet, "/", "")
	assert.Equal(t, http.StatusFound, rec.Code)
	assert.Equal(t, "/ui/", rec.Header().Get("Location"))
	assert.Equal(t, http.StatusUnauthorized, serve(http.MethodGet, "/api/me", "").Code, "the API still needs credentials")
	assert.Equal(t, http.StatusOK, serve(http.MethodGet, "/healthz", "").Code)

	require.NotNil(t, host.Store)
	req := httptest.NewRequest(http.MethodGet, "/ui/", nil)
	require.NoError(t, host.Authenticate(req, "Bearer "+apiKey+":"+apiSecret))
	var ae *server.AuthError
	require.ErrorAs(t, host.Authenticate(req, "Bearer "+apiKey+":wrong"), &ae)
	assert.Equal(t, http.StatusUnauthorized, ae.Status)

	// Servers sharing the secret derive the same key; another secret another.
	k1 := host.DeriveKey("label")
	assert.Len(t, k1, 32)
	server.New(store, server.WithCredentials("other-key", apiSecret), server.WithUI(mount))
	assert.Equal(t, k1, host.DeriveKey("label"))
	assert.NotEqual(t, k1, host.DeriveKey("another label"))
	server.New(store, server.WithCredentials(apiKey, "another secret"), server.WithUI(mount))
	assert.NotEqual(t, k1, host.DeriveKey("label"))
	server.New(store, server.WithInsecureNoAuth(), server.WithUI(mount))
	assert.Nil(t, host.DeriveKey, "no secret, no key")
	assert.NoError(t, host.Authenticate(req, ""), "a server without credentials accepts everyone")
}

func TestWithoutUIRootNeedsCredentials(t *testing.T) {
	store := server.NewMemoryStore()
	t.Cleanup(func() { _ = store.Close() })
	srv := server.New(store, server.WithCredentials(apiKey, apiSecret))
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
}
