package ui

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// hostileRecord is a record whose every field holds markup or script.
func hostileRecord() *otelrecord.ExecutionRecord {
	start := time.Now().Add(-time.Minute)
	return &otelrecord.ExecutionRecord{
		UUID: recordUUID(66), TaskName: "report", Type: otelrecord.TypeError,
		Input: json.RawMessage(`{"html":"<script>alert('in')</script>","url":"javascript:alert(1)","img":"<img src=x onerror=alert(2)>"}`),
		Error: `</pre><script>alert("err")</script>`,
		Boundaries: map[string][]otelrecord.BoundaryRecord{
			`<script>alert("b")</script>`: {{Input: json.RawMessage(`["<script>alert(3)</script>"]`),
				Output: json.RawMessage(`{"href":"javascript:alert(4)"}`), Timing: otelrecord.NewTiming(start, start.Add(time.Millisecond))}},
			`javascript:alert(5)`: {{Input: json.RawMessage(`[1]`), Error: `<svg onload=alert(6)>`,
				Timing: otelrecord.NewTiming(start, start.Add(2*time.Millisecond))}},
		},
		Metadata: map[string]string{
			"<b>key</b>":                   `"><script>alert(7)</script>`,
			otelrecord.MetadataTraceID:     `javascript:alert(8)`,
			"link":                         "javascript:alert(9)",
			otelrecord.MetadataSpanID:      "0123456789abcdef",
			"style\" onmouseover=\"alert(": "x",
		},
		Metrics: []otelrecord.Metric{{Type: "<i>t</i>", Name: "<script>m</script>", Value: 1}},
		Timing:  otelrecord.NewTiming(start, start.Add(5*time.Millisecond)),
	}
}

func TestRecordPageRendersHostileValuesInert(t *testing.T) {
	u := newTestUI(t, nil, nil, WithTraceURL("http://127.0.0.1:16686/trace/{traceId}"))
	rec := hostileRecord()
	ingestRaw(t, u.store, "report", rec.UUID, unescapedJSON(t, rec), time.Now())

	resp, body := u.get(u.client(), "/ui/tasks/report/logs/"+rec.UUID, "Authorization", bearer())
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// The only script element is the UI's own.
	scripts := regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(body, -1)
	assert.Equal(t, []string{`<script src="/ui/static/app.js" defer>`}, scripts)
	assert.NotRegexp(t, `(?i)<[a-z][^>]*\son\w+\s*=`, body, "no event handler attribute from the record")
	assert.NotRegexp(t, `(?i)\s(href|src|action)="\s*javascript:`, body, "no javascript: URL in a link")
	assert.NotContains(t, body, "<b>key</b>")
	assert.NotContains(t, body, "<i>t</i>")
	assert.NotContains(t, body, `id="trace-link"`, "a trace id that is not hex gets no link")

	// The values are there, escaped.
	assert.Contains(t, body, "&lt;script&gt;alert(&#39;in&#39;)&lt;/script&gt;")
	assert.Contains(t, body, "javascript:alert(1)")
	assert.Contains(t, body, "&lt;/pre&gt;&lt;script&gt;alert(&#34;err&#34;)&lt;/script&gt;")
	assert.Contains(t, body, "&lt;svg onload=alert(6)&gt;")
	assert.Contains(t, body, "&lt;b&gt;key&lt;/b&gt;")
	assert.Equal(t, 2, strings.Count(body, "data-bar "), "one bar a call")
	assert.Equal(t, contentSecurityPolicy, resp.Header.Get("Content-Security-Policy"))
}

