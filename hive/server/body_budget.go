package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// bodyBudget counts the bytes of request bodies in flight against a total
// (WithBodyBudget). It is safe for concurrent use.
type bodyBudget struct {
	total int64

	mu   sync.Mutex
	used int64
}

func newBodyBudget(total int64) *bodyBudget {
	return &bodyBudget{total: total}
}

// reserve takes n bytes from the budget, or the whole budget when n is
// larger, and returns how many it took; it takes nothing and reports false
// when they are not free.
func (b *bodyBudget) reserve(n int64) (int64, bool) {
	n = min(n, b.total)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.total {
		return 0, false
	}
	b.used += n
	return n, true
}

// release returns n bytes taken with reserve.
func (b *bodyBudget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}

// bodyReservation is what a request reserves from the budget before its
// body is read: its Content-Length, the body limit when the length is not
// declared, nothing when it has no body or declares one over the limit
// (readBody refuses that one unread).
func bodyReservation(r *http.Request, limit int64) int64 {
	switch {
	case r.Body == nil || r.Body == http.NoBody:
		return 0
	case r.ContentLength < 0:
		return limit
	case r.ContentLength > limit:
		return 0
	default:
		return r.ContentLength
	}
}

// serveWithinBodyBudget routes an authorized request once the body budget
// covers its body, and returns the reservation when the request has been
// answered. A request the budget cannot cover is answered 503 with
// Retry-After, its body unread.
func (s *Server) serveWithinBodyBudget(w http.ResponseWriter, r *http.Request) {
	if n := bodyReservation(r, s.bodyLimit(r)); n > 0 {
		got, ok := s.cfg.bodies.reserve(n)
		if !ok {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, fmt.Sprintf(
				"server busy: request bodies in flight fill the body budget of %d bytes; retry later", s.cfg.bodyBudget))
			return
		}
		defer s.cfg.bodies.release(got)
	}
	s.mux.ServeHTTP(w, r)
}

// bodyLimit is the largest body the request's route reads: the bundle
// limit (WithMaxBundleBytes) for a bundle upload, else the body limit.
func (s *Server) bodyLimit(r *http.Request) int64 {
	if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/bundle") {
		return max(s.cfg.maxBundleBytes, s.cfg.maxBodyBytes)
	}
	return s.cfg.maxBodyBytes
}

// readAllSized reads rd to its end like io.ReadAll, into one buffer of the
// declared size when size is known (>= 0), so that a body takes its own size
// in memory rather than the doubling buffers io.ReadAll grows. readBody
// refuses a declared size over its limit before calling it.
func readAllSized(rd io.Reader, size int64) ([]byte, error) {
	if size < 0 {
		return io.ReadAll(rd)
	}
	buf := make([]byte, 0, size+1) // +1: the end is found without growing
	for {
		if len(buf) == cap(buf) { // more than declared: grow as io.ReadAll does
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
