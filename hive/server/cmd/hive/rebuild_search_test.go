package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpjson"
)

// fixtureStart is when the fixture trace's task-run span starts.
var fixtureStart = time.Unix(0, 1779013800123000000)

// storedTrace is a trace the fake Jaeger of TestRebuildService holds.
type storedTrace struct {
	id      string
	service string
	// resourceSpans is the trace's "resourceSpans" in OTLP JSON.
	resourceSpans []json.RawMessage
	spans         []otelrecord.Span
}

// answer is the query API's answer holding the traces.
func answer(traces ...storedTrace) []byte {
	var rs []json.RawMessage
	for _, tr := range traces {
		rs = append(rs, tr.resourceSpans...)
	}
	b, _ := json.Marshal(map[string]any{"result": map[string]any{"resourceSpans": rs}})
	return b
}

// taskTrace is the fixture trace moved to start at start, with trace id
// n and run uuid n, without the spans whose ids are in drop.
func taskTrace(t *testing.T, n int, start time.Time, drop ...string) storedTrace {
	t.Helper()
	raw, err := os.ReadFile("testdata/jaeger_trace.json")
	require.NoError(t, err)
	id := fmt.Sprintf("%032x", n)
	text := strings.ReplaceAll(string(raw), fixtureTrace, id)
	text = strings.ReplaceAll(text, "0196d5a0-7c1e-7b3a-9e1f-2f7c9d1a0b11", runUUID(n))
	var doc struct {
		Result struct {
			ResourceSpans []map[string]any `json:"resourceSpans"`
		} `json:"result"`
	}
	require.NoError(t, json.Unmarshal([]byte(text), &doc))
	shift := start.Sub(fixtureStart).Nanoseconds()
	tr := storedTrace{id: id, service: "user-report"}
	for _, rs := range doc.Result.ResourceSpans {
		for _, ss := range rs["scopeSpans"].([]any) {
			scope := ss.(map[string]any)
			var kept []any
			for _, s := range scope["spans"].([]any) {
				span := s.(map[string]any)
				if slices.Contains(drop, span["spanId"].(string)) {
					continue
				}
				shiftTimes(t, span, shift)
				kept = append(kept, span)
			}
			scope["spans"] = kept
		}
		b, err := json.Marshal(rs)
		require.NoError(t, err)
		tr.resourceSpans = append(tr.resourceSpans, b)
	}
	tr.spans, err = otlpjson.Spans(answer(tr))
	require.NoError(t, err)
	return tr
}

// shiftTimes moves the times of a span and its events by shift ns.
func shiftTimes(t *testing.T, span map[string]any, shift int64) {
	move := func(m map[string]any, key string) {
		ns, err := strconv.ParseInt(m[key].(string), 10, 64)
		require.NoError(t, err)
		m[key] = strconv.FormatInt(ns+shift, 10)
	}
	move(span, "startTimeUnixNano")
	move(span, "endTimeUnixNano")
	events, _ := span["events"].([]any)
	for _, e := range events {
		move(e.(map[string]any), "timeUnixNano")
	}
}

// plainTrace is a trace of one span that is no task run.
func plainTrace(t *testing.T, n int, service string, start time.Time) storedTrace {
	t.Helper()
	rs := fmt.Sprintf(`{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":%q}}]},"scopeSpans":[{"spans":[`+
		`{"traceId":"%032x","spanId":"00f067aa0ba902b7","name":"plain","startTimeUnixNano":"%d","endTimeUnixNano":"%d"}]}]}`,
		service, n, start.UnixNano(), start.Add(time.Millisecond).UnixNano())
	tr := storedTrace{id: fmt.Sprintf("%032x", n), service: service, resourceSpans: []json.RawMessage{json.RawMessage(rs)}}
	var err error
	tr.spans, err = otlpjson.Spans(answer(tr))
	require.NoError(t, err)
	return tr
}

func runUUID(n int) string { return fmt.Sprintf("0196d5a0-7c1e-7b3a-9e1f-%012x", n) }

// searchJaeger is a fake of Jaeger's query API v3 answering searches as
// Jaeger does (the whole traces with a span of the service starting in the
// window, ends included, the most recent first, at most query.num_traces,
// or Jaeger's 404 when there is none) and fetches by id.
type searchJaeger struct {
	t      *testing.T
	traces []storedTrace
	// failSearch answers every search 500.
	failSearch bool

	mu       sync.Mutex
	answered []int          // traces per search answer
	fetched  map[string]int // fetches by trace id
}

