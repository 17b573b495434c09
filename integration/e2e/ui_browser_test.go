package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// chromiumPath is Debian's Chromium, the only browser the UI tests run; no
// test downloads one.
const chromiumPath = "/usr/bin/chromium"

// uiTask is the task whose records the browser test looks at.
const uiTask = "uiReport"

// artifactsDir returns the directory the screenshots go to:
// $HIVETRACE_TEST_ARTIFACTS, else artifacts/ui beside this test (ignored
// by git).
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HIVETRACE_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("artifacts", "ui")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// requireChromium returns the browser's path, or skips the test when there
// is none (fails it when CI=true).
func requireChromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath(chromiumPath)
	if err == nil {
		return path
	}
	msg := "no Chromium at " + chromiumPath + " (apt-get install chromium): the records UI browser test needs it"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile and returns a
// tab's context; everything is closed when the test ends.
func newBrowser(t *testing.T, path string) context.Context {
	t.Helper()
	var out bytes.Buffer
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&out),
	)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
		if t.Failed() {
			t.Logf("chromium output:\n%s", out.String())
		}
	})
	return ctx
}

// uiRecords are the records the browser test ingests: a success with calls
// of two boundaries (one failing), and a failure.
func uiRecords(start time.Time) []*otelrecord.ExecutionRecord {
	call := func(at, ms int, in, out, errMsg string) otelrecord.BoundaryRecord {
		b := otelrecord.BoundaryRecord{Input: json.RawMessage(in), Error: errMsg,
			Timing: otelrecord.NewTiming(start.Add(time.Duration(at)*time.Millisecond), start.Add(time.Duration(at+ms)*time.Millisecond))}
		if out != "" {
			b.Output = json.RawMessage(out)
		}
		return b
	}
	ok := &otelrecord.ExecutionRecord{
		UUID: "0193b000-e2e0-7000-8000-0000000000a1", TaskName: uiTask, Type: otelrecord.TypeSuccess,
		Input:  json.RawMessage(`{"userId":1}`),
		Output: json.RawMessage(`{"name":"Ada","total":20}`),
		Boundaries: map[string][]otelrecord.BoundaryRecord{
			"fetchUser":   {call(1, 12, `[1]`, `{"id":1,"name":"Ada"}`, "")},
			"fetchOrders": {call(14, 20, `[1]`, `[{"id":7,"total":20}]`, ""), call(35, 5, `[1]`, "", "orders: timeout"), call(41, 8, `[1]`, `[]`, "")},
		},
		Metadata: map[string]string{"requestId": "req-ui-1", otelrecord.MetadataTraceID: "4bf92f3577b34da6a3ce929d0e0e4736"},
		Metrics:  []otelrecord.Metric{{Type: "business", Name: "orderTotal", Value: 20}},
		Timing:   otelrecord.NewTiming(start, start.Add(50*time.Millisecond)),
	}
	failed := &otelrecord.ExecutionRecord{
		UUID: "0193b000-e2e0-7000-8000-0000000000a2", TaskName: uiTask, Type: otelrecord.TypeError,
		Input: json.RawMessage(`{"userId":99}`), Error: "user 99 not found",
		Boundaries: map[string][]otelrecord.BoundaryRecord{
			"fetchUser": {call(100, 3, `[99]`, "", "user 99 not found")}, "fetchOrders": {},
		},
		Timing: otelrecord.NewTiming(start.Add(100*time.Millisecond), start.Add(104*time.Millisecond)),
	}
	return []*otelrecord.ExecutionRecord{ok, failed}
}

// apiCall sends an authorized request to the Hive API and returns the
// status and body.
func apiCall(t *testing.T, method, url string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+hiveKey+":"+hiveSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, data
}

