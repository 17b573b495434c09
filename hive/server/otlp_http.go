package server

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
)

// OTLPTracesPath is the path of the OTLP/HTTP trace endpoint, the default
// of OTLP exporters (OTEL_EXPORTER_OTLP_ENDPOINT plus "/v1/traces").
const OTLPTracesPath = "/v1/traces"

// budgetRetryAfter is the wait a request refused for the body budget is
// told to make.
const budgetRetryAfter = time.Second

// serveOTLPHTTP serves POST /v1/traces, an OTLP/HTTP trace export, in
// either encoding of the specification: application/x-protobuf or
// application/json, gzip-compressed or not. It authorizes the request and
// reserves its body from the body budget itself, so that every answer is
// the specification's: 200 with an ExportTraceServiceResponse (its
// partial_success counting the spans refused), or a google.rpc.Status in the
// request's encoding with 400 (undecodable body), 401, 413, 415 (content
// type or encoding), or 429 and 503 with Retry-After (authentication
// throttled, body budget full, store busy).
func (s *Server) serveOTLPHTTP(w http.ResponseWriter, r *http.Request) {
	enc, known := otlpEncodingOf(r.Header.Get("Content-Type"))
	if ref := s.checkAuth(r.Context(), r.Header.Get("Authorization"), remoteIP(r)); ref != nil {
		f := failuref(ref.status, ref.reason)
		f.retryAfter = ref.retryAfter
		writeOTLPFailure(w, enc, f)
		return
	}
	if !known {
		writeOTLPFailure(w, enc, failuref(http.StatusUnsupportedMediaType, fmt.Sprintf(
			"unsupported content type %q: send %s or %s", r.Header.Get("Content-Type"), contentTypeProtobuf, contentTypeJSON)))
		return
	}
	resp, err := s.exportOTLPHTTP(r, enc)
	if err != nil {
		var f *otlpFailure
		if !errors.As(err, &f) {
			f = s.storeFailure(r.Context(), err)
		}
		writeOTLPFailure(w, enc, f)
		return
	}
	writeOTLP(w, enc, http.StatusOK, resp)
}

// exportOTLPHTTP reads, decodes and accepts the export of an authorized
// request. Errors are *otlpFailure, or a store failure.
func (s *Server) exportOTLPHTTP(r *http.Request, enc otlpEncoding) (*coltracepb.ExportTraceServiceResponse, error) {
	gz, err := contentEncodingOf(r.Header.Get("Content-Encoding"))
	if err != nil {
		return nil, err
	}
	limit := s.cfg.maxBodyBytes
	res := bodyReservation(r, limit)
	if res > 0 {
		got, ok := s.cfg.bodies.reserve(res)
		if !ok {
			return nil, s.budgetFailure()
		}
		defer s.cfg.bodies.release(got)
	}
	if r.ContentLength > limit {
		return nil, failuref(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("request body of %d bytes exceeds the limit of %d bytes", r.ContentLength, limit))
	}
	data, err := readAllSized(io.LimitReader(r.Body, limit+1), r.ContentLength)
	if err != nil {
		return nil, readFailure(err)
	}
	if int64(len(data)) > limit {
		return nil, failuref(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds the limit of %d bytes", limit))
	}
	if gz {
		var reserved int64
		data, reserved, err = s.gunzip(data, limit)
		defer s.cfg.bodies.release(reserved)
		if err != nil {
			return nil, err
		}
	}
	exp, err := decodeExport(data, enc)
	if err != nil {
		f := failuref(http.StatusBadRequest, err.Error())
		f.badRequest = true
		return nil, f
	}
	return s.acceptExport(r.Context(), exp)
}

// decodeExport reads an export in the encoding.
func decodeExport(data []byte, enc otlpEncoding) (otlpExport, error) {
	if enc == otlpProtobuf {
		return scanExport(data)
	}
	req, err := decodeOTLPJSON(data)
	if err != nil {
		return otlpExport{}, err
	}
	return exportOf(req), nil
}

// contentEncodingOf reports whether a Content-Encoding is gzip; other
// encodings than gzip and identity are refused with 415.
func contentEncodingOf(ce string) (gzip bool, err error) {
	switch strings.ToLower(strings.TrimSpace(ce)) {
	case "", "identity":
		return false, nil
	case "gzip", "x-gzip":
		return true, nil
	}
	return false, failuref(http.StatusUnsupportedMediaType, fmt.Sprintf("unsupported content encoding %q: send gzip or none", ce))
}

// readFailure describes an error reading a request body.
func readFailure(err error) *otlpFailure {
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return failuref(http.StatusRequestTimeout, "request body not received within the read timeout")
	}
	return failuref(http.StatusBadRequest, fmt.Sprintf("read request body: %v", err))
}

// budgetFailure is the answer to a request the body budget cannot cover.
func (s *Server) budgetFailure() *otlpFailure {
	f := failuref(http.StatusServiceUnavailable, fmt.Sprintf(
		"server busy: request bodies in flight fill the body budget of %d bytes; retry later", s.cfg.bodyBudget))
	f.retryAfter = budgetRetryAfter
	return f
}

// gunzipChunk is the step by which the buffer of a decompressed body grows,
// each step reserved from the body budget.
const gunzipChunk = 256 << 10

// gunzip decompresses a gzip body of at most limit bytes once decompressed
// (a larger one is refused with 413 as soon as it passes the limit, however
// well it compresses), reserving its buffer from the body budget as it
// grows. It returns the bytes reserved, to be released when the body is no
// longer used, also when it fails.
func (s *Server) gunzip(data []byte, limit int64) ([]byte, int64, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, 0, failuref(http.StatusBadRequest, fmt.Sprintf("gzip body does not decompress: %v", err))
	}
	var reserved int64
	grow := func(buf []byte) ([]byte, error) {
		n := min(int64(cap(buf))+gunzipChunk, limit+1) - int64(cap(buf))
		got, ok := s.cfg.bodies.reserve(n)
		if !ok {
			return buf, s.budgetFailure()
		}
		reserved += got
		return slices.Grow(buf, int(n)), nil
	}
	var buf []byte
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				return nil, reserved, failuref(http.StatusRequestEntityTooLarge,
					fmt.Sprintf("decompressed request body exceeds the limit of %d bytes", limit))
			}
			if buf, err = grow(buf); err != nil {
				return nil, reserved, err
			}
		}
		n, err := zr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, reserved, failuref(http.StatusBadRequest, fmt.Sprintf("gzip body does not decompress: %v", err))
		}
	}
	if int64(len(buf)) > limit {
		return nil, reserved, failuref(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("decompressed request body exceeds the limit of %d bytes", limit))
	}
	return buf, reserved, nil
}
