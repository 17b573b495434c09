package jaegerquery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpjson"
)

// Errors Fetch wraps, to be tested with errors.Is.
var (
	// ErrNotFound: Jaeger holds no span of the trace (it answers 404).
	ErrNotFound = errors.New("jaegerquery: trace not found")
	// ErrStatus: Jaeger answered with a status other than 200 and 404.
	ErrStatus = errors.New("jaegerquery: unexpected answer")
	// ErrUndecodable: the answer is not OTLP JSON, or larger than
	// MaxTraceBytes. Errors from otlpjson are wrapped too.
	ErrUndecodable = errors.New("jaegerquery: undecodable answer")
	// ErrInvalidTraceID: the trace id is zero.
	ErrInvalidTraceID = errors.New("jaegerquery: invalid trace id")
)

const (
	// MaxTraceBytes caps the size of one trace answer Fetch reads.
	MaxTraceBytes = 256 << 20
	// maxErrorBody bounds how much of an error answer goes into an error.
	maxErrorBody = 512
	// maxDrain bounds how much of an unread answer is read so that the
	// connection can be reused.
	maxDrain = 64 << 10
)

// Fetch fetches the trace id from Jaeger's query API at baseURL (for
// example http://127.0.0.1:16686, as httpurl.Base returns it: no trailing
// slash) and returns its spans in the order the answer lists them. It blocks
// for one HTTP round trip through client (http.DefaultClient when nil),
// bounded by ctx and the client's timeout.
//
// The error wraps ErrNotFound while Jaeger holds no span of the trace,
// ErrStatus for any other answer but 200 (with the start of its body),
// ErrUndecodable for an answer that is not OTLP JSON or is larger than
// MaxTraceBytes, ErrInvalidTraceID for the zero id, and otherwise the
// transport's error. Fetch never panics on what Jaeger answers.
func Fetch(ctx context.Context, client *http.Client, baseURL string, id trace.TraceID) ([]otelrecord.Span, error) {
	if !id.IsValid() {
		return nil, fmt.Errorf("%w: %s", ErrInvalidTraceID, id)
	}
	url := baseURL + "/api/v3/traces/" + id.String()
	body, err := get(ctx, client, url)
	if err != nil {
		return nil, err
	}
	spans, err := otlpjson.Spans(body)
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: %w", ErrUndecodable, url, err)
	}
	return spans, nil
}

// maxTraceBytes is MaxTraceBytes, lowered by tests.
var maxTraceBytes = MaxTraceBytes

// get returns the body of a 200 answer to GET url, asked through client
// (http.DefaultClient when nil). A 404 answer gives a *notFoundError.
func get(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("jaegerquery: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jaegerquery: %w", err)
	}
	defer drain(resp.Body)
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, &notFoundError{url: url, body: body}
	default:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, fmt.Errorf("%w: GET %s: %s: %s", ErrStatus, url, resp.Status, strings.TrimSpace(string(body)))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(maxTraceBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("jaegerquery: GET %s: read answer: %w", url, err)
	}
	if len(body) > maxTraceBytes {
		return nil, fmt.Errorf("%w: GET %s: answer larger than %d bytes", ErrUndecodable, url, maxTraceBytes)
	}
	return body, nil
}

// notFoundError is get's error for a 404 answer: it wraps ErrNotFound and
// keeps the start of the answer, which tells Jaeger's "nothing found" from a
// path nothing serves.
type notFoundError struct {
	url  string
	body []byte
}

// Error implements error.
func (e *notFoundError) Error() string { return ErrNotFound.Error() + ": GET " + e.url }

// Unwrap returns ErrNotFound.
func (e *notFoundError) Unwrap() error { return ErrNotFound }

// fromJaeger reports whether the answer is Jaeger's error object,
// {"error":{"httpCode":404,"message":…}}.
func (e *notFoundError) fromJaeger() bool {
	var answer struct {
		Error *struct {
			HTTPCode int `json:"httpCode"`
		} `json:"error"`
	}
	return json.Unmarshal(e.body, &answer) == nil && answer.Error != nil && answer.Error.HTTPCode == http.StatusNotFound
}

// drain reads what is left of an answer, up to maxDrain bytes, and closes
// it, so that the connection can be reused.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrain))
	_ = body.Close()
}