func (j *searchJaeger) start() string {
	j.fetched = make(map[string]int)
	srv := httptest.NewServer(http.HandlerFunc(j.serve))
	j.t.Cleanup(srv.Close)
	return srv.URL
}

func (j *searchJaeger) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	notFound := func(msg string) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = fmt.Fprintf(w, `{"error":{"httpCode":404,"message":%q}}`, msg)
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/api/v3/traces/"); ok {
		j.mu.Lock()
		j.fetched[id]++
		j.mu.Unlock()
		for _, tr := range j.traces {
			if tr.id == id {
				_, _ = w.Write(answer(tr))
				return
			}
		}
		notFound("trace not found")
		return
	}
	q := r.URL.Query()
	lo, err1 := time.Parse(time.RFC3339Nano, q.Get("query.start_time_min"))
	hi, err2 := time.Parse(time.RFC3339Nano, q.Get("query.start_time_max"))
	n, err3 := strconv.Atoi(q.Get("query.num_traces"))
	if r.URL.Path != "/api/v3/traces" || err1 != nil || err2 != nil || err3 != nil || n < 1 || q.Get("query.service_name") == "" {
		j.t.Errorf("unexpected request %s", r.URL)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if j.failSearch {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":{"httpCode":500,"message":"storage down"}}`))
		return
	}
	type match struct {
		tr     storedTrace
		latest time.Time
	}
	var found []match
	for _, tr := range j.traces {
		m := match{tr: tr}
		for _, s := range tr.spans {
			if tr.service == q.Get("query.service_name") && !s.StartTime.Before(lo) && !s.StartTime.After(hi) && s.StartTime.After(m.latest) {
				m.latest = s.StartTime
			}
		}
		if !m.latest.IsZero() {
			found = append(found, m)
		}
	}
	slices.SortFunc(found, func(a, b match) int { return cmp.Or(b.latest.Compare(a.latest), strings.Compare(a.tr.id, b.tr.id)) })
	found = found[:min(n, len(found))]
	j.mu.Lock()
	j.answered = append(j.answered, len(found))
	j.mu.Unlock()
	if len(found) == 0 {
		notFound("No traces found")
		return
	}
	traces := make([]storedTrace, len(found))
	for i, m := range found {
		traces[i] = m.tr
	}
	_, _ = w.Write(answer(traces...))
}

// rebuilt is what otelrecord rebuilds from the traces, by record uuid.
func rebuilt(t *testing.T, traces []storedTrace) map[string]*otelrecord.ExecutionRecord {
	t.Helper()
	out := make(map[string]*otelrecord.ExecutionRecord)
	for _, tr := range traces {
		recs, _ := otelrecord.Rebuild(tr.spans)
		for _, r := range recs {
			out[r.UUID] = r
		}
	}
	return out
}

// jsonRecords decodes the records hive rebuild --json printed.
func jsonRecords(t *testing.T, out string) []*otelrecord.ExecutionRecord {
	t.Helper()
	var recs []*otelrecord.ExecutionRecord
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var r otelrecord.ExecutionRecord
		require.NoError(t, json.Unmarshal([]byte(line), &r), line)
		recs = append(recs, &r)
	}
	return recs
}

// lastLine is the last line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// serviceTraces are the traces of TestRebuildService over the hour from
// start: twelve task runs (the third without one of its boundary spans),
// one of them starting just before the middle of the hour and ending after
// it; a trace without a task run; a trace of another service, and a task
// run before the hour.
func serviceTraces(t *testing.T, start time.Time) (all, inRange []storedTrace, straddling string) {
	t.Helper()
	for n := 1; n <= 12; n++ {
		at := start.Add(time.Duration(n)*4*time.Minute + time.Second)
		var drop []string
		switch n {
		case 3:
			drop = []string{"b7ad6b7169203332"} // a fetchUser call
		case 7:
			at = start.Add(30*time.Minute - 3*time.Millisecond) // the run lasts 7 ms
			straddling = fmt.Sprintf("%032x", n)
		}
		inRange = append(inRange, taskTrace(t, n, at, drop...))
	}
	inRange = append(inRange, plainTrace(t, 40, "user-report", start.Add(37*time.Minute)))
	all = append(slices.Clone(inRange),
		plainTrace(t, 41, "billing", start.Add(20*time.Minute)),
		taskTrace(t, 42, start.Add(-time.Minute)))
	return all, inRange, straddling
}

