package server_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// publishBody is what the forge CLI's task:publish sends.
func publishBody(taskName string, size int) map[string]any {
	return map[string]any{
		"path": "src/tasks/" + taskName + ".ts", "handler": taskName, "uuid": "t-" + taskName,
		"taskName": taskName, "projectName": "demo", "description": "does " + taskName,
		"schemaDescriptor": `{"id":"number"}`, "boundaries": []string{"fetchUser"},
		"sourceCode": "export const " + taskName + " = createTask({})", "bundleSize": size,
		"fingerprint": map[string]any{"inputSchema": map[string]any{}},
	}
}

func TestPublishUploadDownload(t *testing.T) {
	ts := start(t)
	bundle := append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0, 0xff, 'z'}, 100)...)

	r := ts.do(http.MethodPost, "/api/projects/"+projectA+"/tasks/t-alpha/publish", publishBody("alpha", len(bundle)))
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	uploadURL, _ := r.json(t)["bundleUploadUrl"].(string)
	assert.True(t, strings.HasPrefix(uploadURL, ts.url+"/api/projects/"+projectA+"/tasks/t-alpha/bundle?expires="), "an absolute, signed URL on this server: %s", uploadURL)
	assert.Equal(t, "alpha", ts.project(t, projectA).Project.Tasks[0].Name, "an unknown task named by the publish is registered")

	// Before the upload: the metadata, no bundle.
	r = ts.do(http.MethodPost, "/api/tasks/download", map[string]any{"uuid": "t-alpha"})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	got := r.json(t)
	assert.Equal(t, "alpha", got["handler"])
	assert.Equal(t, "export const alpha = createTask({})", got["sourceCode"])
	assert.Nil(t, got["bundle"])
	assert.Nil(t, got["uploadedAt"])

	req, err := http.NewRequest(http.MethodPut, uploadURL, bytes.NewReader(bundle))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Authorization", "Bearer "+apiKey+":"+apiSecret)
	resp, err := ts.client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	r = ts.do(http.MethodPost, "/api/tasks/download", map[string]any{"uuid": "t-alpha"})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	got = r.json(t)
	for k, want := range publishBody("alpha", len(bundle)) {
		if k == "uuid" {
			continue
		}
		w, _ := json.Marshal(want)
		g, _ := json.Marshal(got[k])
		assert.JSONEq(t, string(w), string(g), "publish metadata %q comes back", k)
	}
	assert.Equal(t, "t-alpha", got["uuid"])
	assert.Equal(t, projectA, got["projectUuid"])
	assert.NotEmpty(t, got["publishedAt"])
	assert.NotEmpty(t, got["uploadedAt"])
	data, err := base64.StdEncoding.DecodeString(got["bundle"].(string))
	require.NoError(t, err)
	assert.Equal(t, bundle, data, "the bundle comes back byte for byte, in base64")

	// A new publish forgets the old bundle.
	r = ts.do(http.MethodPost, "/api/projects/"+projectA+"/tasks/t-alpha/publish", publishBody("alpha", 10))
	require.Equal(t, http.StatusOK, r.status)
	assert.Nil(t, ts.do(http.MethodPost, "/api/tasks/download", map[string]any{"uuid": "t-alpha"}).json(t)["bundle"])

	// The same task uuid published in another project: the project narrows it.
	require.Equal(t, http.StatusOK, ts.do(http.MethodPost, "/api/projects/"+projectB+"/tasks/t-alpha/publish", publishBody("alpha", 1)).status)
	msg := ts.do(http.MethodPost, "/api/tasks/download", map[string]any{"uuid": "t-alpha"}).requireError(t, http.StatusConflict)
	assert.Contains(t, msg, "several projects")
	assert.Equal(t, projectB, ts.do(http.MethodPost, "/api/tasks/download", map[string]any{"uuid": "t-alpha", "projectUuid": projectB}).json(t)["projectUuid"])
	assert.Equal(t, projectA, ts.do(http.MethodPost, "/api/tasks/download?projectUuid="+projectA, map[string]any{"uuid": "t-alpha"}).json(t)["projectUuid"])

	ts.do(http.MethodPost, "/api/tasks/download", map[string]any{"uuid": "t-missing"}).requireError(t, http.StatusNotFound)
	ts.do(http.MethodPost, "/api/tasks/download", map[string]any{}).requireError(t, http.StatusBadRequest)
}

