package hive

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// maxResponseBytes caps how much of a response body is read. The server caps
// ingested bodies at 10 MiB, so a stored record (or a page of them) fits.
const maxResponseBytes = 64 << 20

// maxErrorMessage caps the part of a non-JSON error body kept as a message.
const maxErrorMessage = 512

// transport sends authenticated JSON requests to one server. It is safe for
// concurrent use.
type transport struct {
	host       string
	authHeader string
	client     *http.Client
}

func newTransport(s *settings) *transport {
	return &transport{
		host:       s.host,
		authHeader: "Bearer " + s.apiKey + ":" + s.apiSecret,
		client:     s.httpClient,
	}
}

// do sends a request and decodes a 2xx JSON answer into out (when out is not
// nil and the body is not empty). A non-2xx answer becomes an *APIError, a
// transport failure an error wrapping ErrNetwork, an undecodable 2xx body an
// error wrapping ErrInvalidResponse.
func (t *transport) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	_, err := t.doHeader(ctx, method, path, query, body, out, nil)
	return err
}

// doHeader is do with extra request headers, returning the answer's header
// too (nil when there was no answer).
func (t *transport) doHeader(ctx context.Context, method, path string, query url.Values, body, out any, extra http.Header) (http.Header, error) {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%w: encode request body: %w", ErrInvalidArgument, err)
		}
		reader = bytes.NewReader(data)
	}
	target := t.host + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return nil, fmt.Errorf("%w: build request %s %s: %w", ErrInvalidArgument, method, path, err)
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", t.authHeader)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("hive: %s %s: %w: %w", method, path, ErrNetwork, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return resp.Header, fmt.Errorf("hive: %s %s: read response: %w: %w", method, path, ErrNetwork, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, Message: errorMessage(data)}
		apiErr.setHeaderFields(resp.Header)
		return resp.Header, apiErr
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return resp.Header, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return resp.Header, fmt.Errorf("hive: %s %s: %w: %s", method, path, ErrInvalidResponse, describeJSONError(err))
	}
	return resp.Header, nil
}

// setHeaderFields reads the fields of e an answer's header gives:
// RetryAfter and the size limits.
func (e *APIError) setHeaderFields(h http.Header) {
	e.RetryAfter = parseRetryAfter(h.Get("Retry-After"), time.Now())
	e.MaxBodyBytes = parseLimit(h.Get(wire.MaxBodyBytesHeader))
	e.MaxRecordBytes = parseLimit(h.Get(wire.MaxRecordBytesHeader))
}

// parseLimit reads a size limit header: a positive decimal integer, else 0.
func parseLimit(v string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// errorMessage extracts the "error" field of an error body, or the start of a
// body that is not the JSON error shape.
func errorMessage(data []byte) string {
	var eb wire.ErrorBody
	if json.Unmarshal(data, &eb) == nil && eb.Error != "" {
		return eb.Error
	}
	msg := strings.TrimSpace(string(data))
	if len(msg) > maxErrorMessage {
		msg = msg[:maxErrorMessage] + "…"
	}
	return strings.ToValidUTF8(msg, "�")
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
// It returns 0 for an absent or unreadable header and for a date in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		const maxSecs = int64(24 * time.Hour / time.Second)
		return time.Duration(min(secs, maxSecs)) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		if d := at.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// esc escapes one path segment (a task name may hold spaces or slashes).
func esc(segment string) string { return url.PathEscape(segment) }
