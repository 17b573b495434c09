package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// listed returns the record uuids a records page lists, in order, and the
// address of its next page ("" on the last).
func listed(t *testing.T, body string) (uuids []string, next string) {
	t.Helper()
	for _, m := range regexp.MustCompile(`data-record="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		uuids = append(uuids, m[1])
	}
	if m := regexp.MustCompile(`href="([^"]+)" id="next-page"`).FindStringSubmatch(body); m != nil {
		next = htmlUnescape(m[1])
	}
	return uuids, next
}

// htmlUnescape undoes the escaping of & in an attribute.
func htmlUnescape(s string) string { return regexp.MustCompile(`&amp;`).ReplaceAllString(s, "&") }

// seedRecords stores 10 records of task "report": record i started i hours
// before now, every third failed, record i has quality score i when even.
func seedRecords(t *testing.T, store server.Store, now time.Time) {
	t.Helper()
	var recs []*otelrecord.ExecutionRecord
	var created []time.Time
	for i := range 10 {
		start := now.Add(-time.Duration(i)*time.Hour - time.Minute)
		recs = append(recs, newRecord(i, "report", start, time.Duration(i+1)*time.Millisecond, i%3 == 0, nil))
		created = append(created, start.Add(time.Second))
	}
	ingest(t, store, "report", recs, created)
	for i := 0; i < 10; i += 2 {
		q, _ := json.Marshal(map[string]any{"score": i})
		require.NoError(t, store.SetQuality(t.Context(), server.LogKey{ProjectUUID: testProject, TaskName: "report", UUID: recordUUID(i)}, q))
	}
}

func TestLogsPageFiltersAndPages(t *testing.T) {
	u := newTestUI(t, nil, nil)
	now := time.Now()
	seedRecords(t, u.store, now)
	c := u.loggedIn()
	ids := func(is ...int) []string {
		var out []string
		for _, i := range is {
			out = append(out, recordUUID(i))
		}
		return out
	}
	list := func(q url.Values) ([]string, string) {
		t.Helper()
		resp, body := u.get(c, logsURL("report", q))
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		return listed(t, body)
	}

	got, next := list(nil)
	assert.Equal(t, ids(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), got, "newest first")
	assert.Empty(t, next)

	got, _ = list(url.Values{"type": {"error"}})
	assert.Equal(t, ids(0, 3, 6, 9), got)
	got, _ = list(url.Values{"type": {"success"}})
	assert.Equal(t, ids(1, 2, 4, 5, 7, 8), got)

	got, _ = list(url.Values{"minQuality": {"4"}})
	assert.Equal(t, ids(4, 6, 8), got)
	got, _ = list(url.Values{"minQuality": {"4"}, "type": {"error"}})
	assert.Equal(t, ids(6), got)

	got, _ = list(url.Values{"range": {"1h"}})
	assert.Equal(t, ids(0), got)
	got, _ = list(url.Values{"since": {now.Add(-4*time.Hour - 30*time.Minute).UTC().Format(time.RFC3339)},
		"until": {now.Add(-90 * time.Minute).UTC().Format(time.RFC3339)}})
	assert.Equal(t, ids(2, 3, 4), got)

	// Pages of 3 with a filter: the filter follows the pages.
	var all []string
	next = logsURL("report", url.Values{"limit": {"3"}, "type": {"success"}})
	for pages := 0; next != ""; pages++ {
		require.Less(t, pages, 5)
		resp, body := u.get(c, next)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var page []string
		page, next = listed(t, body)
		assert.LessOrEqual(t, len(page), 3)
		all = append(all, page...)
	}
	assert.Equal(t, ids(1, 2, 4, 5, 7, 8), all)

	// Each row links to its record.
	_, body := u.get(c, logsURL("report", url.Values{"type": {"error"}, "limit": {"1"}}))
	assert.Contains(t, body, `href="/ui/tasks/report/logs/`+recordUUID(0)+`?project=`+testProject+`"`)
	assert.Contains(t, body, "run 0 failed")
}

