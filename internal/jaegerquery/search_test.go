package jaegerquery

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpjson"
)

// t0 is the start of the ranges the tests search.
var t0 = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

// storedSpan is a span the fake Jaeger holds.
type storedSpan struct {
	traceID, spanID, parentID string
	service                   string
	start, end                time.Time
}

// searchJaeger is a fake of Jaeger's query API v3 over the spans it holds.
// It answers GET /api/v3/traces?query.… as Jaeger does: the traces with a
// span of the service starting in the window (ends included), the most
// recent first, at most query.num_traces of them, in one OTLP JSON answer,
// or Jaeger's 404 when there is none; and GET /api/v3/traces/{id} with the
// whole trace.
type searchJaeger struct {
	t     *testing.T
	spans []storedSpan
	// trim answers a search with only the spans that start in the window,
	// as a store that keeps spans apart could; Jaeger answers whole traces.
	trim bool
	// failSearch, when set, answers 500 to the searches it is true for.
	failSearch func(min, max time.Time) bool
	// failTrace answers 500 to fetches of these trace ids.
	failTrace map[string]bool

	mu       sync.Mutex
	searches []window
	fetches  []string
	answered []int // traces per search answer
}

func (j *searchJaeger) start() string {
	srv := httptest.NewServer(http.HandlerFunc(j.serve))
	j.t.Cleanup(srv.Close)
	return srv.URL
}

func (j *searchJaeger) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if id, ok := strings.CutPrefix(r.URL.Path, "/api/v3/traces/"); ok {
		j.mu.Lock()
		j.fetches = append(j.fetches, id)
		j.mu.Unlock()
		if j.failTrace[id] {
			jaegerError(w, http.StatusInternalServerError, "storage down")
			return
		}
		var spans []storedSpan
		for _, s := range j.spans {
			if s.traceID == id {
				spans = append(spans, s)
			}
		}
		if len(spans) == 0 {
			jaegerError(w, http.StatusNotFound, "trace not found")
			return
		}
		_, _ = w.Write([]byte(otlpAnswer(spans)))
		return
	}
	if r.URL.Path != "/api/v3/traces" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	lo, err1 := time.Parse(time.RFC3339Nano, q.Get("query.start_time_min"))
	hi, err2 := time.Parse(time.RFC3339Nano, q.Get("query.start_time_max"))
	n, err3 := strconv.Atoi(q.Get("query.num_traces"))
	service := q.Get("query.service_name")
	if err := errors.Join(err1, err2, err3); err != nil || service == "" || n <= 0 {
		jaegerError(w, http.StatusBadRequest, fmt.Sprintf("malformed query %q: %v", r.URL.RawQuery, err))
		j.t.Errorf("malformed query %q: %v", r.URL.RawQuery, err)
		return
	}
	j.mu.Lock()
	j.searches = append(j.searches, window{lo, hi})
	j.mu.Unlock()
	if j.failSearch != nil && j.failSearch(lo, hi) {
		jaegerError(w, http.StatusInternalServerError, "storage down")
		return
	}
	// The traces with a span of the service in the window, most recent
	// first.
	latest := map[string]time.Time{}
	for _, s := range j.spans {
		if s.service == service && !s.start.Before(lo) && !s.start.After(hi) && s.start.After(latest[s.traceID]) {
			latest[s.traceID] = s.start
		}
	}
	ids := make([]string, 0, len(latest))
	for id := range latest {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Or(latest[b].Compare(latest[a]), strings.Compare(a, b)) })
	ids = ids[:min(n, len(ids))]
	j.mu.Lock()
	j.answered = append(j.answered, len(ids))
	j.mu.Unlock()
	if len(ids) == 0 {
		jaegerError(w, http.StatusNotFound, "No traces found")
		return
	}
	var spans []storedSpan
	for _, id := range ids {
		for _, s := range j.spans {
			if s.traceID == id && (!j.trim || !s.start.Before(lo) && !s.start.After(hi)) {
				spans = append(spans, s)
			}
		}
	}
	_, _ = w.Write([]byte(otlpAnswer(spans)))
}

func jaegerError(w http.ResponseWriter, status int, msg string) {
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"httpCode": status, "message": msg}})
	_, _ = w.Write(b)
}

