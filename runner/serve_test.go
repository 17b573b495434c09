package runner_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/runner"
	"github.com/hivetrace/hivetrace/task"
)

func get(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestServe(t *testing.T) {
	addrs := make(chan net.Addr, 1)
	c := newCLI(t,
		runner.WithOnListen(func(a net.Addr) { addrs <- a }),
		runner.WithRoutes(func(mux *http.ServeMux) {
			mux.HandleFunc("GET /version", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "v1") })
		}),
		runner.WithMiddleware(func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Served-By", "svc")
				h.ServeHTTP(w, r)
			})
		}),
	)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() { done <- c.r.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}) }()
	base := "http://" + (<-addrs).String()

	code, body := get(t, http.MethodPost, base+"/tasks/quote", `{"args":{"item":"apple","qty":2}}`)
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"item":"apple","total":1}`, body)
	code, body = get(t, http.MethodPost, base+"/tasks/quote", `{"args":{"item":"apple","qty":0}}`)
	assert.Equal(t, http.StatusUnprocessableEntity, code, body)
	code, _ = get(t, http.MethodGet, base+"/tasks/quote", "")
	assert.Equal(t, http.StatusMethodNotAllowed, code)
	code, body = get(t, http.MethodPost, base+"/tasks/nope", `{"args":1}`)
	assert.Equal(t, http.StatusNotFound, code)
	assert.JSONEq(t, `{"error":"no task \"nope\""}`, body)
	code, body = get(t, http.MethodGet, base+"/tasks", "")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"name":"greet"`)
	code, body = get(t, http.MethodGet, base+"/healthz", "")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"status":"ok"}`, body)
	code, body = get(t, http.MethodGet, base+"/readyz", "")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"status":"ready"}`, body)
	code, body = get(t, http.MethodGet, base+"/version", "")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "v1", body)

	cancel()
	require.Equal(t, runner.ExitOK, <-done, c.err())
	assert.Contains(t, c.out(), "svc: listening on "+base+" (2 tasks)\n")
	assert.Contains(t, c.out(), "svc: stopped\n")
	http.DefaultClient.CloseIdleConnections()
}

func TestServeReadiness(t *testing.T) {
	c := newCLI(t, runner.WithReadiness(func(context.Context) error { return errors.New("database down") }))
	srv := &http.Server{Handler: c.r.Handler()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	code, body := get(t, http.MethodGet, "http://"+ln.Addr().String()+"/readyz", "")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.JSONEq(t, `{"status":"not ready","error":"database down"}`, body)
	http.DefaultClient.CloseIdleConnections()
}

func TestServeJSONAndErrors(t *testing.T) {
	addrs := make(chan net.Addr, 1)
	c := newCLI(t, runner.WithOnListen(func(a net.Addr) { addrs <- a }))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() { done <- c.r.Run(ctx, []string{"serve", "--json", "--addr", "127.0.0.1:0"}) }()
	a := <-addrs
	cancel()
	require.Equal(t, runner.ExitOK, <-done)
	assert.JSONEq(t, `{"listening":"http://`+a.String()+`","tasks":2}`, c.out())

	assert.Equal(t, runner.ExitUsage, c.run(t, "serve", "--shutdown-timeout", "0s"))
	assert.Equal(t, runner.ExitUsage, c.run(t, "serve", "extra"))
	assert.Equal(t, runner.ExitFailure, c.run(t, "serve", "--addr", "127.0.0.1:-1"))
	assert.Contains(t, c.err(), "listen on 127.0.0.1:-1")
}

func TestServeDrainsBeforeShutdown(t *testing.T) {
	addrs := make(chan net.Addr, 1)
	c := newCLI(t, runner.WithOnListen(func(a net.Addr) { addrs <- a }), runner.WithDrainDelay(time.Minute))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() { done <- c.r.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--drain-delay", "400ms"}) }()
	base := "http://" + (<-addrs).String()
	code, _ := get(t, http.MethodGet, base+"/readyz", "")
	require.Equal(t, http.StatusOK, code)

	start := time.Now()
	cancel()
	var body string
	require.Eventually(t, func() bool {
		code, body = get(t, http.MethodGet, base+"/readyz", "")
		return code == http.StatusServiceUnavailable
	}, 5*time.Second, 10*time.Millisecond, "/readyz turns 503 while draining")
	assert.JSONEq(t, `{"status":"stopping"}`, body)
	code, _ = get(t, http.MethodPost, base+"/tasks/greet", `{"args":"Ada"}`)
	assert.Equal(t, http.StatusOK, code, "requests are still served while draining")
	http.DefaultClient.CloseIdleConnections()

	require.Equal(t, runner.ExitOK, <-done)
	assert.GreaterOrEqual(t, time.Since(start), 400*time.Millisecond)
	assert.Equal(t, runner.ExitUsage, c.run(t, "serve", "--drain-delay", "-1s"))
}

// Task names that are no valid mux pattern are served too.
func TestServeOddTaskNames(t *testing.T) {
	c := newCLI(t)
	odd := task.New("user:create account", func(_ context.Context, s string) (string, error) { return "made " + s, nil })
	nested := task.New("billing/charge", func(_ context.Context, n int) (int, error) { return n, nil })
	require.NoError(t, c.r.Register(odd, nested))
	srv := httptest.NewServer(c.r.Handler())
	t.Cleanup(srv.Close)

	code, body := get(t, http.MethodPost, srv.URL+"/tasks/user:create%20account", `{"args":"ada"}`)
	assert.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, `"made ada"`, body)
	code, body = get(t, http.MethodPost, srv.URL+"/tasks/billing/charge", `{"args":7}`)
	assert.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, `7`, body)
	http.DefaultClient.CloseIdleConnections()
}
