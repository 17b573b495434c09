package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"

	"github.com/hivetrace/hivetrace/internal/httpjson"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// httpError is an error with the status it is answered with.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// errorf returns an httpError with a formatted message.
func errorf(status int, format string, args ...any) *httpError {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

// writeJSON answers status with v encoded as JSON (httpjson.Write: no HTML
// escaping, so stored records come back byte for byte).
func writeJSON(w http.ResponseWriter, status int, v any) {
	httpjson.Write(w, status, v)
}

// writeError answers {"error": msg, "status": status}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, wire.ErrorBody{Error: msg, Status: status})
}

// decodeBody reads the request body, bounded by limit, into v. Errors are
// *httpError: 413 when the body is too large, 400 naming the problem when it
// is not the expected JSON.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	data, err := readBody(w, r, limit, "a JSON object")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return errorf(http.StatusBadRequest, "malformed JSON body: %s", describeJSONError(err))
	}
	return nil
}

// readBody reads the request body, bounded by limit. Errors are *httpError:
// 413 when the body is too large, 400 when it cannot be read or is empty
// (want names what was expected).
func readBody(w http.ResponseWriter, r *http.Request, limit int64, want string) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, errorf(http.StatusRequestEntityTooLarge, "request body of %d bytes exceeds the limit of %d bytes", r.ContentLength, limit)
	}
	data, err := readAllSized(http.MaxBytesReader(w, r.Body, limit), r.ContentLength)
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "request body exceeds the limit of %d bytes", limit)
		}
		if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
			return nil, errorf(http.StatusRequestTimeout, "request body not received within the read timeout")
		}
		return nil, errorf(http.StatusBadRequest, "read request body: %v", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errorf(http.StatusBadRequest, "request body is empty: expected %s", want)
	}
	return data, nil
}

// describeJSONError turns a decoding error into a message naming the problem
// and where it is.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("%v (at byte %d)", syn, syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("field %q must be %s, got %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return fmt.Sprintf("expected %s, got %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	default:
		return err.Error()
	}
}

// jsonKind names a Go kind the way a JSON user thinks of it.
func jsonKind(kind string) string {
	switch kind {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "float64", "float32", "int", "int64", "int32", "uint", "uint64":
		return "a number"
	default:
		return kind
	}
}

// respondError answers err: its own status for an *httpError, 500 otherwise.
// A 413 answer carries the server's limits (setLimitHeaders).
func (s *Server) respondError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := s.errorStatus(r, err)
	if status == http.StatusRequestEntityTooLarge {
		s.setLimitHeaders(w)
	}
	writeError(w, status, msg)
}

// errorStatus returns the status and message err is answered with: its own
// for an *httpError, storeStatus's otherwise.
func (s *Server) errorStatus(r *http.Request, err error) (int, string) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, he.msg
	}
	return s.storeStatus(r, err)
}

// setLimitHeaders states the server's size limits in the headers of an
// answer (wire.MaxBodyBytesHeader and the others): every 413 answer and
// every batch ingest answer carries them.
func (s *Server) setLimitHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set(wire.MaxBodyBytesHeader, strconv.FormatInt(s.cfg.maxBodyBytes, 10))
	h.Set(wire.MaxRecordBytesHeader, strconv.FormatInt(s.cfg.maxRecordBytes, 10))
	h.Set(wire.MaxBatchItemsHeader, strconv.Itoa(MaxBatchItems))
}

// storeStatus maps a store error to a status and message; failures that are
// not about the data are logged and answered 500 without details.
func (s *Server) storeStatus(r *http.Request, err error) (int, string) {
	switch {
	case errors.Is(err, ErrNotStored):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, ErrAmbiguous):
		return http.StatusConflict, err.Error() + "; pass the projectUuid query parameter"
	case errors.Is(err, ErrInvalid):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, ErrConflict):
		return http.StatusConflict, err.Error()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "request canceled"
	default:
		s.cfg.logger.ErrorContext(r.Context(), "hive server: store failure",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
		return http.StatusInternalServerError, "internal store error"
	}
}