func TestRebuildService(t *testing.T) {
	clearEnv(t)
	start := time.Date(2026, 5, 17, 10, 0, 0, 0, time.UTC)
	all, inRange, straddling := serviceTraces(t, start)
	j := &searchJaeger{t: t, traces: all}
	jaeger := j.start()
	want := rebuilt(t, inRange)
	require.Len(t, want, 12)

	args := []string{"rebuild", "--jaeger", jaeger, "--service", "user-report",
		"--since", "2026-05-17T10:00:00Z", "--until", "2026-05-17T11:00:00Z", "--limit", "4"}
	code, out, stderr := runCmd(t, append(args, "--json")...)
	require.Equal(t, exitOK, code, stderr)

	got := jsonRecords(t, out)
	require.Len(t, got, 12, "each record once: %s", out)
	for _, r := range got {
		require.Contains(t, want, r.UUID)
		assertSameJSON(t, want[r.UUID], r)
	}
	assert.Contains(t, j.answered, 4, "answers were capped at the limit: the range was split")
	assert.LessOrEqual(t, slices.Max(j.answered), 4)
	assert.Equal(t, map[string]int{straddling: 1}, j.fetched, "the trace cut by the middle is fetched whole, once")

	assert.Contains(t, stderr, "warning: ", "the incomplete record is reported")
	assert.Regexp(t, `^hive rebuild: 13 traces read in \d+ windows \(1 without a task run\), 12 records rebuilt, 1 incomplete$`, lastLine(stderr))
	assert.NotContains(t, stderr, "\r", "no progress line off a terminal")

	// Printed for people: records and timing tables.
	code, out, stderr = runCmd(t, args...)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, 12, strings.Count(out, `"taskName": "getUserReport"`))
	assert.Equal(t, 12, strings.Count(out, "BOUNDARY"))

	// A range holding nothing.
	code, out, stderr = runCmd(t, "rebuild", "--jaeger", jaeger, "--service", "user-report", "--since", "2026-05-17T12:00:00Z", "--until", "2026-05-17T13:00:00Z")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, out)
	assert.Equal(t, "hive rebuild: 0 traces read in 1 window, 0 records rebuilt, 0 incomplete\n", stderr)
}

func TestRebuildServiceSend(t *testing.T) {
	clearEnv(t)
	start := time.Date(2026, 5, 17, 10, 0, 0, 0, time.UTC)
	all, inRange, _ := serviceTraces(t, start)
	jaeger := (&searchJaeger{t: t, traces: all}).start()
	want := rebuilt(t, inRange)
	t.Setenv("HIVE_API_KEY", testKey)
	t.Setenv("HIVE_API_SECRET", testSecret) // for the server and the client
	s := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hive.db"))
	t.Setenv("HIVE_HOST", s.url)
	t.Setenv("HIVE_PROJECT_UUID", projectUUID)

	args := []string{"rebuild", "--jaeger", jaeger, "--service", "user-report",
		"--since", "2026-05-17T10:00:00Z", "--until", "2026-05-17T11:00:00Z", "--limit", "4", "--send"}
	code, out, stderr := runCmd(t, args...)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, 12, strings.Count(out, "sent "), out)
	for uuid := range want {
		assert.Contains(t, out, "sent "+uuid+" (task getUserReport)\n")
	}
	assert.Regexp(t, `12 records rebuilt, 1 incomplete, 12 sent, 0 already stored$`, lastLine(stderr))

	// Running it again stores nothing new, and says so.
	code, out, stderr = runCmd(t, args...)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, 12, strings.Count(out, "already stored "), out)
	assert.NotContains(t, out, "\nsent ")
	assert.Regexp(t, `12 records rebuilt, 1 incomplete, 0 sent, 12 already stored$`, lastLine(stderr))

	code, out, stderr = runCmd(t, "logs", "list", "--task", "getUserReport", "--limit", "100")
	require.Equal(t, exitOK, code, stderr)
	for uuid := range want {
		assert.Equal(t, 1, strings.Count(out, uuid), "stored once: %s", uuid)
	}
	for uuid, w := range want {
		code, out, stderr := runCmd(t, "logs", "show", "getUserReport", uuid)
		require.Equal(t, exitOK, code, stderr)
		var stored otelrecord.ExecutionRecord
		require.NoError(t, json.NewDecoder(strings.NewReader(out)).Decode(&stored))
		assertSameJSON(t, w, &stored)
	}
}