// otlpAnswer is the query API's answer holding spans: one resource span per
// span, as Jaeger groups them by service.
func otlpAnswer(spans []storedSpan) string {
	var rs []any
	for _, s := range spans {
		span := map[string]any{
			"traceId": s.traceID, "spanId": s.spanID, "name": "op", "kind": 1,
			"startTimeUnixNano": strconv.FormatInt(s.start.UnixNano(), 10),
			"endTimeUnixNano":   strconv.FormatInt(s.end.UnixNano(), 10),
		}
		if s.parentID != "" {
			span["parentSpanId"] = s.parentID
		}
		rs = append(rs, map[string]any{
			"resource":   map[string]any{"attributes": []any{map[string]any{"key": "service.name", "value": map[string]any{"stringValue": s.service}}}},
			"scopeSpans": []any{map[string]any{"scope": map[string]any{}, "spans": []any{span}}},
		})
	}
	b, _ := json.Marshal(map[string]any{"result": map[string]any{"resourceSpans": rs}})
	return string(b)
}

// hexID is the trace id of trace number n.
func hexID(n int) string { return fmt.Sprintf("%032x", n) }

// simpleTrace is trace number n of svc: a root span at start, lasting d,
// and a child in its first half.
func simpleTrace(n int, svc string, start time.Time, d time.Duration) []storedSpan {
	root := fmt.Sprintf("%016x", 2*n)
	return []storedSpan{
		{traceID: hexID(n), spanID: root, service: svc, start: start, end: start.Add(d)},
		{traceID: hexID(n), spanID: fmt.Sprintf("%016x", 2*n+1), parentID: root, service: svc, start: start.Add(d / 4), end: start.Add(d / 2)},
	}
}

// collect ranges over Search and returns the traces and the errors it
// yields, and the windows it reports.
func collect(t *testing.T, ctx context.Context, base string, q Query) (traces []Trace, errs []error, windows []Window) {
	t.Helper()
	for tr, err := range Search(ctx, nil, base, q, OnWindow(func(w Window) { windows = append(windows, w) })) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		traces = append(traces, tr)
	}
	return traces, errs, windows
}

func ids(traces []Trace) []string {
	out := make([]string, len(traces))
	for i, tr := range traces {
		out[i] = tr.ID.String()
	}
	slices.Sort(out)
	return out
}

// assertCovers asserts that the windows reported cover [start, end]
// without gaps, earliest first.
func assertCovers(t *testing.T, windows []Window, start, end time.Time) {
	t.Helper()
	require.NotEmpty(t, windows)
	assert.Equal(t, start, windows[0].Start)
	assert.Equal(t, end, windows[len(windows)-1].End)
	for i := 1; i < len(windows); i++ {
		assert.Equal(t, windows[i-1].End, windows[i].Start, "window %d starts where %d ends", i, i-1)
	}
}

func TestSearchSplitsFullWindows(t *testing.T) {
	j := &searchJaeger{t: t}
	var want []string
	for n := 1; n <= 20; n++ { // a trace every 3 minutes over an hour
		j.spans = append(j.spans, simpleTrace(n, "svc", t0.Add(time.Duration(n)*3*time.Minute-time.Minute), time.Second)...)
		want = append(want, hexID(n))
	}
	j.spans = append(j.spans, simpleTrace(99, "other", t0.Add(10*time.Minute), time.Second)...)
	base := j.start()

	end := t0.Add(time.Hour)
	traces, errs, windows := collect(t, t.Context(), base, Query{Service: "svc", Start: t0, End: end, Limit: 4})
	require.Empty(t, errs)
	assert.Equal(t, want, ids(traces), "every trace of the service, once")
	for _, tr := range traces {
		assert.Len(t, tr.Spans, 2, "trace %s is whole", tr.ID)
	}
	assert.Empty(t, j.fetches, "no trace reaches past its window")
	assertCovers(t, windows, t0, end)
	for _, w := range windows {
		assert.Less(t, w.Traces, 4, "every window read holds fewer than the limit")
	}
	assert.Greater(t, len(j.searches), len(windows), "full windows were queried, then split")
	assert.Contains(t, j.answered, 4, "some answers were capped at the limit")

	// One query suffices when the limit is above the count.
	j.searches = nil
	traces, errs, windows = collect(t, t.Context(), base, Query{Service: "svc", Start: t0, End: end})
	require.Empty(t, errs)
	assert.Len(t, traces, 20)
	assert.Len(t, j.searches, 1)
	assert.Equal(t, []Window{{Start: t0, End: end, Traces: 20}}, windows)

	// A range with no trace is Jaeger's 404: no trace, no error.
	traces, errs, windows = collect(t, t.Context(), base, Query{Service: "svc", Start: end.Add(time.Hour), End: end.Add(2 * time.Hour)})
	assert.Empty(t, traces)
	assert.Empty(t, errs)
	assert.Len(t, windows, 1)
}

