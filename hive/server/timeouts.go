package server

import (
	"net/http"
	"time"
)

// Default deadlines of a request served by Serve.
const (
	// DefaultReadTimeout bounds reading one request, headers and body: a
	// client that sends its body slower than that loses the connection.
	DefaultReadTimeout = 30 * time.Second
	// DefaultWriteTimeout bounds handling one request and writing its
	// answer, counted from the end of its headers: a client that reads the
	// answer slower than that loses the connection, and the handler is freed.
	DefaultWriteTimeout = 60 * time.Second
	// DefaultReadHeaderTimeout bounds reading a request's headers.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultIdleTimeout bounds how long a kept-alive connection waits for
	// its next request.
	DefaultIdleTimeout = 2 * time.Minute
)

// WithReadTimeout sets how long Serve waits for a whole request, headers and
// body; default DefaultReadTimeout. A body still arriving when it expires is
// answered 408 if the connection allows, and the connection is closed. Values
// <= 0 are ignored.
func WithReadTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.readTimeout = d
		}
	})
}

// WithWriteTimeout sets how long Serve lets a request take from the end of
// its headers to the last byte of its answer; default DefaultWriteTimeout.
// An answer still being written when it expires (a client reading slowly or
// not at all) is cut off and its connection closed. Invoke requests get the
// invoke client's timeout on top of it. Values <= 0 are ignored.
func WithWriteTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.writeTimeout = d
		}
	})
}

// extendWriteDeadline gives a request that waits on an invoke target the
// invoke client's timeout on top of the write timeout, so the write
// deadline Serve set does not cut the target's answer off.
func (s *Server) extendWriteDeadline(w http.ResponseWriter) {
	wait := s.cfg.invokeClient.Timeout
	if wait <= 0 {
		wait = DefaultInvokeTimeout
	}
	// Fails only for a ResponseWriter without deadlines (a test recorder).
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(wait + s.cfg.writeTimeout))
}