func TestRebuildServiceRelative(t *testing.T) {
	clearEnv(t)
	now := time.Now()
	traces := []storedTrace{
		taskTrace(t, 1, now.Add(-50*time.Minute)),
		taskTrace(t, 2, now.Add(-90*time.Minute)),
		taskTrace(t, 3, now.Add(-3*time.Hour)),
	}
	jaeger := (&searchJaeger{t: t, traces: traces}).start()
	for _, c := range []struct {
		since, until string
		want         []string
	}{
		{"1h", "", []string{runUUID(1)}},
		{"2h", "", []string{runUUID(1), runUUID(2)}},
		{"2h", "1h", []string{runUUID(2)}},
		{"1d", "now", []string{runUUID(1), runUUID(2), runUUID(3)}},
		{now.Add(-100 * time.Minute).Format(time.RFC3339), "80m", []string{runUUID(2)}},
	} {
		args := []string{"rebuild", "--jaeger", jaeger, "--service", "user-report", "--json", "--since", c.since}
		if c.until != "" {
			args = append(args, "--until", c.until)
		}
		code, out, stderr := runCmd(t, args...)
		require.Equal(t, exitOK, code, stderr)
		var got []string
		for _, r := range jsonRecords(t, out) {
			got = append(got, r.UUID)
		}
		assert.ElementsMatch(t, c.want, got, "--since %s --until %s", c.since, c.until)
	}
}

func TestRebuildServiceWindowFull(t *testing.T) {
	clearEnv(t)
	at := time.Date(2026, 5, 17, 10, 20, 0, 0, time.UTC)
	var traces []storedTrace
	for n := 1; n <= 6; n++ { // six runs starting at the same instant
		traces = append(traces, taskTrace(t, n, at))
	}
	jaeger := (&searchJaeger{t: t, traces: traces}).start()
	code, out, stderr := runCmd(t, "rebuild", "--jaeger", jaeger, "--service", "user-report", "--json",
		"--since", "2026-05-17T10:00:00Z", "--until", "2026-05-17T11:00:00Z", "--limit", "4")
	require.Equal(t, exitOK, code, "a warning: %s", stderr)
	assert.Len(t, jsonRecords(t, out), 4, "the traces Jaeger answered")
	m := regexp.MustCompile(`warning: 4 traces or more start between (\S+) and (\S+), the narrowest window read; some may be missed`).FindStringSubmatch(stderr)
	require.NotNil(t, m, stderr)
	lo, err := time.Parse(time.RFC3339Nano, m[1])
	require.NoError(t, err)
	hi, err := time.Parse(time.RFC3339Nano, m[2])
	require.NoError(t, err)
	assert.False(t, lo.After(at) || hi.Before(at), "the window [%s, %s] holds the runs' start", lo, hi)
	assert.LessOrEqual(t, hi.Sub(lo), time.Millisecond)
	assert.Regexp(t, `^hive rebuild: 4 traces read in \d+ windows, 4 records rebuilt, 0 incomplete$`, lastLine(stderr))
}

