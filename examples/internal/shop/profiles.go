package shop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// Profile is a user's profile as the profile API serves it.
type Profile struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// ErrNoProfilesURL is returned by a real profile fetch when Deps has no
// ProfilesURL.
var ErrNoProfilesURL = errors.New("shop: no profile API configured")

// profiles is the data of the fake profile API.
var profiles = map[int]Profile{
	1: {ID: 1, Name: "Ada Lovelace", Email: "ada@example.com"},
	2: {ID: 2, Name: "Alan Turing", Email: "alan@example.com"},
	3: {ID: 3, Name: "Grace Hopper", Email: "grace@example.com"},
}

// NewHTTPClient returns the client the profile boundary uses by default:
// an otelhttp transport (a client span per request, trace context
// propagated) with a timeout. opts configure the transport.
func NewHTTPClient(opts ...otelhttp.Option) *http.Client {
	return &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport, opts...), Timeout: 5 * time.Second}
}

// ProfileAPI returns the fake profile API: GET /profiles/{id} answers the
// profile as JSON, or 404. Mount it under the prefix ProfilesURL names
// (http.StripPrefix).
func ProfileAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /profiles/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		p, ok := profiles[id]
		if err != nil || !ok {
			http.Error(w, `{"error":"no such profile"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p)
	})
	return mux
}

// profileFetcher returns the real function of the fetchProfile boundary.
func profileFetcher(hc *http.Client, baseURL string) func(context.Context, int) (Profile, error) {
	baseURL = strings.TrimSuffix(baseURL, "/")
	return func(ctx context.Context, id int) (Profile, error) {
		if baseURL == "" {
			return Profile{}, ErrNoProfilesURL
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/profiles/"+strconv.Itoa(id), nil)
		if err != nil {
			return Profile{}, fmt.Errorf("profile %d: %w", id, err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return Profile{}, fmt.Errorf("profile %d: %w", id, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
			return Profile{}, fmt.Errorf("profile %d: %s", id, resp.Status)
		}
		var p Profile
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&p); err != nil {
			return Profile{}, fmt.Errorf("profile %d: decode: %w", id, err)
		}
		return p, nil
	}
}
