package jaegerquery

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpjson"
)

// Defaults of a Query.
const (
	// DefaultLimit is the number of traces asked of one query
	// (query.num_traces) when Query.Limit is zero.
	DefaultLimit = 100
	// DefaultMinWindow is the narrowest window Search splits down to when
	// Query.MinWindow is zero.
	DefaultMinWindow = time.Millisecond
)

// Errors Search yields, besides those of Fetch, to be tested with errors.Is.
var (
	// ErrInvalidQuery: the Query lacks a service or a time range, or its
	// range ends before it starts. Search yields it alone, with no request.
	ErrInvalidQuery = errors.New("jaegerquery: invalid query")
	// ErrWindowFull: a window of the minimum width still holds the limit,
	// so traces that start in it may be missed. Its traces are yielded all
	// the same.
	ErrWindowFull = errors.New("jaegerquery: window holds the limit at the minimum width; traces may be missed")
)

// Query selects the traces Search walks: those holding a span of Service
// that starts between Start and End, both included (Jaeger's
// query.start_time_min and query.start_time_max).
type Query struct {
	// Service is the service name (query.service_name). Required.
	Service string
	// Start and End bound the start times of the spans looked for. Both
	// are required and End must not be before Start.
	Start, End time.Time
	// Limit is the number of traces one query asks for
	// (query.num_traces); DefaultLimit when zero. Jaeger's in-memory store
	// refuses a limit above its max_traces.
	Limit int
	// MinWindow is the narrowest window Search splits down to;
	// DefaultMinWindow when zero.
	MinWindow time.Duration
}