func TestLogsPageRejectsBadFilters(t *testing.T) {
	u := newTestUI(t, nil, nil)
	c := u.loggedIn()
	for _, q := range []url.Values{
		{"type": {"pending"}}, {"minQuality": {"high"}}, {"since": {"yesterday"}}, {"range": {"2w"}},
		{"limit": {"0"}}, {"before": {"!!"}},
		{"since": {"2026-01-02T00:00:00Z"}, "until": {"2026-01-01T00:00:00Z"}},
	} {
		resp, _ := u.get(c, logsURL("report", q))
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, q.Encode())
	}
}

func TestTasksPageSummarizesTheRange(t *testing.T) {
	u := newTestUI(t, nil, nil)
	now := time.Now()
	seedRecords(t, u.store, now)
	c := u.loggedIn()

	resp, body := u.get(c, "/ui/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	row := regexp.MustCompile(`(?s)<tr data-task="report">(.*?)</tr>`).FindStringSubmatch(body)
	require.Len(t, row, 2, body)
	assert.Contains(t, row[1], `href="/ui/tasks/report/logs?project=`+testProject+`"`)
	assert.Contains(t, row[1], `<td class="num" data-runs>10</td>`)
	assert.Contains(t, row[1], `<td class="num">4</td>`, "errors")
	assert.Contains(t, row[1], "40.0%")

	resp, body = u.get(c, "/ui/?range=24h")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `<td class="num" data-runs>10</td>`)
	_, body = u.get(c, "/ui/?range=1h")
	row = regexp.MustCompile(`(?s)<tr data-task="report">(.*?)</tr>`).FindStringSubmatch(body)
	require.Len(t, row, 2)
	assert.Contains(t, row[1], `<td class="num" data-runs>1</td>`)
	assert.Contains(t, row[1], `href="/ui/tasks/report/logs?project=`+testProject+`&amp;range=1h"`, "the range follows the link")
	assert.Contains(t, row[1], "100.0%", "record 0 failed")

	resp, _ = u.get(c, "/ui/?range=forever")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

// TestTasksPageProjectPicker: with tasks in two projects the page offers
// both (and every project); choosing one lists its tasks only and keeps the
// way back to all.
func TestTasksPageProjectPicker(t *testing.T) {
	u := newTestUI(t, nil, nil)
	now := time.Now()
	seedRecords(t, u.store, now)
	const other = "0193b000-ffff-7000-8000-000000000002"
	rec := newRecord(900, "billing", now.Add(-time.Minute), 5*time.Millisecond, false, nil)
	b, err := json.Marshal(rec)
	require.NoError(t, err)
	res, err := u.store.Ingest(t.Context(), []server.IngestEntry{{ProjectName: "finance", Log: server.StoredLog{
		ProjectUUID: other, TaskName: "billing", UUID: rec.UUID, Record: b, CreatedAt: now}}})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	c := u.loggedIn()

	_, body := u.get(c, "/ui/")
	picker := regexp.MustCompile(`(?s)<select name="project" id="filter-project">(.*?)</select>`).FindStringSubmatch(body)
	require.Len(t, picker, 2, body)
	assert.Contains(t, picker[1], `<option value="">all projects</option>`)
	assert.Contains(t, picker[1], `<option value="`+testProject+`">demo</option>`)
	assert.Contains(t, picker[1], `<option value="`+other+`">finance</option>`)
	assert.Contains(t, body, `data-task="report"`)
	assert.Contains(t, body, `data-task="billing"`)

	_, body = u.get(c, "/ui/?project="+other)
	picker = regexp.MustCompile(`(?s)<select name="project" id="filter-project">(.*?)</select>`).FindStringSubmatch(body)
	require.Len(t, picker, 2, body)
	assert.Contains(t, picker[1], `<option value="`+other+`" selected>finance</option>`)
	assert.NotContains(t, picker[1], testProject, "only the chosen project, and the way back")
	assert.Contains(t, body, `data-task="billing"`)
	assert.NotContains(t, body, `data-task="report"`)

	one := newTestUI(t, nil, nil)
	seedRecords(t, one.store, now)
	_, body = one.get(one.loggedIn(), "/ui/")
	assert.NotContains(t, body, `id="filter-project"`, "no picker with one project")
}
