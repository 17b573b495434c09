package hive

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Sentinel errors. Every error this package returns wraps at most one of the
// errors that classify an HTTP answer (ErrUnauthorized, ErrNotFound,
// ErrRateLimited, ErrBadRequest, ErrServer) or ErrNetwork, so errors.Is tells
// them apart without string matching.
var (
	// ErrUnauthorized: the server refused the credentials (401 or 403).
	ErrUnauthorized = errors.New("hive: unauthorized")
	// ErrNotFound: the server does not know the resource (404).
	ErrNotFound = errors.New("hive: not found")
	// ErrRateLimited: the server asked the client to slow down (429).
	ErrRateLimited = errors.New("hive: rate limited")
	// ErrBadRequest: the server rejected the request (a 4xx status other than
	// 401, 403, 404 and 429). Sending the same request again will not help.
	ErrBadRequest = errors.New("hive: request rejected")
	// ErrServer: the server failed (5xx).
	ErrServer = errors.New("hive: server error")
	// ErrNetwork: the request did not get an HTTP answer (connection refused,
	// reset, timeout, cancelled context…).
	ErrNetwork = errors.New("hive: network error")
	// ErrInvalidResponse: the server answered with a body that could not be
	// decoded, or with an unexpected status.
	ErrInvalidResponse = errors.New("hive: invalid response")

	// ErrSilent: the client has no credentials, so it is in silent mode and
	// did not touch the network.
	ErrSilent = errors.New("hive: silent mode (no credentials)")
	// ErrNoCredentials: an operation that needs credentials was configured
	// without them.
	ErrNoCredentials = errors.New("hive: no credentials (set APIKey and APISecret, or HIVE_API_KEY and HIVE_API_SECRET)")
	// ErrNoProject: no project uuid is configured (Config.ProjectUUID or the
	// project of forge.json) where one is needed; sending records needs a
	// project uuid or a project name.
	ErrNoProject = errors.New("hive: no project uuid configured")
	// ErrInvalidConfig: the configuration is unusable (for example a host that
	// is not an http or https URL).
	ErrInvalidConfig = errors.New("hive: invalid config")
	// ErrInvalidForge: a forge.json file could not be read or decoded.
	ErrInvalidForge = errors.New("hive: invalid forge.json")
	// ErrInvalidArgument: a method was called with an unusable argument (nil
	// record, empty task name, non-finite score…). Nothing was sent.
	ErrInvalidArgument = errors.New("hive: invalid argument")
	// ErrNoBatchRoute: the server does not serve POST /api/log-ingest/batch
	// (it answered 404, as the hosted Hive does): send the records one at a
	// time with SendLog instead. The error also wraps the *APIError.
	ErrNoBatchRoute = errors.New("hive: server has no batch ingest route")
	// ErrInvokeFailed: the server reached the invoked task but the task
	// reported an error.
	ErrInvokeFailed = errors.New("hive: invoked task failed")
)

// APIError is an HTTP answer outside 2xx. It wraps the sentinel matching its
// status (see Unwrap), so errors.Is(err, ErrNotFound) works on it; use
// errors.As to read the status, the server's message or Retry-After.
type APIError struct {
	// Method and Path identify the request (no host, no credentials).
	Method, Path string
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Message is the server's "error" field, or the start of the body when it
	// is not the JSON error shape.
	Message string
	// RetryAfter is the delay the server asked for in a Retry-After header
	// (seconds or an HTTP date); zero when absent.
	RetryAfter time.Duration
	// MaxBodyBytes is the largest request body the server accepts, as its
	// Hive-Max-Body-Bytes header states it (413 answers of this project's
	// server carry it); zero when absent.
	MaxBodyBytes int64
	// MaxRecordBytes is the largest record the server stores, as its
	// Hive-Max-Record-Bytes header states it; zero when absent.
	MaxRecordBytes int64
}

// SizeLimit is the smaller of MaxBodyBytes and MaxRecordBytes that the server
// stated, the most one record may weigh; zero when it stated neither.
func (e *APIError) SizeLimit() int64 {
	switch {
	case e.MaxBodyBytes > 0 && e.MaxRecordBytes > 0:
		return min(e.MaxBodyBytes, e.MaxRecordBytes)
	default:
		return max(e.MaxBodyBytes, e.MaxRecordBytes)
	}
}

// Error describes the request, the status and the server's message.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("hive: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Unwrap returns the sentinel that classifies the status: ErrUnauthorized
// (401, 403), ErrNotFound (404), ErrRateLimited (429), ErrBadRequest (other
// 4xx), ErrServer (5xx) or ErrInvalidResponse (anything else).
func (e *APIError) Unwrap() error {
	switch {
	case e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden:
		return ErrUnauthorized
	case e.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case e.StatusCode == http.StatusTooManyRequests:
		return ErrRateLimited
	case e.StatusCode >= 400 && e.StatusCode < 500:
		return ErrBadRequest
	case e.StatusCode >= 500 && e.StatusCode < 600:
		return ErrServer
	default:
		return ErrInvalidResponse
	}
}

// Retryable reports whether sending the same request again may succeed: the
// request failed on the network, the server failed (5xx), it asked to slow
// down (429) or it timed out reading the request (408). Errors caused by the
// caller's own context being done are not retryable.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var apiErr *APIError
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusRequestTimeout {
		return true
	}
	return errors.Is(err, ErrNetwork) || errors.Is(err, ErrServer) || errors.Is(err, ErrRateLimited)
}
