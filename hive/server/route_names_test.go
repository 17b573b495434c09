package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// routedNames are task names, record uuids and project uuids that the
// ingest routes accept: each must come back through the URL it is routed by.
func routedNames() []string {
	names := []string{
		"with space", " leading", "trailing ", "100%", "%", "%2F", "%2e%2e", "what?", "#hash", "a+b", "a&b=c",
		"ünïcödé", "日本語", "emoji 🎉", "zero\u200bwidth", "line\u2028separator", "\ufeffbom", "\ufffd",
		"a/b", "/leading", "trailing/", "//", "a//b", "a/../b", "./x", "x/.", "...", ".hidden", "x.", ". ",
		`back\slash`, `"quoted"`, "semi;colon", "<tag>", "{brace}", "[bracket]", "`tick`", "~tilde", "*", "@", ":", "'",
		strings.Repeat("ü", 64), // 128 bytes: the longest uuid
	}
	for c := byte(' '); c <= '~'; c++ {
		if c != '.' && c != '/' && !slices.Contains(names, string(c)) {
			names = append(names, string(c))
		}
		names = append(names, "a"+string(c)+"b")
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// get answers a GET on the server at base, path already escaped.
func get(t *testing.T, base, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, body
}

func TestAcceptedNamesAreRoutedBack(t *testing.T) {
	hs := httptest.NewServer(server.New(server.NewMemoryStore(), server.WithInsecureNoAuth(),
		server.WithLogger(slog.New(slog.DiscardHandler))))
	t.Cleanup(hs.Close)
	post := func(path string, body any) []byte {
		t.Helper()
		data, err := json.Marshal(body)
		require.NoError(t, err)
		resp, err := http.Post(hs.URL+path, "application/json", strings.NewReader(string(data)))
		require.NoError(t, err)
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "POST %s %s: %s", path, data, out)
		return out
	}

	names := routedNames()
	type sent struct{ project, task, uuid string }
	var records []sent
	var batch []any
	for i, name := range names {
		// The single route takes each name as a task name and as a uuid; the
		// batch route as a task name and as a project uuid.
		project := fmt.Sprintf("project %d", i)
		one := sent{project: project, task: name, uuid: name}
		rec, err := json.Marshal(map[string]string{"taskName": one.task, "uuid": one.uuid})
		require.NoError(t, err)
		post("/api/log-ingest", map[string]any{"projectUuid": one.project, "logItem": string(rec)})
		two := sent{project: name, task: name, uuid: fmt.Sprintf("batch-%d", i)}
		batch = append(batch, map[string]any{"projectUuid": two.project,
			"logItem": map[string]any{"taskName": two.task, "uuid": two.uuid}})
		records = append(records, one, two)
	}
	var results []map[string]any
	require.NoError(t, json.Unmarshal(post("/api/log-ingest/batch", batch), &results))
	require.Len(t, results, len(batch))
	for i, res := range results {
		require.NotContains(t, res, "error", "item %d (%q)", i, names[i])
	}

	for _, r := range records {
		q := "?projectUuid=" + url.QueryEscape(r.project)
		status, body := get(t, hs.URL, "/api/tasks/"+url.PathEscape(r.task)+"/logs/"+url.PathEscape(r.uuid)+q)
		require.Equal(t, http.StatusOK, status, "GET %q/%q in %q: %s", r.task, r.uuid, r.project, body)
		task, uuid := strictKey(t, logItemOf(t, body))
		assert.Equal(t, [2]string{r.task, r.uuid}, [2]string{task, uuid})

		status, body = get(t, hs.URL, "/api/tasks/"+url.PathEscape(r.task)+"/logs"+q)
		require.Equal(t, http.StatusOK, status, "list %q in %q: %s", r.task, r.project, body)
		var page listPage
		require.NoError(t, json.Unmarshal(body, &page))
		require.Len(t, page.Logs, 1, "list %q in %q", r.task, r.project)
		assert.Equal(t, [3]string{r.task, r.uuid, r.project},
			[3]string{page.Logs[0].TaskName, page.Logs[0].UUID, page.Logs[0].ProjectUUID})

		status, body = get(t, hs.URL, "/api/projects/"+url.PathEscape(r.project))
		require.Equal(t, http.StatusOK, status, "project %q: %s", r.project, body)
	}
}