func TestSearchTracesAcrossWindowEdges(t *testing.T) {
	end := t0.Add(time.Hour)
	mid := t0.Add(30 * time.Minute)
	// Eight short traces on each side of the middle, and one long trace
	// whose child starts past the middle: limit 8 splits the range at mid.
	long := []storedSpan{
		{traceID: hexID(50), spanID: "00000000000000a0", service: "svc", start: mid.Add(-time.Minute), end: mid.Add(10 * time.Minute)},
		{traceID: hexID(50), spanID: "00000000000000a1", parentID: "00000000000000a0", service: "svc", start: mid.Add(5 * time.Minute), end: mid.Add(6 * time.Minute)},
	}
	build := func(trim bool) *searchJaeger {
		j := &searchJaeger{t: t, trim: trim, spans: long}
		for n := 1; n <= 7; n++ {
			// Off the edges of the halves, quarters, eighths…
			j.spans = append(j.spans, simpleTrace(n, "svc", t0.Add(time.Duration(n)*time.Minute+10*time.Second), time.Second)...)
			j.spans = append(j.spans, simpleTrace(10+n, "svc", mid.Add(time.Duration(n)*time.Minute+10*time.Second), time.Second)...)
		}
		return j
	}

	for _, trim := range []bool{false, true} {
		t.Run(fmt.Sprintf("answers trimmed to the window: %v", trim), func(t *testing.T) {
			j := build(trim)
			base := j.start()
			traces, errs, _ := collect(t, t.Context(), base, Query{Service: "svc", Start: t0, End: end, Limit: 8})
			require.Empty(t, errs)
			require.Len(t, traces, 15, "each trace once")
			assert.Equal(t, 15, len(ids(traces)))
			assert.Equal(t, window{t0, end}, j.searches[0])
			assert.Contains(t, j.searches, window{t0, mid})
			assert.Contains(t, j.searches, window{mid, end})
			var got Trace
			for _, tr := range traces {
				if tr.ID.String() == hexID(50) {
					got = tr
				}
			}
			require.Len(t, got.Spans, 2, "the trace cut by the edge comes whole")
			assert.Equal(t, []string{hexID(50)}, j.fetches, "fetched by id once")
		})
	}
}

func TestSearchMinimumWindow(t *testing.T) {
	j := &searchJaeger{t: t}
	at := t0.Add(20 * time.Minute)
	for n := 1; n <= 6; n++ { // six traces starting at the same instant
		j.spans = append(j.spans, simpleTrace(n, "svc", at, time.Second)...)
	}
	j.spans = append(j.spans, simpleTrace(7, "svc", t0.Add(50*time.Minute), time.Second)...)
	base := j.start()

	end := t0.Add(time.Hour)
	traces, errs, windows := collect(t, t.Context(), base, Query{Service: "svc", Start: t0, End: end, Limit: 4, MinWindow: time.Second})
	require.Len(t, errs, 1)
	require.ErrorIs(t, errs[0], ErrWindowFull)
	var werr *WindowError
	require.ErrorAs(t, errs[0], &werr)
	assert.False(t, werr.Start.After(at), "the window holds the instant")
	assert.False(t, werr.End.Before(at))
	assert.LessOrEqual(t, werr.End.Sub(werr.Start), time.Second)
	assert.Contains(t, errs[0].Error(), "may be missed")
	assert.Contains(t, errs[0].Error(), formatTime(werr.Start))
	assert.Len(t, traces, 5, "the four answered at the instant, and the later one")
	assertCovers(t, windows, t0, end)
	var full int
	for _, w := range windows {
		if w.Err != nil {
			full++
			assert.Same(t, werr, w.Err)
		}
	}
	assert.Equal(t, 1, full)
}