// TestUIInBrowser drives the records UI of a real "hive serve" in headless
// Chromium: log in, open the tasks, a task's records and a record, check
// the timeline draws one bar per call, set the record's quality and find
// it stored through the API. It saves a screenshot of each page.
func TestUIInBrowser(t *testing.T) {
	chromium := requireChromium(t)
	srv := startHiveServe(t, "127.0.0.1:0", filepath.Join(t.TempDir(), "hive.db"),
		"--trace-url", "http://127.0.0.1:16686/trace/{traceId}")
	recs := uiRecords(time.Now().Add(-time.Minute).Truncate(time.Millisecond))
	for _, rec := range recs {
		item, err := json.Marshal(rec)
		require.NoError(t, err)
		status, body := apiCall(t, http.MethodPost, srv.URL+"/api/log-ingest",
			map[string]any{"projectUuid": hiveProject, "logItem": string(item)})
		require.Equal(t, http.StatusOK, status, "ingest: %s", body)
	}
	okRec := recs[0]
	calls := 0
	for _, cs := range okRec.Boundaries {
		calls += len(cs)
	}

	ctx := newBrowser(t, chromium)
	dir := artifactsDir(t)
	shoot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err, "screenshot %s", name)
		path := filepath.Join(dir, name+".png")
		require.NoError(t, os.WriteFile(path, png, 0o644))
		abs, _ := filepath.Abs(path)
		t.Logf("screenshot: %s", abs)
	}

	// A visitor without a session lands on the login page.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("login-form"))))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(loc, srv.URL+"/ui/login"), loc)
	shoot("1-login")

	// A wrong secret is refused; the right one opens the tasks page.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("apiKey"), hiveKey),
		chromedp.SendKeys(chromedp.ID("apiSecret"), "wrong"),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("login-error")),
		chromedp.SendKeys(chromedp.ID("apiKey"), hiveKey),
		chromedp.SendKeys(chromedp.ID("apiSecret"), hiveSecret),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("tasks")),
	))
	runs, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr[data-task="`+uiTask+`"] td[data-runs]`)))
	require.NoError(t, err)
	assert.Equal(t, "2", strings.TrimSpace(runs))
	shoot("2-tasks")

	// The task's records, newest first.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`tr[data-task="`+uiTask+`"] a`)),
		chromedp.WaitVisible(chromedp.ID("records")),
	))
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("#records tr[data-record]")).map(r => r.dataset.record)`))
	require.NoError(t, err)
	assert.Equal(t, []string{recs[1].UUID, recs[0].UUID}, rows)
	shoot("3-records")

	// Only the failures.
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("filter-type"), "error")))
	resp, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.ID("filters")))
	require.NoError(t, err)
	assert.Contains(t, resp.URL, "type=error")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("records"))))
	rows, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("#records tr[data-record]")).map(r => r.dataset.record)`))
	require.NoError(t, err)
	assert.Equal(t, []string{recs[1].UUID}, rows)

	// The successful record: one bar per call, a failed call marked, each
	// call opening to its input and output.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/ui/tasks/"+uiTask+"/logs"),
		chromedp.WaitVisible(chromedp.ID("records")),
		chromedp.Click(chromedp.CSS(`tr[data-record="`+okRec.UUID+`"] a`)),
		chromedp.WaitVisible(chromedp.ID("timeline")),
	))
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#timeline li[data-bar] svg rect").length`))
	require.NoError(t, err)
	assert.Equal(t, calls, bars, "one bar per call")
	failedBars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#timeline li.failed rect.error").length`))
	require.NoError(t, err)
	assert.Equal(t, 1, failedBars)
	traceHref, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("trace-link").href`))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736", traceHref)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#timeline li[data-boundary="fetchUser"] summary`))))
	opened, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#timeline li[data-boundary="fetchUser"] .body`)))
	require.NoError(t, err)
	assert.Contains(t, opened, `"name": "Ada"`)
	shoot("4-record")

	// Set the quality; the page says it is saved and the API returns it.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("quality-score"), "8"),
		chromedp.SendKeys(chromedp.ID("quality-reason"), "matches the orders"),
		chromedp.SendKeys(chromedp.ID("quality-suggestions"), "cache fetchUser"),
		chromedp.Click(chromedp.ID("quality-submit")),
		chromedp.WaitVisible(chromedp.ID("quality-saved")),
	))
	shoot("5-quality-saved")

	status, body := apiCall(t, http.MethodGet, fmt.Sprintf("%s/api/tasks/%s/logs?projectUuid=%s&limit=10", srv.URL, uiTask, hiveProject), nil)
	require.Equal(t, http.StatusOK, status, "%s", body)
	var page struct {
		Logs []struct {
			UUID    string          `json:"uuid"`
			Quality json.RawMessage `json:"quality"`
		} `json:"logs"`
	}
	require.NoError(t, json.Unmarshal(body, &page))
	found := false
	for _, l := range page.Logs {
		if l.UUID == okRec.UUID {
			found = true
			assert.JSONEq(t, `{"score":8,"reason":"matches the orders","suggestions":"cache fetchUser"}`, string(l.Quality))
		}
	}
	assert.True(t, found, "the record is listed: %s", body)

	// A record of 10,000 calls: the timeline groups them into at most 200
	// bars, and a bar leads to the list of its calls.
	big := manyCallsRecord(time.Now().Add(-time.Minute).Truncate(time.Millisecond), 10_000)
	item, err := json.Marshal(big)
	require.NoError(t, err)
	status, body = apiCall(t, http.MethodPost, srv.URL+"/api/log-ingest", map[string]any{"projectUuid": hiveProject, "logItem": string(item)})
	require.Equal(t, http.StatusOK, status, "ingest: %s", body)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/ui/tasks/"+uiTask+"/logs/"+big.UUID),
		chromedp.WaitVisible(chromedp.ID("timeline")),
	))
	grouped, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`(() => {
		const bars = Array.from(document.querySelectorAll("#timeline [data-bar]"));
		return [bars.length, bars.reduce((n, b) => n + Number(b.dataset.count), 0),
			document.querySelectorAll("#timeline li[data-lane]").length];
	})()`))
	require.NoError(t, err)
	require.Len(t, grouped, 3)
	assert.LessOrEqual(t, grouped[0], 200, "bars")
	assert.Equal(t, 10_000, grouped[1], "every call in a bar")
	assert.Equal(t, 4, grouped[2], "a row a boundary")
	shoot("6-record-10000-calls")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#timeline li[data-lane] summary .name`)),
		chromedp.Click(chromedp.CSS(`#timeline li[data-lane] .body a`)),
		chromedp.WaitVisible(chromedp.ID("calls")),
	))
	listedCalls, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#calls li[data-call]").length`))
	require.NoError(t, err)
	assert.Positive(t, listedCalls)
	shoot("7-calls")

	// A record full of markup renders inert: no element, handler or
	// javascript: link of its own reaches the page.
	hostile := `{"uuid":"0193b000-e2e0-7000-8000-0000000000a4","taskName":"` + uiTask + `","type":"error",` +
		`"input":{"html":"<img src=x onerror=\"document.title='pwned'\">","url":"javascript:document.title='pwned'"},` +
		`"error":"</pre><script>document.title='pwned'</script>",` +
		`"boundaries":{"<script>document.title='pwned'</script>":[{"input":["<b id=injected>x</b>"],"error":"<svg onload=\"document.title='pwned'\">",` +
		`"timing":{"startTime":1795633372498,"endTime":1795633372502,"duration":4}}]},` +
		`"metadata":{"trace_id":"javascript:document.title='pwned'"},` +
		`"timing":{"startTime":1795633372498,"endTime":1795633372505,"duration":7}}`
	status, body = apiCall(t, http.MethodPost, srv.URL+"/api/log-ingest", map[string]any{"projectUuid": hiveProject, "logItem": hostile})
	require.Equal(t, http.StatusOK, status, "ingest: %s", body)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/ui/tasks/"+uiTask+"/logs/0193b000-e2e0-7000-8000-0000000000a4"),
		chromedp.WaitVisible(chromedp.ID("timeline")),
		chromedp.Click(chromedp.CSS(`#timeline li[data-bar] summary`)),
	))
	inert, err := chromedp.Run(ctx, chromedp.Evaluate[[]any](`[document.title,
		document.querySelectorAll("img, #injected, main svg[onload]").length,
		document.querySelectorAll("script").length,
		Array.from(document.querySelectorAll("a")).filter(a => a.href.startsWith("javascript:")).length,
		document.getElementById("record-input").textContent.includes("onerror")]`))
	require.NoError(t, err)
	require.Len(t, inert, 5)
	assert.NotEqual(t, "pwned", inert[0], "no script of the record ran")
	assert.EqualValues(t, 0, inert[1], "no element of the record")
	assert.EqualValues(t, 1, inert[2], "the UI's own script only")
	assert.EqualValues(t, 0, inert[3], "no javascript: link")
	assert.Equal(t, true, inert[4], "the markup is shown as text")
	shoot("8-hostile-record")
}

// manyCallsRecord returns a successful record of task uiTask with n calls
// over 4 boundaries, 1 ms apart.
func manyCallsRecord(start time.Time, n int) *otelrecord.ExecutionRecord {
	rec := &otelrecord.ExecutionRecord{
		UUID: "0193b000-e2e0-7000-8000-0000000000a3", TaskName: uiTask, Type: otelrecord.TypeSuccess,
		Input: json.RawMessage(`{"userId":3}`), Output: json.RawMessage(`{"total":0}`),
		Boundaries: map[string][]otelrecord.BoundaryRecord{},
		Timing:     otelrecord.NewTiming(start, start.Add(time.Duration(n+1)*time.Millisecond)),
	}
	names := []string{"fetchUser", "fetchOrders", "priceQuote", "cacheGet"}
	for i := range n {
		at := start.Add(time.Duration(i) * time.Millisecond)
		name := names[i%len(names)]
		rec.Boundaries[name] = append(rec.Boundaries[name], otelrecord.BoundaryRecord{
			Input: json.RawMessage(fmt.Sprintf(`[%d]`, i)), Output: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)),
			Timing: otelrecord.NewTiming(at, at.Add(700*time.Microsecond))})
	}
	return rec
}