// withDefaults returns q with its zero fields defaulted, or an error
// wrapping ErrInvalidQuery.
func (q Query) withDefaults() (Query, error) {
	switch {
	case q.Service == "":
		return q, fmt.Errorf("%w: no service", ErrInvalidQuery)
	case q.Start.IsZero() || q.End.IsZero():
		return q, fmt.Errorf("%w: no time range", ErrInvalidQuery)
	case q.End.Before(q.Start):
		return q, fmt.Errorf("%w: range ends (%s) before it starts (%s)", ErrInvalidQuery, formatTime(q.End), formatTime(q.Start))
	case q.Limit < 0:
		return q, fmt.Errorf("%w: negative limit %d", ErrInvalidQuery, q.Limit)
	case q.MinWindow < 0:
		return q, fmt.Errorf("%w: negative minimum window %s", ErrInvalidQuery, q.MinWindow)
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.MinWindow == 0 {
		q.MinWindow = DefaultMinWindow
	}
	return q, nil
}

// Trace is a trace Search found: its id and its spans, whole.
type Trace struct {
	// ID is the trace id.
	ID trace.TraceID
	// Spans are the trace's spans. When the trace reaches past the window
	// it was found in, they are those Fetch returns for ID.
	Spans []otelrecord.Span
}

// Window is a time window Search is done with.
type Window struct {
	// Start and End bound the window, both included.
	Start, End time.Time
	// Traces is the number of traces Jaeger answered for it, those seen in
	// earlier windows included.
	Traces int
	// Err is why the window is not fully read: the error yielded for it
	// (a *WindowError), or nil.
	Err error
}

// WindowError reports a window Search could not read fully: Jaeger did not
// answer the query, or the window holds the limit at the minimum width
// (Err wraps ErrWindowFull).
type WindowError struct {
	// Start and End bound the window, both included.
	Start, End time.Time
	// Err is what went wrong.
	Err error
}

// Error implements error.
func (e *WindowError) Error() string {
	return fmt.Sprintf("jaegerquery: window %s to %s: %v", formatTime(e.Start), formatTime(e.End), e.Err)
}

// Unwrap returns Err.
func (e *WindowError) Unwrap() error { return e.Err }

// SearchOption configures Search.
type SearchOption func(*searchConfig)

type searchConfig struct {
	onWindow func(Window)
}

// OnWindow has Search call fn, from the goroutine ranging over it, each
// time it is done with a window: after yielding the window's traces, or its
// error. Split windows are not reported, only their halves, so the widths
// of the windows reported add up to the whole range (edges counted twice).
func OnWindow(fn func(Window)) SearchOption {
	return func(c *searchConfig) { c.onWindow = fn }
}

// Search walks Jaeger's query API v3 at baseURL (GET /api/v3/traces with
// query.service_name, query.start_time_min, query.start_time_max and
// query.num_traces) over the range of q and yields every trace found there
// once, whole. Jaeger has no cursor and answers at most q.Limit traces, so
// Search queries the range in windows: a window whose answer holds the
// limit is split in two halves queried again, earlier half first, until
// every window holds fewer traces than the limit or is q.MinWindow wide.
// Traces are yielded window after window, earliest window first, in the
// order of Jaeger's answer; a trace seen in an earlier window (one that
// spans a window edge) is not yielded again. A trace with a span that starts
// or ends outside the window it is found in, or whose parent is not in the
// answer, is fetched by id (Fetch) so that its spans are all there.
//
// Search yields an error and goes on with the next window for a window that
// Jaeger could not answer (a *WindowError wrapping the error, as Fetch
// reports them) and for one that holds the limit at the minimum width (a
// *WindowError wrapping ErrWindowFull, after the window's traces); it
// yields an error with the trace's ID and goes on for a trace that could
// not be fetched. A query that is not valid is yielded alone, wrapping
// ErrInvalidQuery, and once ctx is done Search yields its error and stops.
// Requests go through client (http.DefaultClient when nil), one at a time,
// each bounded by ctx and the client's timeout. Search never panics on what
// Jaeger answers.
func Search(ctx context.Context, client *http.Client, baseURL string, q Query, opts ...SearchOption) iter.Seq2[Trace, error] {
	var cfg searchConfig
	for _, o := range opts {
		o(&cfg)
	}
	return func(yield func(Trace, error) bool) {
		q, err := q.withDefaults()
		if err != nil {
			yield(Trace{}, err)
			return
		}
		s := &search{ctx: ctx, client: client, baseURL: baseURL, q: q, cfg: cfg, seen: make(map[trace.TraceID]struct{})}
		s.walk(yield)
	}
}

// search is the state of one walk.
type search struct {
	ctx     context.Context
	client  *http.Client
	baseURL string
	q       Query
	cfg     searchConfig
	// seen holds the ids of the traces met so far.
	seen map[trace.TraceID]struct{}
}

// window is a range of span start times, both ends included.
type window struct{ start, end time.Time }

// walk queries the windows depth first, earliest first, and yields what
// they hold. It returns when yield asks to stop or ctx is done.
func (s *search) walk(yield func(Trace, error) bool) {
	stack := []window{{s.q.Start, s.q.End}}
	for len(stack) > 0 {
		w := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if err := s.ctx.Err(); err != nil {
			yield(Trace{}, fmt.Errorf("jaegerquery: search: %w", err))
			return
		}
		found, err := s.find(w)
		if err != nil {
			if ctxErr := s.ctx.Err(); ctxErr != nil {
				yield(Trace{}, fmt.Errorf("jaegerquery: search: %w", ctxErr))
				return
			}
			werr := &WindowError{Start: w.start, End: w.end, Err: err}
			if !yield(Trace{}, werr) {
				return
			}
			s.done(w, 0, werr)
			continue
		}
		full := len(found) >= s.q.Limit
		if width := w.end.Sub(w.start); full && width > s.q.MinWindow {
			// width is 2 ns or more: mid is strictly inside. The halves
			// share mid, the traces found there both times are seen once.
			mid := w.start.Add(width / 2)
			stack = append(stack, window{mid, w.end}, window{w.start, mid})
			continue
		}
		for _, t := range found {
			if _, ok := s.seen[t.ID]; ok {
				continue
			}
			s.seen[t.ID] = struct{}{}
			var err error
			if !whole(t.Spans, w) {
				t.Spans, err = Fetch(s.ctx, s.client, s.baseURL, t.ID)
				if err != nil {
					if ctxErr := s.ctx.Err(); ctxErr != nil {
						yield(Trace{}, fmt.Errorf("jaegerquery: search: %w", ctxErr))
						return
					}
					err = fmt.Errorf("jaegerquery: trace %s reaches past its window: %w", t.ID, err)
					t.Spans = nil
				}
			}
			if !yield(t, err) {
				return
			}
		}
		var werr error
		if full {
			werr = &WindowError{Start: w.start, End: w.end, Err: fmt.Errorf("%w (%d traces)", ErrWindowFull, s.q.Limit)}
			if !yield(Trace{}, werr) {
				return
			}
		}
		s.done(w, len(found), werr)
	}
}

// done reports a window to the OnWindow callback.
func (s *search) done(w window, traces int, err error) {
	if s.cfg.onWindow != nil {
		s.cfg.onWindow(Window{Start: w.start, End: w.end, Traces: traces, Err: err})
	}
}

// find asks Jaeger for the traces of window w and returns them grouped by
// trace id, in the order of the answer; spans without a valid trace id are
// dropped. Jaeger's 404 for "no trace found" is an empty answer.
func (s *search) find(w window) ([]Trace, error) {
	v := url.Values{}
	v.Set("query.service_name", s.q.Service)
	v.Set("query.start_time_min", formatTime(w.start))
	v.Set("query.start_time_max", formatTime(w.end))
	v.Set("query.num_traces", strconv.Itoa(s.q.Limit))
	u := s.baseURL + "/api/v3/traces?" + v.Encode()
	body, err := get(s.ctx, s.client, u)
	if nf := (*notFoundError)(nil); errors.As(err, &nf) {
		if nf.fromJaeger() {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: GET %s: 404 Not Found: %s", ErrStatus, u, strings.TrimSpace(string(nf.body)))
	}
	if err != nil {
		return nil, err
	}
	spans, err := otlpjson.Spans(body)
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: %w", ErrUndecodable, u, err)
	}
	var traces []Trace
	at := make(map[trace.TraceID]int)
	for _, sp := range spans {
		if !sp.TraceID.IsValid() {
			continue
		}
		i, ok := at[sp.TraceID]
		if !ok {
			i = len(traces)
			at[sp.TraceID] = i
			traces = append(traces, Trace{ID: sp.TraceID})
		}
		traces[i].Spans = append(traces[i].Spans, sp)
	}
	return traces, nil
}

// whole reports whether spans, found in window w, are a whole trace as far
// as can be told: every span starts and ends inside w, and every parent is
// among them.
func whole(spans []otelrecord.Span, w window) bool {
	ids := make(map[trace.SpanID]struct{}, len(spans))
	for _, sp := range spans {
		ids[sp.SpanID] = struct{}{}
	}
	for _, sp := range spans {
		if sp.StartTime.Before(w.start) || sp.StartTime.After(w.end) || sp.EndTime.Before(w.start) || sp.EndTime.After(w.end) {
			return false
		}
		if _, ok := ids[sp.ParentSpanID]; sp.ParentSpanID.IsValid() && !ok {
			return false
		}
	}
	return true
}

// formatTime writes a time as the query API reads it: RFC 3339 in UTC with
// nanoseconds.
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}