func TestSearchFailures(t *testing.T) {
	end := t0.Add(time.Hour)
	mid := t0.Add(30 * time.Minute)

	t.Run("a window Jaeger fails, then the next", func(t *testing.T) {
		j := &searchJaeger{t: t, failSearch: func(lo, _ time.Time) bool { return lo.Equal(mid) }}
		for n, minute := range []time.Duration{10, 20, 40, 50} {
			j.spans = append(j.spans, simpleTrace(n+1, "svc", t0.Add(minute*time.Minute), time.Second)...)
		}
		traces, errs, windows := collect(t, t.Context(), j.start(), Query{Service: "svc", Start: t0, End: end, Limit: 3})
		assert.Equal(t, []string{hexID(1), hexID(2)}, ids(traces), "the earlier half is read")
		require.Len(t, errs, 1)
		require.ErrorIs(t, errs[0], ErrStatus)
		var werr *WindowError
		require.ErrorAs(t, errs[0], &werr)
		assert.Equal(t, mid, werr.Start)
		assert.Equal(t, end, werr.End)
		assert.Contains(t, errs[0].Error(), "storage down")
		assertCovers(t, windows, t0, end)
	})

	t.Run("a cut trace that cannot be fetched", func(t *testing.T) {
		j := &searchJaeger{t: t, failTrace: map[string]bool{hexID(2): true}}
		j.spans = append(simpleTrace(1, "svc", t0.Add(time.Minute), time.Second),
			simpleTrace(2, "svc", end.Add(-time.Second), time.Minute)...) // ends past the range
		traces, errs, _ := collect(t, t.Context(), j.start(), Query{Service: "svc", Start: t0, End: end})
		assert.Equal(t, []string{hexID(1)}, ids(traces))
		require.Len(t, errs, 1)
		require.ErrorIs(t, errs[0], ErrStatus)
		assert.Contains(t, errs[0].Error(), "trace "+hexID(2))
	})

	t.Run("a 404 that is not Jaeger's", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(srv.Close)
		_, errs, _ := collect(t, t.Context(), srv.URL, Query{Service: "svc", Start: t0, End: end})
		require.Len(t, errs, 1)
		require.ErrorIs(t, errs[0], ErrStatus)
		assert.NotErrorIs(t, errs[0], ErrNotFound)
		assert.Contains(t, errs[0].Error(), "404 page not found")
	})

	t.Run("an answer that is not OTLP JSON", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"result":{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}}`))
		}))
		t.Cleanup(srv.Close)
		traces, errs, _ := collect(t, t.Context(), srv.URL, Query{Service: "svc", Start: t0, End: end})
		assert.Empty(t, traces)
		require.Len(t, errs, 1)
		require.ErrorIs(t, errs[0], ErrUndecodable)
	})

	t.Run("invalid queries, no request", func(t *testing.T) {
		for name, q := range map[string]Query{
			"no service":        {Start: t0, End: end},
			"no start":          {Service: "svc", End: end},
			"no end":            {Service: "svc", Start: t0},
			"end before start":  {Service: "svc", Start: end, End: t0},
			"negative limit":    {Service: "svc", Start: t0, End: end, Limit: -1},
			"negative min size": {Service: "svc", Start: t0, End: end, MinWindow: -time.Second},
		} {
			traces, errs, windows := collect(t, t.Context(), "http://127.0.0.1:1", q)
			assert.Empty(t, traces, name)
			assert.Empty(t, windows, name)
			require.Len(t, errs, 1, name)
			assert.ErrorIs(t, errs[0], ErrInvalidQuery, name)
		}
	})
}

func TestSearchStops(t *testing.T) {
	j := &searchJaeger{t: t}
	for n := 1; n <= 12; n++ {
		j.spans = append(j.spans, simpleTrace(n, "svc", t0.Add(time.Duration(n)*time.Minute), time.Second)...)
	}
	base := j.start()
	end := t0.Add(time.Hour)

	t.Run("when the caller breaks", func(t *testing.T) {
		j.searches = nil
		var got []trace.TraceID
		for tr, err := range Search(t.Context(), nil, base, Query{Service: "svc", Start: t0, End: end, Limit: 5}) {
			require.NoError(t, err)
			got = append(got, tr.ID)
			if len(got) == 2 {
				break
			}
		}
		assert.Len(t, got, 2)
		searches := len(j.searches)
		assert.Less(t, searches, 6, "no window is queried after the break")
	})

	t.Run("when the context is done", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var traces int
		var errs []error
		for _, err := range Search(ctx, nil, base, Query{Service: "svc", Start: t0, End: end, Limit: 5}) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if traces++; traces == 1 {
				cancel()
			}
		}
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], context.Canceled)
		assert.Less(t, traces, 12)
	})
}

func TestWhole(t *testing.T) {
	w := window{t0, t0.Add(time.Minute)}
	spans := simpleTrace(1, "svc", t0.Add(time.Second), time.Second)
	assert.True(t, whole(asSpans(t, spans), w))
	assert.True(t, whole(asSpans(t, simpleTrace(1, "svc", t0, time.Minute)), w), "edges are inside")
	assert.False(t, whole(asSpans(t, spans[1:]), w), "parent missing")
	assert.False(t, whole(asSpans(t, simpleTrace(1, "svc", t0.Add(-time.Second), time.Minute)), w), "starts before")
	assert.False(t, whole(asSpans(t, simpleTrace(1, "svc", t0.Add(30*time.Second), time.Minute)), w), "ends after")
}

// asSpans decodes stored spans the way Search reads them.
func asSpans(t *testing.T, spans []storedSpan) []otelrecord.Span {
	t.Helper()
	out, err := otlpjson.Spans([]byte(otlpAnswer(spans)))
	require.NoError(t, err)
	require.Len(t, out, len(spans))
	return out
}
