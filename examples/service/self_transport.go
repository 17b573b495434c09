package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

	"github.com/hivetrace/hivetrace/examples/internal/shop"
)

// selfHost is the host of the profile API's URL when the service is its
// own profile API (no PROFILE_API_URL).
const selfHost = "self.invalid"

// selfURL is that URL.
const selfURL = "http://" + selfHost + "/upstream"

// selfTransport sends the requests for selfHost to the service itself:
// over HTTP to the address it serves on once serve listens (so a trace
// shows the outbound call and the service's server span), and to the
// profile API handler in the process before that (run and replay, which
// serve nothing). Other requests go to next unchanged.
type selfTransport struct {
	next  http.RoundTripper
	addr  atomic.Pointer[string]
	local http.Handler
}

func newSelfTransport(next http.RoundTripper) *selfTransport {
	return &selfTransport{next: next, local: http.StripPrefix("/upstream", shop.ProfileAPI())}
}

// listening records the address serve listens on; requests for selfHost
// reach it on the loopback interface from then on.
func (s *selfTransport) listening(addr net.Addr) {
	_, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return
	}
	hostPort := net.JoinHostPort("127.0.0.1", port)
	s.addr.Store(&hostPort)
}

// RoundTrip implements http.RoundTripper. It never modifies req.
func (s *selfTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != selfHost {
		return s.next.RoundTrip(req)
	}
	if hostPort := s.addr.Load(); hostPort != nil {
		out := req.Clone(req.Context())
		out.URL.Host, out.Host = *hostPort, ""
		return s.next.RoundTrip(out)
	}
	rec := httptest.NewRecorder()
	s.local.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}
