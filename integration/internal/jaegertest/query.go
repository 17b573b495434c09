package jaegertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/internal/jaegerquery"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// ErrNotFound is wrapped by Trace's error while Jaeger holds no span of the
// trace (its query API answers 404), and by WaitTrace's when the trace never
// appeared. It is jaegerquery.ErrNotFound.
var ErrNotFound = jaegerquery.ErrNotFound

// maxPollInterval caps WaitTrace's backoff between queries.
const maxPollInterval = 250 * time.Millisecond

// Trace fetches the trace from the query API (GET /api/v3/traces/{traceID})
// and returns its spans, as jaegerquery.Fetch does. traceID is the 32-digit
// hex form trace.TraceID.String returns. The error wraps ErrNotFound while
// Jaeger has no span of the trace. Trace blocks for one HTTP round trip,
// bounded by ctx.
func (j *Jaeger) Trace(ctx context.Context, traceID string) ([]otelrecord.Span, error) {
	id, err := trace.TraceIDFromHex(traceID)
	if err != nil {
		return nil, fmt.Errorf("jaegertest: trace id %q: %w", traceID, err)
	}
	return jaegerquery.Fetch(ctx, j.client, j.QueryURL(), id)
}

// WaitTrace queries Trace until the trace holds at least minSpans spans and
// returns them. It returns early with the error when an answer cannot be
// read or decoded; when ctx ends first, the error wraps ctx.Err() (and
// ErrNotFound if the trace never appeared) and says how many spans were seen.
// Spans reach Jaeger's store asynchronously (its batch processor), so a test
// that has flushed its exporter still needs to wait. WaitTrace blocks until
// one of those happens.
func (j *Jaeger) WaitTrace(ctx context.Context, traceID string, minSpans int) ([]otelrecord.Span, error) {
	wait := 10 * time.Millisecond
	seen := 0
	for {
		spans, err := j.Trace(ctx, traceID)
		switch {
		case err == nil:
			if seen = len(spans); seen >= minSpans {
				return spans, nil
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

// Services returns the names of the services Jaeger holds spans of (GET
// /api/v3/services): the service.name of the resources that exported them.
// It blocks for one HTTP round trip, bounded by ctx.
func (j *Jaeger) Services(ctx context.Context) ([]string, error) {
	url := j.QueryURL() + "/api/v3/services"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("jaegertest: %w", err)
	}
	resp, err := j.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jaegertest: %w", err)
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jaegertest: GET %s: %s", url, resp.Status)
	}
	var body struct {
		Services []string `json:"services"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("jaegertest: GET %s: %w", url, err)
	}
	return body.Services, nil
}

// drain reads what is left of a response body (at most 64 KiB) and closes
// it, so the connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}
