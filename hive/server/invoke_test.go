package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// target is a task endpoint: it answers like the task package's handler.
type target struct {
	mu     sync.Mutex
	bodies []string
}

func (tg *target) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	tg.mu.Lock()
	tg.bodies = append(tg.bodies, string(body))
	tg.mu.Unlock()
	var req struct {
		Args struct{ A, B int }
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/sum":
		if err := json.Unmarshal(body, &req); err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"error":"bad args"}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]int{"total": req.Args.A + req.Args.B})
	case "/fail":
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"error":"boom: database down"}`)
	case "/text":
		_, _ = io.WriteString(w, "not json")
	}
}

func TestInvoke(t *testing.T) {
	tg := &target{}
	ts0 := httptest.NewServer(tg)
	defer ts0.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	ts := start(t, server.WithInvokeClient(&http.Client{Transport: tr}))
	r := ts.do(http.MethodPost, "/api/projects/"+projectA+"/sync", map[string]any{"tasks": []map[string]any{
		{"uuid": "t-sum", "name": "sum", "invokeUrl": ts0.URL + "/sum"},
		{"uuid": "t-fail", "name": "fail", "invokeUrl": ts0.URL + "/fail"},
		{"uuid": "t-text", "name": "text", "invokeUrl": ts0.URL + "/text"},
		{"uuid": "t-down", "name": "down", "invokeUrl": downURL + "/x"},
		{"uuid": "t-none", "name": "none"},
	}})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	invoke := func(task string, body any) response {
		return ts.do(http.MethodPost, "/api/projects/"+projectA+"/tasks/"+task+"/invoke", body)
	}

	r = invoke("t-sum", map[string]any{"payload": map[string]int{"a": 2, "b": 3}})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.JSONEq(t, `{"responsePayload":{"total":5}}`, string(r.body))
	tg.mu.Lock()
	require.Len(t, tg.bodies, 1)
	assert.JSONEq(t, `{"args":{"a":2,"b":3}}`, tg.bodies[0], "the target gets {\"args\": payload}")
	tg.mu.Unlock()

	msg := invoke("t-fail", map[string]any{"payload": 1}).requireError(t, http.StatusBadGateway)
	assert.Contains(t, msg, "500")
	assert.Contains(t, msg, "boom: database down")
	msg = invoke("t-text", map[string]any{"payload": 1}).requireError(t, http.StatusBadGateway)
	assert.Contains(t, msg, "not JSON")
	msg = invoke("t-down", map[string]any{"payload": 1}).requireError(t, http.StatusBadGateway)
	assert.Contains(t, msg, "unreachable")

	msg = invoke("t-none", map[string]any{"payload": 1}).requireError(t, http.StatusNotImplemented)
	assert.Equal(t, "task has no invoke URL", msg)
	invoke("t-unknown", map[string]any{"payload": 1}).requireError(t, http.StatusNotFound)
	ts.do(http.MethodPost, "/api/projects/"+projectB+"/tasks/t-sum/invoke", map[string]any{"payload": 1}).requireError(t, http.StatusNotFound)
	invoke("t-sum", `{"payload":`).requireError(t, http.StatusBadRequest)
}

// invokeServer is a server whose invoke client has a transport of its own,
// closed when the test ends, and a function that invokes tasks of projectA.
func invokeServer(t *testing.T, opts ...server.Option) (*testServer, func(task string) response) {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	ts := start(t, append([]server.Option{server.WithInvokeClient(&http.Client{Transport: tr})}, opts...)...)
	return ts, func(task string) response {
		return ts.do(http.MethodPost, "/api/projects/"+projectA+"/tasks/"+task+"/invoke", map[string]any{"payload": map[string]int{"a": 2, "b": 3}})
	}
}

// register syncs tasks (name → invoke URL) into projectA, each with the uuid
// "t-<name>".
func (ts *testServer) register(t *testing.T, urls map[string]string) {
	t.Helper()
	var tasks []map[string]any
	for name, u := range urls {
		tasks = append(tasks, map[string]any{"uuid": "t-" + name, "name": name, "invokeUrl": u})
	}
	r := ts.do(http.MethodPost, "/api/projects/"+projectA+"/sync", map[string]any{"tasks": tasks})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
}

// requireNoControl requires msg to hold no control or format character.
func requireNoControl(t *testing.T, msg string) {
	t.Helper()
	for _, r := range msg {
		require.False(t, unicode.IsControl(r) || unicode.Is(unicode.Cf, r), "%q holds %U", msg, r)
	}
}

func TestInvokeURLMustBeHTTPAtRegistration(t *testing.T) {
	ts := start(t)
	path := "/api/projects/" + projectA + "/sync"
	for _, u := range []string{
		"ftp://127.0.0.1/x",
		"file:///etc/passwd",
		"javascript:alert(1)",
		"gopher://127.0.0.1:70/_x",
		"//127.0.0.1/scheme-relative",
		"http:///no-host",
		"127.0.0.1:8080/run",
		"http://127.0.0.1/" + strings.Repeat("a", 2048),
	} {
		body := map[string]any{"tasks": []map[string]any{
			{"name": "fine", "invokeUrl": "http://127.0.0.1:1/fine"},
			{"name": "bad", "invokeUrl": u},
		}}
		msg := ts.do(http.MethodPost, path, body).requireError(t, http.StatusBadRequest)
		assert.True(t, strings.HasPrefix(msg, "tasks[1].invokeUrl: "), "the message names the field: %q", msg)
	}
	ts.do(http.MethodGet, "/api/projects/"+projectA, nil).requireError(t, http.StatusNotFound)

	r := ts.do(http.MethodPost, path, map[string]any{"tasks": []map[string]any{
		{"name": "plain", "invokeUrl": "http://127.0.0.1:1/run"},
		{"name": "tls", "invokeUrl": "https://127.0.0.1:2/run?x=1"},
	}})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
}

func TestInvokeRefusesAStoredURLThatIsNotHTTP(t *testing.T) {
	// A row written before registration checked the URL, or by another
	// program sharing the store: the invoke refuses it without a request.
	ts, invoke := invokeServer(t)
	ts.register(t, map[string]string{"ok": "http://127.0.0.1:1/ok"})
	ctx := context.Background()
	for name, u := range map[string]string{
		"file":   "file:///etc/passwd",
		"gopher": "gopher://127.0.0.1:70/_x",
		"long":   "http://127.0.0.1/" + strings.Repeat("a", 3000),
	} {
		_, err := ts.store.PutTask(ctx, server.RegisteredTask{ProjectUUID: projectA, UUID: "t-" + name, Name: name, InvokeURL: u})
		require.NoError(t, err)
		msg := invoke("t-"+name).requireError(t, http.StatusBadGateway)
		assert.True(t, strings.HasPrefix(msg, "invoke "+name+": the registered invoke URL is refused: "), msg)
		assert.Contains(t, msg, "sync the task again with an http or https invokeUrl")
		assert.Less(t, utf8.RuneCountInString(msg), 400, "the stored URL is summarized: %q", msg)
	}
}

func TestInvokeFollowsRedirectsWithinTheTargetOnly(t *testing.T) {
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		otherHits.Add(1)
		_, _ = io.WriteString(w, `{"stolen":true}`)
	}))
	defer other.Close()
	tg := &target{}
	mux := http.NewServeMux()
	mux.Handle("/sum", tg)
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/sum", http.StatusTemporaryRedirect) // keeps the method and body
	})
	var loops atomic.Int32
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		if loops.Add(1) > 100 { // a broken rule fails the test instead of hanging it
			w.WriteHeader(http.StatusLoopDetected)
			return
		}
		http.Redirect(w, r, "/loop", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/away-later", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/away", http.StatusFound)
	})
	mux.HandleFunc("/tls", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+r.Host+"/sum", http.StatusTemporaryRedirect)
	})
	ts0 := httptest.NewServer(mux)
	defer ts0.Close()
	otherHost := strings.TrimPrefix(other.URL, "http://")

	// The rule holds for a client given with WithInvokeClient, whose own
	// policy is consulted after it, and which is left as it is.
	var policyCalls atomic.Int32
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		policyCalls.Add(1)
		return nil
	}}
	policy := reflect.ValueOf(hc.CheckRedirect).Pointer()
	ts := start(t, server.WithInvokeClient(hc))
	assert.Equal(t, policy, reflect.ValueOf(hc.CheckRedirect).Pointer(), "the given client is not modified")
	ts.register(t, map[string]string{
		"moved": ts0.URL + "/moved", "loop": ts0.URL + "/loop", "away": ts0.URL + "/away",
		"awayLater": ts0.URL + "/away-later", "tls": ts0.URL + "/tls",
	})
	invoke := func(task string) response {
		return ts.do(http.MethodPost, "/api/projects/"+projectA+"/tasks/"+task+"/invoke", map[string]any{"payload": map[string]int{"a": 2, "b": 3}})
	}

	r := invoke("t-moved")
	require.Equal(t, http.StatusOK, r.status, "a redirect within the target is followed: %s", r.body)
	assert.JSONEq(t, `{"responsePayload":{"total":5}}`, string(r.body))
	assert.EqualValues(t, 1, policyCalls.Load(), "the client's own policy is consulted")

	msg := invoke("t-loop").requireError(t, http.StatusBadGateway)
	assert.Equal(t, fmt.Sprintf("invoke loop: target redirected more than %d times", server.MaxInvokeRedirects), msg)
	assert.EqualValues(t, 1+server.MaxInvokeRedirects, loops.Load())

	for _, task := range []string{"away", "awayLater"} {
		msg = invoke("t-"+task).requireError(t, http.StatusBadGateway)
		assert.Contains(t, msg, "invoke "+task+": target redirected to another host")
		assert.Contains(t, msg, otherHost, "the message names the host redirected to")
	}
	assert.Zero(t, otherHits.Load(), "the other host got no request")

	msg = invoke("t-tls").requireError(t, http.StatusBadGateway)
	assert.Contains(t, msg, "target redirected to another host", "another scheme is another origin")
	assert.EqualValues(t, 1+server.MaxInvokeRedirects+1, policyCalls.Load(), "refused redirects never reach the client's policy")
}

func TestInvokeBoundsTheAnswer(t *testing.T) {
	const limit = 64 << 10
	chunk := bytes.Repeat([]byte(`{"x":1}`), 4096)
	var stopped sync.WaitGroup // handlers writing endlessly, until the connection closes
	var exhausted atomic.Bool  // a handler wrote 1000 times the limit: the reader read on
	endless := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			stopped.Add(1)
			defer stopped.Done()
			w.WriteHeader(status)
			for written := 0; written < 1000*limit; written += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
			exhausted.Store(true)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/declared", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(10*limit))
		_, _ = w.Write(bytes.Repeat([]byte(" "), 10*limit))
	})
	mux.HandleFunc("/endless", endless(http.StatusOK))
	mux.HandleFunc("/endless-error", endless(http.StatusInternalServerError))
	mux.Handle("/sum", &target{})
	ts0 := httptest.NewServer(mux)
	defer ts0.Close()
	ts, invoke := invokeServer(t, server.WithMaxBodyBytes(limit))
	ts.register(t, map[string]string{
		"declared": ts0.URL + "/declared", "endless": ts0.URL + "/endless",
		"endlessError": ts0.URL + "/endless-error", "sum": ts0.URL + "/sum",
	})

	msg := invoke("t-declared").requireError(t, http.StatusBadGateway)
	assert.Equal(t, fmt.Sprintf("invoke declared: target answer of %d bytes exceeds the limit of %d bytes", 10*limit, limit), msg)

	began := time.Now()
	msg = invoke("t-endless").requireError(t, http.StatusBadGateway)
	assert.Equal(t, fmt.Sprintf("invoke endless: target answer exceeds the limit of %d bytes", limit), msg)
	msg = invoke("t-endlessError").requireError(t, http.StatusBadGateway)
	assert.True(t, strings.HasPrefix(msg, `invoke endlessError: target answered 500: {"x":1}{"x":1}`), msg)
	assert.LessOrEqual(t, utf8.RuneCountInString(msg), len("invoke endlessError: target answered 500: ")+201)
	assert.Less(t, time.Since(began), 10*time.Second)

	waited := make(chan struct{})
	go func() { stopped.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("the endless answers are still being read: the connections were not closed")
	}
	assert.False(t, exhausted.Load(), "the server stops reading at the limit and closes the connection")

	r := invoke("t-sum")
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.JSONEq(t, `{"responsePayload":{"total":5}}`, string(r.body))
}

func TestInvokeSummarizesTheTargetsError(t *testing.T) {
	long := strings.Repeat("é", 300) + "TAIL"
	mux := http.NewServeMux()
	answer := func(status int, contentType, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("X-Internal-Token", "header-secret")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
	}
	mux.HandleFunc("/long", answer(500, "application/json", `{"error":"`+long+`"}`))
	mux.HandleFunc("/control", answer(500, "application/json",
		`{"error":"line one\nline two\r\n\t\u001b[31mred\u001b[0m \u202egnp.exe\u200b done\u0000"}`))
	mux.HandleFunc("/object", answer(422, "application/json", `{"error":{"field":"a","why":"must be positive"}}`))
	mux.HandleFunc("/html", answer(503, "text/html", "<html><body><h1>Service Unavailable</h1>"+strings.Repeat("<p>filler</p>", 500)+"body-secret</body></html>"))
	mux.HandleFunc("/binary", answer(500, "application/octet-stream", "\xff\xfe\x00\x01bad\xc3"))
	mux.HandleFunc("/empty", answer(502, "text/plain", ""))
	mux.HandleFunc("/text", answer(200, "text/plain", "plain words, not a payload"))
	ts0 := httptest.NewServer(mux)
	defer ts0.Close()
	ts, invoke := invokeServer(t)
	ts.register(t, map[string]string{
		"long": ts0.URL + "/long", "control": ts0.URL + "/control", "object": ts0.URL + "/object",
		"html": ts0.URL + "/html", "binary": ts0.URL + "/binary", "empty": ts0.URL + "/empty", "text": ts0.URL + "/text",
	})

	msg := invoke("t-long").requireError(t, http.StatusBadGateway)
	assert.Equal(t, "invoke long: target answered 500: "+strings.Repeat("é", 200)+"…", msg)

	msg = invoke("t-control").requireError(t, http.StatusBadGateway)
	assert.Equal(t, "invoke control: target answered 500: line one line two [31mred[0m gnp.exe done", msg)
	requireNoControl(t, msg)

	msg = invoke("t-object").requireError(t, http.StatusBadGateway)
	assert.Equal(t, `invoke object: target answered 422: {"field":"a","why":"must be positive"}`, msg)

	msg = invoke("t-html").requireError(t, http.StatusBadGateway)
	assert.True(t, strings.HasPrefix(msg, "invoke html: target answered 503: <html><body><h1>Service Unavailable</h1><p>filler</p>"), msg)
	assert.True(t, strings.HasSuffix(msg, "…"), msg)
	assert.NotContains(t, msg, "body-secret", "never the whole body")
	assert.NotContains(t, msg, "header-secret", "never the headers")

	msg = invoke("t-binary").requireError(t, http.StatusBadGateway)
	assert.Equal(t, "invoke binary: target answered 500: \uFFFDbad\uFFFD", msg, "each run of invalid UTF-8 is one U+FFFD")
	requireNoControl(t, msg)

	msg = invoke("t-empty").requireError(t, http.StatusBadGateway)
	assert.Equal(t, "invoke empty: target answered 502: (empty body)", msg)

	msg = invoke("t-text").requireError(t, http.StatusBadGateway)
	assert.Equal(t, "invoke text: target answer is not JSON", msg)
}