func TestRebuildServiceFailures(t *testing.T) {
	clearEnv(t)
	jaeger := (&searchJaeger{t: t, failSearch: true}).start()
	code, out, stderr := runCmd(t, "rebuild", "--jaeger", jaeger, "--service", "user-report", "--since", "1h")
	assert.Equal(t, exitError, code)
	assert.Empty(t, out)
	assert.Contains(t, stderr, "storage down")
	assert.Equal(t, "hive rebuild: 0 traces read in 1 window, 0 records rebuilt, 0 incomplete", lastLine(stderr))

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	code, _, stderr = runCmd(t, "rebuild", "--jaeger", closed.URL, "--service", "user-report", "--since", "1h")
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "connect")

	for _, c := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"trace and service", []string{"--trace", fixtureTrace, "--service", "s", "--since", "1h"}, "give --trace or --service, not both"},
		{"since with trace", []string{"--trace", fixtureTrace, "--since", "1h"}, "--since and --until go with --service"},
		{"until with trace", []string{"--trace", fixtureTrace, "--until", "1h"}, "--since and --until go with --service"},
		{"service without since", []string{"--service", "s"}, "--service needs --since"},
		{"bad since", []string{"--service", "s", "--since", "yesterday"}, `invalid value "yesterday" for flag -since: want an RFC 3339 time`},
		{"time without zone", []string{"--service", "s", "--since", "2026-05-17T10:00:00"}, "want an RFC 3339 time"},
		{"bad until", []string{"--service", "s", "--since", "1h", "--until", "soon"}, `invalid value "soon" for flag -until`},
		{"negative duration", []string{"--service", "s", "--since", "-1h"}, "cannot be negative"},
		{"bad days", []string{"--service", "s", "--since", "1.5d"}, "want an RFC 3339 time"},
		{"since after until", []string{"--service", "s", "--since", "1h", "--until", "2h"}, ") is after --until ("},
		{"absolute since after until", []string{"--service", "s", "--since", "2026-05-17T11:00:00Z", "--until", "2026-05-17T10:00:00Z"}, "--since (2026-05-17T11:00:00Z) is after --until (2026-05-17T10:00:00Z)"},
		{"zero limit", []string{"--service", "s", "--since", "1h", "--limit", "0"}, "--limit must be at least 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, stderr := runCmd(t, append([]string{"rebuild", "--jaeger", "http://127.0.0.1:1"}, c.args...)...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, out)
			assert.Contains(t, stderr, c.stderr)
			assert.NotContains(t, stderr, "traces read", "nothing ran")
		})
	}
}

func TestTimeFlag(t *testing.T) {
	now := time.Date(2026, 5, 17, 10, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Time{
		"2026-05-17T09:30:00Z":                time.Date(2026, 5, 17, 9, 30, 0, 0, time.UTC),
		"2026-05-17T11:30:00.5+02:00":         time.Date(2026, 5, 17, 9, 30, 0, 5e8, time.UTC),
		" 90m ":                               now.Add(-90 * time.Minute),
		"2h30m":                               now.Add(-150 * time.Minute),
		"7d":                                  now.Add(-7 * 24 * time.Hour),
		"0s":                                  now,
		"now":                                 now,
		"2026-05-17T10:00:00.000000001Z":      now.Add(time.Nanosecond),
		"2026-05-17T10:00:00.000000001-00:00": now.Add(time.Nanosecond),
	} {
		var f timeFlag
		require.NoError(t, f.Set(v), v)
		assert.True(t, want.Equal(f.time(now)), "%q: %s, want %s", v, f.time(now), want)
		assert.Equal(t, strings.TrimSpace(v), f.String())
	}
	var unset timeFlag
	assert.Equal(t, now, unset.time(now), "an unset flag is now")
	for _, v := range []string{"", "yesterday", "-5m", "1.5d", "d", "-1d", "2026-05-17", "999999999999d"} {
		var f timeFlag
		assert.Error(t, f.Set(v), v)
	}
}

func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	n := 0
	clock := time.Date(2026, 5, 17, 10, 0, 0, 0, time.UTC)
	p := &progress{w: &buf, live: true, status: func() string { n++; return "status " + strconv.Itoa(n) }, now: func() time.Time { return clock }}

	p.update()
	assert.Equal(t, "\r\x1b[Kstatus 1", buf.String(), "drawn on the first update")
	p.update()
	assert.Equal(t, 1, n, "not redrawn within progressEvery")
	clock = clock.Add(progressEvery)
	p.update()
	assert.Equal(t, "\r\x1b[Kstatus 1\r\x1b[Kstatus 2", buf.String())

	buf.Reset()
	p.printf("a message %d\n", 7)
	assert.Equal(t, "\r\x1b[Ka message 7\n", buf.String(), "the line is cleared before a message")
	p.update()
	assert.Equal(t, "\r\x1b[Ka message 7\n\r\x1b[Kstatus 3", buf.String(), "and drawn again at once")
	p.clear()
	p.clear()
	assert.Equal(t, "\r\x1b[Ka message 7\n\r\x1b[Kstatus 3\r\x1b[K", buf.String(), "cleared once")

	// Off a terminal: the messages only.
	buf.Reset()
	quiet := newProgress(&buf, func() string { t.Error("status asked off a terminal"); return "" })
	quiet.update()
	quiet.printf("only this\n")
	quiet.clear()
	assert.Equal(t, "only this\n", buf.String())

	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, isTerminal(f), "a file")
	assert.False(t, isTerminal(&buf))
}
