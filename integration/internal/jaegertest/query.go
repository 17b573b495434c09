package jaegertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// ErrNotFound is returned by Trace while Jaeger holds no span of the trace
// (its query API answers 404), and wrapped by WaitTrace when the trace never
// appeared.
var ErrNotFound = errors.New("jaegertest: trace not found")

const (
	// maxErrorBody bounds how much of an error response goes into an error.
	maxErrorBody = 512
	// maxPollInterval caps WaitTrace's backoff between queries.
	maxPollInterval = 250 * time.Millisecond
)

// Trace fetches GET /api/v3/traces/{traceID} and returns the raw body: OTLP
// JSON wrapped as {"result":{"resourceSpans":[...]}}, with trace and span ids
// in hex (ParseTrace decodes the parts tests look at). traceID is the 32-digit
// hex form trace.TraceID.String returns. The error wraps ErrNotFound while
// Jaeger has no span of the trace. Trace blocks for one HTTP round trip,
// bounded by ctx.
func (j *Jaeger) Trace(ctx context.Context, traceID string) ([]byte, error) {
	id, err := trace.TraceIDFromHex(traceID)
	if err != nil {
		return nil, fmt.Errorf("jaegertest: trace id %q: %w", traceID, err)
	}
	url := j.QueryURL() + "/api/v3/traces/" + id.String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("jaegertest: %w", err)
	}
	resp, err := j.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jaegertest: GET %s: %w", url, err)
	}
	defer drain(resp)
	switch resp.StatusCode {
	case http.StatusOK:
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("jaegertest: GET %s: read body: %w", url, err)
		}
		return body, nil
	case http.StatusNotFound:
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	default:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, fmt.Errorf("jaegertest: GET %s: %s: %s", url, resp.Status, body)
	}
}

// WaitTrace queries Trace until the trace holds at least minSpans spans and
// returns that body. It returns early with the error when a response cannot
// be read or decoded; when ctx ends first, the error wraps ctx.Err() (and
// ErrNotFound if the trace never appeared) and says how many spans were seen.
// Spans reach Jaeger's store asynchronously (its batch processor), so a test
// that has flushed its exporter still needs to wait. WaitTrace blocks until
// one of those happens.
func (j *Jaeger) WaitTrace(ctx context.Context, traceID string, minSpans int) ([]byte, error) {
	wait := 10 * time.Millisecond
	seen := 0
	for {
		body, err := j.Trace(ctx, traceID)
		switch {
		case err == nil:
			spans, perr := ParseTrace(body)
			if perr != nil {
				return nil, perr
			}
			if seen = len(spans); seen >= minSpans {
				return body, nil
			}
		case ctx.Err() != nil:
			// The request was cut short by ctx: report that below.
		case !errors.Is(err, ErrNotFound):
			return nil, err
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			if seen == 0 {
				return nil, fmt.Errorf("jaegertest: trace %s: %w: %w", traceID, ErrNotFound, ctx.Err())
			}
			return nil, fmt.Errorf("jaegertest: trace %s holds %d of %d spans: %w", traceID, seen, minSpans, ctx.Err())
		case <-timer.C:
		}
		wait = min(2*wait, maxPollInterval)
	}
}

// drain reads what is left of a response body (at most 64 KiB) and closes
// it, so the connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}
