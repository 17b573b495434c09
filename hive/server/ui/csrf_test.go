package ui

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// csrfTokenIn returns the csrf token of the first form of a page.
func csrfTokenIn(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	require.Len(t, m, 2, "no csrf field in the page")
	return m[1]
}

// storedQuality returns the stored quality of record i.
func storedQuality(t *testing.T, store server.Store, i int) map[string]any {
	t.Helper()
	e, err := store.GetLog(t.Context(), server.LogKey{ProjectUUID: testProject, TaskName: "report", UUID: recordUUID(i)})
	require.NoError(t, err)
	if e.Quality == nil {
		return nil
	}
	var q map[string]any
	require.NoError(t, json.Unmarshal(e.Quality, &q))
	return q
}

func TestQualityFormIsProtectedAgainstCrossSiteRequests(t *testing.T) {
	u := newTestUI(t, nil, nil)
	start := time.Now().Add(-time.Minute)
	ingest(t, u.store, "report", []*otelrecord.ExecutionRecord{newRecord(1, "report", start, time.Second, false, nil)}, []time.Time{start})
	c := u.loggedIn()
	path := "/ui/tasks/report/logs/" + recordUUID(1)
	_, body := u.get(c, path+"?project="+testProject)
	token := csrfTokenIn(t, body)
	form := map[string][]string{"score": {"7"}, "reason": {"fine"}, "suggestions": {"none"}}

	resp, _ := u.post(c, path+"/quality", form)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "no token")
	form["csrf"] = []string{"forged"}
	resp, _ = u.post(c, path+"/quality", form)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a wrong token")

	form["csrf"] = []string{token}
	resp, _ = u.post(c, path+"/quality", form, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a cross-site browser request, token or not")
	assert.Nil(t, storedQuality(t, u.store, 1), "nothing stored by refused requests")

	// Another session's token does not do either.
	other := u.loggedIn()
	_, otherBody := u.get(other, path)
	form["csrf"] = []string{csrfTokenIn(t, otherBody)}
	resp, _ = u.post(c, path+"/quality", form)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a token of another session")

	form["csrf"] = []string{token}
	resp, _ = u.post(c, path+"/quality", form, "Origin", u.srv.URL, "Sec-Fetch-Site", "same-origin")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, path+"?saved=1", resp.Header.Get("Location"))
	assert.Equal(t, map[string]any{"score": 7.0, "reason": "fine", "suggestions": "none"}, storedQuality(t, u.store, 1))

	resp, body = u.get(c, resp.Header.Get("Location"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "Quality saved.")
	assert.Contains(t, body, `id="quality-score" value="7"`)
}

func TestQualityFormWithBearerNeedsNoToken(t *testing.T) {
	u := newTestUI(t, nil, nil)
	start := time.Now()
	ingest(t, u.store, "report", []*otelrecord.ExecutionRecord{newRecord(1, "report", start, time.Second, false, nil)}, []time.Time{start})
	resp, _ := u.post(u.client(), "/ui/tasks/report/logs/"+recordUUID(1)+"/quality",
		map[string][]string{"score": {"2.5"}}, "Authorization", bearer())
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, 2.5, storedQuality(t, u.store, 1)["score"])
}

func TestQualityFormRejectsBadScores(t *testing.T) {
	u := newTestUI(t, nil, nil)
	start := time.Now()
	ingest(t, u.store, "report", []*otelrecord.ExecutionRecord{newRecord(1, "report", start, time.Second, false, nil)}, []time.Time{start})
	for _, score := range []string{"", "abc", "NaN", "Inf"} {
		resp, body := u.post(u.client(), "/ui/tasks/report/logs/"+recordUUID(1)+"/quality",
			map[string][]string{"score": {score}}, "Authorization", bearer())
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, score)
		assert.Contains(t, body, "score", score)
	}
	resp, _ := u.post(u.client(), "/ui/tasks/report/logs/"+recordUUID(9)+"/quality",
		map[string][]string{"score": {"1"}}, "Authorization", bearer())
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Nil(t, storedQuality(t, u.store, 1))
}