func TestRecordPageShowsTheRun(t *testing.T) {
	u := newTestUI(t, nil, nil, WithTraceURL("http://127.0.0.1:16686/trace/{traceId}"), WithServiceName("billing"))
	start := time.Now().Add(-time.Minute)
	rec := newRecord(1, "report", start, 40*time.Millisecond, false, map[string]int{"fetchUser": 2, "fetchOrders": 3})
	rec.Metadata[otelrecord.MetadataTraceID] = "4BF92F3577B34DA6A3CE929D0E0E4736"
	rec.Boundaries["fetchOrders"][1].Error, rec.Boundaries["fetchOrders"][1].Output = "orders down", nil
	rec.Output = json.RawMessage(`{"long":"` + strings.Repeat("x", 5000) + `"}`)
	ingest(t, u.store, "report", []*otelrecord.ExecutionRecord{rec}, []time.Time{start})

	resp, body := u.get(u.client(), "/ui/tasks/report/logs/"+rec.UUID+"?project="+testProject, "Authorization", bearer())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `<span class="badge success" id="record-type">success</span>`)
	assert.Equal(t, 5, strings.Count(body, "data-bar "), "one bar a call")
	assert.Equal(t, 1, strings.Count(body, `class="bar-row failed"`), "the failed call is marked")
	assert.Contains(t, body, "orders down")
	assert.Contains(t, body, `href="http://127.0.0.1:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736"`)
	assert.Contains(t, body, "HIVE_PROJECT_UUID="+testProject+" hive logs show report "+rec.UUID)
	assert.Contains(t, body, "billing replay report --uuid "+rec.UUID)
	assert.Contains(t, body, `<details class="fold"><summary>{`, "a long output is folded")
	assert.Contains(t, body, "req-1")
	assert.Contains(t, body, `<td>business</td><td>score</td><td class="num">1</td>`)
	assert.Contains(t, body, `id="record-duration">40 ms<`)

	resp, _ = u.get(u.client(), "/ui/tasks/report/logs/"+recordUUID(2), "Authorization", bearer())
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestTimelineOneBarPerCallUpToTheLimit(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := newRecord(1, "report", start, 10*time.Millisecond, false, map[string]int{"a": 3, "b": 2})
	tl := newTimeline(rec, 5)
	require.False(t, tl.Grouped)
	require.Len(t, tl.Bars, 5)
	assert.Equal(t, 10.0, tl.Span)
	for i, b := range tl.Bars {
		assert.Equal(t, 1, b.Count)
		require.NotNil(t, b.Call)
		if i > 0 {
			assert.GreaterOrEqual(t, b.Start, tl.Bars[i-1].Start, "start order")
		}
		assert.InDelta(t, 100*b.Start/10, b.Left, 1e-9)
		assert.InDelta(t, 10.0, b.Width, 1e-9, "1 ms of 10")
	}

	// A call ending after the run stretches the axis; one without timing
	// sits at the start.
	rec.Boundaries["a"][2].Timing = otelrecord.NewTiming(start.Add(15*time.Millisecond), start.Add(20*time.Millisecond))
	rec.Boundaries["b"][0].Timing = nil
	tl = newTimeline(rec, 5)
	assert.Equal(t, 20.0, tl.Span)
	untimed := 0
	for _, b := range tl.Bars {
		if !b.Call.Timed {
			untimed++
			assert.Equal(t, "b", b.Boundary)
			assert.Zero(t, b.Left)
		}
	}
	assert.Equal(t, 1, untimed)
	last := tl.Bars[len(tl.Bars)-1]
	assert.InDelta(t, 75.0, last.Left, 1e-9)
	assert.InDelta(t, 25.0, last.Width, 1e-9)
}

func TestTimelineGroupsManyCalls(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := newRecord(1, "report", start, 1000*time.Millisecond, false, map[string]int{"a": 600, "b": 300})
	rec.Boundaries["b"][7].Error = "boom"
	tl := newTimeline(rec, 20)
	require.True(t, tl.Grouped)
	assert.LessOrEqual(t, len(tl.Bars), 20)
	total, errs := 0, 0
	for _, b := range tl.Bars {
		assert.Nil(t, b.Call)
		assert.Equal(t, 10, b.Buckets, "20 bars over 2 boundaries")
		total += b.Count
		errs += b.Errors
	}
	assert.Equal(t, 900, total, "every call in some bar")
	assert.Equal(t, 1, errs)
	assert.ElementsMatch(t, []boundarySummary{{Name: "a", Calls: 600, Total: 600, Max: 1}, {Name: "b", Calls: 300, Errors: 1, Total: 300, Max: 1}},
		tl.Boundaries)
}

func TestCallsPageListsTheCallsOfABar(t *testing.T) {
	u := newTestUI(t, nil, nil, WithTimelineBars(4))
	start := time.Now().Add(-time.Minute)
	rec := newRecord(1, "report", start, 120*time.Millisecond, false, map[string]int{"a": 120})
	ingest(t, u.store, "report", []*otelrecord.ExecutionRecord{rec}, []time.Time{start})
	c := u.client()

	_, body := u.get(c, "/ui/tasks/report/logs/"+rec.UUID, "Authorization", bearer())
	assert.Equal(t, 4, strings.Count(body, "data-bar "), "120 calls in 4 bars")
	assert.Contains(t, body, "a ×120", "one row for the boundary")
	assert.Equal(t, 4, strings.Count(body, `data-count="30"`), "4 bars of 30 calls")

	path := "/ui/tasks/report/logs/" + rec.UUID + "/calls?boundary=a&bucket=1&buckets=4&project=" + testProject
	resp, body := u.get(c, path, "Authorization", bearer())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 30, strings.Count(body, "data-call"))
	assert.Contains(t, body, "a #30<")
	assert.NotContains(t, body, `id="next-page"`)

	resp, body = u.get(c, "/ui/tasks/report/logs/"+rec.UUID+"/calls?boundary=a", "Authorization", bearer())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, CallsPageSize, strings.Count(body, "data-call"))
	assert.Contains(t, body, `id="next-page"`)
	resp, body = u.get(c, "/ui/tasks/report/logs/"+rec.UUID+"/calls?boundary=a&offset=100", "Authorization", bearer())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 20, strings.Count(body, "data-call"))
	assert.Contains(t, body, `id="prev-page"`)

	resp, _ = u.get(c, "/ui/tasks/report/logs/"+rec.UUID+"/calls?boundary=a&bucket=4&buckets=4", "Authorization", bearer())
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
