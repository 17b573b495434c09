package main

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// maxProxiedBody caps the request and response bodies the proxy reads.
const maxProxiedBody = 64 << 20

// countingProxy forwards every request to one upstream (hive serve) and
// counts, per record uuid, the 2xx answers of the ingest endpoints it
// passes back. When the upstream cannot be reached or fails mid-request,
// it closes the client's connection without an answer, as a dead server
// would, rather than answering 502. It is safe for concurrent use.
type countingProxy struct {
	upstream string // http://host:port
	client   *http.Client

	mu       sync.Mutex
	answers  map[string]int // 2xx ingest answers per record uuid
	aborted  int            // requests closed without an answer
	answered int            // requests answered
}

func newCountingProxy(upstream string) *countingProxy {
	tr := &http.Transport{
		Proxy:                 nil, // never an HTTP proxy from the environment
		DialContext:           (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: time.Minute,
		DisableCompression:    true, // bodies pass through as they are
	}
	return &countingProxy{
		upstream: upstream,
		client:   &http.Client{Transport: tr},
		answers:  make(map[string]int),
	}
}

// ServeHTTP forwards r to the upstream and its answer back.
func (p *countingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqBody, err := io.ReadAll(io.LimitReader(r.Body, maxProxiedBody))
	if err != nil {
		p.abort()
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.upstream+r.URL.RequestURI(), bytes.NewReader(reqBody))
	if err != nil {
		p.abort()
		return
	}
	out.Header = r.Header.Clone()
	removeHopHeaders(out.Header)
	resp, err := p.client.Do(out)
	if err != nil {
		p.abort()
		return
	}
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, maxProxiedBody))
	_ = resp.Body.Close()
	if err != nil {
		p.abort()
		return
	}
	var ids []string
	if r.Method == http.MethodPost && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		ids = acked(r.URL.Path,
			decoded(reqBody, r.Header.Get("Content-Encoding")),
			decoded(respBody, resp.Header.Get("Content-Encoding")))
	}
	p.mu.Lock()
	p.answered++
	for _, id := range ids {
		p.answers[id]++
	}
	p.mu.Unlock()

	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = vs
	}
	removeHopHeaders(h)
	h.Set("Content-Length", strconv.Itoa(len(respBody)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}

// abort closes the client's connection without an answer: net/http ends a
// handler that panics with http.ErrAbortHandler that way, silently.
func (p *countingProxy) abort() {
	p.mu.Lock()
	p.aborted++
	p.mu.Unlock()
	panic(http.ErrAbortHandler)
}

// hopHeaders are the hop-by-hop headers a proxy does not pass on.
var hopHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade", "Proxy-Connection",
}

func removeHopHeaders(h http.Header) {
	for _, k := range hopHeaders {
		h.Del(k)
	}
}

// proxyCounts is what the proxy saw.
type proxyCounts struct {
	records    int // distinct record uuids acknowledged at least once
	duplicates int // acknowledgements beyond the first of each uuid
	answered   int // requests answered (any status)
	aborted    int // requests closed without an answer
}

// counts returns what the proxy saw since it started or was reset.
func (p *countingProxy) counts() proxyCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := proxyCounts{records: len(p.answers), answered: p.answered, aborted: p.aborted}
	for _, n := range p.answers {
		c.duplicates += n - 1
	}
	return c
}

// serveProxy serves p on a free 127.0.0.1 port and returns its base URL and
// a function that stops it.
func serveProxy(p *countingProxy) (url string, stop func(), err error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{
		Handler:           p,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	return "http://" + ln.Addr().String(), func() {
		_ = srv.Close()
		<-done
		p.client.CloseIdleConnections()
	}, nil
}