func TestPublishRefusals(t *testing.T) {
	ts := start(t, server.WithMaxBundleBytes(64), server.WithPublicURL("https://hive.example.test/base/"))
	path := "/api/projects/" + projectA + "/tasks/t-alpha"

	msg := ts.do(http.MethodPost, path+"/publish", map[string]any{"handler": "alpha"}).requireError(t, http.StatusNotFound)
	assert.Contains(t, msg, "not registered")
	msg = ts.do(http.MethodPost, path+"/publish", publishBody("alpha", 65)).requireError(t, http.StatusRequestEntityTooLarge)
	assert.Contains(t, msg, "Bundle size", "the words the forge CLI looks for")
	ts.do(http.MethodPost, path+"/publish", `[1]`).requireError(t, http.StatusBadRequest)
	ts.do(http.MethodPost, path+"/publish", `{"taskName":`).requireError(t, http.StatusBadRequest)

	msg = ts.do(http.MethodPut, path+"/bundle", "zip").requireError(t, http.StatusNotFound)
	assert.Contains(t, msg, "has not been published")

	r := ts.do(http.MethodPost, path+"/publish", publishBody("alpha", 64))
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.True(t, strings.HasPrefix(r.json(t)["bundleUploadUrl"].(string), "https://hive.example.test/base/api/projects/"+projectA+"/tasks/t-alpha/bundle?"))

	ts.do(http.MethodPut, path+"/bundle", strings.Repeat("x", 65)).requireError(t, http.StatusRequestEntityTooLarge)
	ts.do(http.MethodPut, path+"/bundle", io.MultiReader(strings.NewReader(strings.Repeat("x", 65)))).requireError(t, http.StatusRequestEntityTooLarge) // no Content-Length
	ts.doAuth(http.MethodPut, path+"/bundle", "zip", "").requireError(t, http.StatusUnauthorized)
	r = ts.do(http.MethodPut, path+"/bundle", strings.Repeat("x", 64))
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.EqualValues(t, 64, r.json(t)["bundleSize"])
}

// The forge CLI PUTs the bundle to the URL a publish answers without
// credentials, as to a presigned storage URL: the URL's signature authorizes
// that upload, and only it.
func TestSignedBundleUpload(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts := start(t, server.WithClock(clock))
	publish := func(task string) string {
		t.Helper()
		r := ts.do(http.MethodPost, "/api/projects/"+projectA+"/tasks/"+task+"/publish", publishBody(task, 3))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		return r.json(t)["bundleUploadUrl"].(string)
	}
	put := func(u string) response {
		t.Helper()
		return ts.doAuth(http.MethodPut, strings.TrimPrefix(u, ts.url), "zip", "")
	}
	alpha, beta := publish("t-alpha"), publish("t-beta")

	r := put(alpha)
	require.Equal(t, http.StatusOK, r.status, "the signed URL needs no credentials: %s", r.body)
	got := ts.do(http.MethodPost, "/api/tasks/download", map[string]any{"uuid": "t-alpha"}).json(t)
	assert.Equal(t, base64.StdEncoding.EncodeToString([]byte("zip")), got["bundle"])

	u, err := url.Parse(alpha)
	require.NoError(t, err)
	q := u.Query()
	sig := q.Get("signature")
	q.Set("signature", strings.Repeat("0", len(sig)))
	u.RawQuery = q.Encode()
	put(u.String()).requireError(t, http.StatusUnauthorized)

	betaQuery := beta[strings.Index(beta, "?"):]
	put(ts.url+"/api/projects/"+projectA+"/tasks/t-alpha/bundle"+betaQuery).requireError(t, http.StatusUnauthorized)
	ts.doAuth(http.MethodPost, "/api/tasks/download"+alpha[strings.Index(alpha, "?"):], map[string]any{"uuid": "t-alpha"}, "").
		requireError(t, http.StatusUnauthorized) // the signature authorizes the upload only

	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	put(beta).requireError(t, http.StatusUnauthorized) // expired
	r = ts.do(http.MethodPut, strings.TrimPrefix(beta, ts.url), "zip")
	assert.Equal(t, http.StatusOK, r.status, "credentials still work: %s", r.body)
}

// A bundle larger than the body limit still reserves its length from the
// body budget: with the budget held by another body, the upload waits its
// turn (503) instead of taking memory beside it.
func TestBundleUploadCountsAgainstTheBodyBudget(t *testing.T) {
	ts := start(t, server.WithBodyBudget(1000), server.WithMaxBodyBytes(900), server.WithMaxBundleBytes(4096))
	bundle := bytes.Repeat([]byte{'b'}, 2000)
	r := ts.do(http.MethodPost, "/api/projects/"+projectA+"/tasks/t-alpha/publish", publishBody("alpha", len(bundle)))
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	path := "/api/projects/" + projectA + "/tasks/t-alpha/bundle"

	slow := ts.startSlow(t, ingestBody(t, recordJSON("t", "slow", "x"), 800), true)
	ts.waitBudgetFull(t, 300)
	refused := ts.do(http.MethodPut, path, bytes.NewReader(bundle))
	assert.Contains(t, refused.requireError(t, http.StatusServiceUnavailable), "body budget")
	require.Equal(t, http.StatusOK, slow.finish(t).status)

	stored := ts.do(http.MethodPut, path, bytes.NewReader(bundle))
	require.Equal(t, http.StatusOK, stored.status, "alone, the bundle is stored: %s", stored.body)
	assert.EqualValues(t, 2000, stored.json(t)["bundleSize"])
}
