package hive

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testForge = `{
  "project": {"name": "shop", "uuid": "` + testProject + `"},
  "tasks": {
    "getUserReport": {"path": "tasks/report.go", "handler": "GetUserReport", "uuid": "0193a000-0000-7000-8000-0000000000aa"},
    "noUUID": {"path": "tasks/x.go", "handler": "X"}
  },
  "infra": {"region": "us-west-2"}
}`

func writeForge(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "forge.json")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestSendLogSuccess(t *testing.T) {
	f := newFakeHive()
	srv := f.start(t)
	c := newTestLogClient(t, srv.URL, func(c *Config) { c.ForgePath = writeForge(t, testForge) })

	rec := sampleRecord("0193a000-0000-7000-8000-00000000beef")
	resp, err := c.SendLog(ctxT(t), rec, nil)

	require.NoError(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, rec.UUID, resp.UUID)
	assert.Equal(t, "getUserReport", resp.TaskName)
	assert.Equal(t, "shop", resp.ProjectName)
	assert.Equal(t, "2026-01-02T03:04:05Z", resp.CreatedAt)
	back, err := resp.Record()
	require.NoError(t, err)
	assert.Equal(t, rec.UUID, back.UUID)

	reqs := f.seen()
	require.Len(t, reqs, 1)
	assert.Equal(t, "POST", reqs[0].Method)
	assert.Equal(t, "/api/log-ingest", reqs[0].Path)
	assert.Equal(t, "Bearer "+testKey+":"+testSecret, reqs[0].Auth)
	assert.Equal(t, "application/json", reqs[0].ContentType)

	// The body has the documented keys (+ projectName), logItem as a string.
	var body map[string]any
	require.NoError(t, json.Unmarshal(reqs[0].Body, &body))
	assert.Len(t, body, 4)
	assert.Equal(t, testProject, body["projectUuid"])
	assert.Equal(t, "shop", body["projectName"])
	assert.Equal(t, "0193a000-0000-7000-8000-0000000000aa", body["taskUuid"])
	item, ok := body["logItem"].(string)
	require.True(t, ok, "logItem must be a JSON string")
	want, err := json.Marshal(rec)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), item)
}

func TestSendLogTaskUUIDFromForge(t *testing.T) {
	f := newFakeHive()
	srv := f.start(t)
	c := newTestLogClient(t, srv.URL, func(c *Config) { c.ForgePath = writeForge(t, testForge) })

	for _, name := range []string{"getUserReport", "noUUID", "notInForge"} {
		rec := sampleRecord("")
		rec.TaskName = name
		_, err := c.SendLog(ctxT(t), rec, nil)
		require.NoError(t, err)
	}
	bodies := f.ingestBodies()
	require.Len(t, bodies, 3)
	assert.Equal(t, "0193a000-0000-7000-8000-0000000000aa", bodies[0].TaskUUID)
	assert.Empty(t, bodies[1].TaskUUID, "a forge entry without uuid")
	assert.Empty(t, bodies[2].TaskUUID, "a task forge.json does not list")
	for _, b := range bodies {
		assert.Equal(t, testProject, b.ProjectUUID)
	}
}

func TestSendLogStatuses(t *testing.T) {
	cases := []struct {
		status   int
		sentinel error
	}{
		{http.StatusBadRequest, ErrBadRequest},
		{http.StatusUnauthorized, ErrUnauthorized},
		{http.StatusForbidden, ErrUnauthorized},
		{http.StatusNotFound, ErrNotFound},
		{http.StatusRequestEntityTooLarge, ErrBadRequest},
		{http.StatusTooManyRequests, ErrRateLimited},
		{http.StatusInternalServerError, ErrServer},
		{http.StatusServiceUnavailable, ErrServer},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			f := newFakeHive()
			f.setOverride(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				writeError(w, tc.status, "boom "+http.StatusText(tc.status))
				return true
			})
			srv := f.start(t)
			c := newTestLogClient(t, srv.URL)

			resp, err := c.SendLog(ctxT(t), sampleRecord(""), nil)

			assert.Nil(t, resp)
			require.ErrorIs(t, err, tc.sentinel)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, "boom "+http.StatusText(tc.status), apiErr.Message)
			assert.Equal(t, "/api/log-ingest", apiErr.Path)
			assert.Contains(t, err.Error(), "boom")
			assert.NotContains(t, err.Error(), testSecret)
			for _, other := range []error{ErrBadRequest, ErrUnauthorized, ErrNotFound, ErrRateLimited, ErrServer, ErrNetwork} {
				if other != tc.sentinel {
					assert.NotErrorIs(t, err, other)
				}
			}
		})
	}
}

func TestSendLogWrongCredentials(t *testing.T) {
	f := newFakeHive()
	srv := f.start(t)
	c := newTestLogClient(t, srv.URL, func(c *Config) { c.APISecret = "wrong" })

	_, err := c.SendLog(ctxT(t), sampleRecord(""), nil)

	require.ErrorIs(t, err, ErrUnauthorized)
	assert.Contains(t, err.Error(), "invalid credentials")
	assert.Empty(t, f.stored())
}

func TestSendLogNonJSONErrorBody(t *testing.T) {
	f := newFakeHive()
	f.setOverride(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		http.Error(w, "upstream exploded", http.StatusBadGateway)
		return true
	})
	c := newTestLogClient(t, f.start(t).URL)

	_, err := c.SendLog(ctxT(t), sampleRecord(""), nil)

	require.ErrorIs(t, err, ErrServer)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "upstream exploded", apiErr.Message)
}

func TestSendLogNetworkError(t *testing.T) {
	c := newTestLogClient(t, closedURL(t))

	_, err := c.SendLog(ctxT(t), sampleRecord(""), nil)

	require.ErrorIs(t, err, ErrNetwork)
	assert.True(t, Retryable(err))
	assert.False(t, isAPIError(err))
}

func TestSendLogCancelledContext(t *testing.T) {
	f := newFakeHive()
	c := newTestLogClient(t, f.start(t).URL)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := c.SendLog(ctx, sampleRecord(""), nil)

	require.ErrorIs(t, err, ErrNetwork)
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, Retryable(err), "the caller gave up: not retryable")
}

func TestSendLogUnreadableSuccessBody(t *testing.T) {
	f := newFakeHive()
	f.setOverride(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("<html>ok</html>"))
		return true
	})
	c := newTestLogClient(t, f.start(t).URL)

	resp, err := c.SendLog(ctxT(t), sampleRecord("u-1"), nil)

	require.NoError(t, err, "a 2xx means stored, even with an unreadable body")
	assert.Equal(t, &IngestResponse{UUID: "u-1", TaskName: "getUserReport"}, resp, "what was sent")
}

func TestSendLogEmptySuccessBody(t *testing.T) {
	f := newFakeHive()
	f.setOverride(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		w.WriteHeader(http.StatusNoContent)
		return true
	})
	c := newTestLogClient(t, f.start(t).URL)

	resp, err := c.SendLog(ctxT(t), sampleRecord("u-1"), nil)

	require.NoError(t, err)
	assert.Equal(t, "u-1", resp.UUID)
}

func TestSilentMode(t *testing.T) {
	f := newFakeHive()
	srv := f.start(t)
	for name, mod := range map[string]func(*Config){
		"no credentials": func(c *Config) { c.APIKey, c.APISecret = "", "" },
		"no secret":      func(c *Config) { c.APISecret = "" },
		"no key":         func(c *Config) { c.APIKey = "" },
	} {
		t.Run(name, func(t *testing.T) {
			c := newTestLogClient(t, srv.URL, mod)
			require.True(t, c.IsSilent())
			ctx := ctxT(t)

			resp, err := c.SendLog(ctx, sampleRecord(""), map[string]string{"a": "b"})
			assert.Nil(t, resp)
			assert.ErrorIs(t, err, ErrSilent)

			_, err = c.GetLog(ctx, "t", "u")
			assert.ErrorIs(t, err, ErrSilent)
			_, err = c.ListLogs(ctx, "t", ListOptions{})
			assert.ErrorIs(t, err, ErrSilent)
			assert.ErrorIs(t, c.SetQuality(ctx, "t", "u", Quality{Score: 1}), ErrSilent)
			report, err := c.TestConfig(ctx)
			assert.ErrorIs(t, err, ErrSilent)
			assert.True(t, report.Silent)

			listen := c.Listener()
			listen(ctx, sampleRecord(""))
			require.NoError(t, c.ForceFlush(ctx))
			require.NoError(t, c.Shutdown(ctx))
			assert.Equal(t, ListenerStats{}, c.ListenerStats(), "a silent client's listener keeps nothing")

			assert.True(t, c.Conf().Silent)
			assert.Empty(t, f.seen(), "a silent client never touches the network")
		})
	}
}

func TestSendLogMetadataPriority(t *testing.T) {
	f := newFakeHive()
	c := newTestLogClient(t, f.start(t).URL, func(c *Config) {
		c.Metadata = map[string]string{"env": "base", "region": "base", "service": "base"}
	})
	rec := sampleRecord("u-meta")
	rec.Metadata = map[string]string{"region": "record", "requestId": "record", "service": "record"}

	_, err := c.SendLog(ctxT(t), rec, map[string]string{"service": "call", "extra": "call"})
	require.NoError(t, err)

	got := f.stored()["u-meta"]
	require.NotNil(t, got)
	assert.Equal(t, map[string]string{
		"env":       "base",
		"region":    "record",
		"requestId": "record",
		"service":   "call",
		"extra":     "call",
	}, got.Metadata)
	assert.Equal(t, map[string]string{"region": "record", "requestId": "record", "service": "record"},
		rec.Metadata, "the caller's record is not mutated")
}

func TestSendLogMetadataAbsentStaysAbsent(t *testing.T) {
	f := newFakeHive()
	c := newTestLogClient(t, f.start(t).URL)

	_, err := c.SendLog(ctxT(t), sampleRecord("u-1"), nil)
	require.NoError(t, err)

	var item map[string]any
	require.NoError(t, json.Unmarshal([]byte(f.ingestBodies()[0].LogItem), &item))
	assert.NotContains(t, item, "metadata")
}

func TestSendLogUUIDKeptOrGenerated(t *testing.T) {
	f := newFakeHive()
	c := newTestLogClient(t, f.start(t).URL)

	kept := sampleRecord("0193a000-0000-7000-8000-00000000cafe")
	res, err := c.SendLog(ctxT(t), kept, nil)
	require.NoError(t, err)
	assert.Equal(t, kept.UUID, res.UUID)
	assert.Contains(t, f.stored(), kept.UUID)

	fresh := sampleRecord("")
	res1, err := c.SendLog(ctxT(t), fresh, nil)
	require.NoError(t, err)
	res2, err := c.SendLog(ctxT(t), fresh, nil)
	require.NoError(t, err)
	assert.Empty(t, fresh.UUID, "the caller's record is not mutated")
	for _, id := range []string{res1.UUID, res2.UUID} {
		parsed, err := uuid.Parse(id)
		require.NoError(t, err)
		assert.Equal(t, uuid.Version(7), parsed.Version())
		assert.Contains(t, f.stored(), id)
	}
	assert.NotEqual(t, res1.UUID, res2.UUID)
}

func TestSendLogRejectsWithoutRequest(t *testing.T) {
	f := newFakeHive()
	srv := f.start(t)
	c := newTestLogClient(t, srv.URL)
	noProject := newTestLogClient(t, srv.URL, func(c *Config) { c.ProjectUUID, c.ProjectName = "", "" })
	noTask := sampleRecord("")
	noTask.TaskName = ""

	cases := map[string]struct {
		client   *LogClient
		rec      *otelrecord.ExecutionRecord
		sentinel error
	}{
		"nil record":   {c, nil, ErrInvalidArgument},
		"no task name": {c, noTask, ErrInvalidArgument},
		"no project":   {noProject, sampleRecord(""), ErrNoProject},
	}
	for name, tc := range cases {
		resp, err := tc.client.SendLog(ctxT(t), tc.rec, nil)
		assert.Nil(t, resp, name)
		assert.ErrorIs(t, err, tc.sentinel, name)
	}
	assert.Empty(t, f.seen())
}

// TestSendLogByProjectName: a client with a project name and no uuid sends
// the name alone, as the TypeScript SDK's name-only configuration does.
func TestSendLogByProjectName(t *testing.T) {
	f := newFakeHive()
	c := newTestLogClient(t, f.start(t).URL, func(c *Config) { c.ProjectUUID = "" })

	res, err := c.SendLog(ctxT(t), sampleRecord("u-1"), nil)
	require.NoError(t, err)
	assert.Equal(t, "u-1", res.UUID)
	_, err = c.SendLogs(ctxT(t), []*otelrecord.ExecutionRecord{sampleRecord("u-2")}, nil)
	require.NoError(t, err)

	bodies := f.ingestBodies()
	require.Len(t, bodies, 2, "one single ingest, one batch item")
	for _, b := range bodies {
		assert.Empty(t, b.ProjectUUID)
		assert.Equal(t, "shop", b.ProjectName)
	}
	assert.Contains(t, f.stored(), "u-1")
	assert.Contains(t, f.stored(), "u-2")
}

func TestNewLogClientFallbacks(t *testing.T) {
	t.Setenv(EnvAPIKey, "env-key-123456")
	t.Setenv(EnvAPISecret, "env-secret-123456")
	t.Setenv(EnvHost, "http://127.0.0.1:9/")

	c, err := NewLogClient(Config{})
	require.NoError(t, err)
	assert.False(t, c.IsSilent())
	conf := c.Conf()
	assert.Equal(t, "http://127.0.0.1:9", conf.Host, "trailing slash dropped")
	assert.Equal(t, "env-…", conf.APIKey)

	c, err = NewLogClient(Config{APIKey: "cfg-key-1234567", APISecret: "cfg-secret-123", Host: "https://hive.example"})
	require.NoError(t, err)
	assert.Equal(t, "https://hive.example", c.Conf().Host, "config wins over the environment")
	assert.Equal(t, "cfg-…", c.Conf().APIKey)

	t.Setenv(EnvHost, "")
	c, err = NewLogClient(Config{})
	require.NoError(t, err)
	assert.Equal(t, DefaultHost, c.Conf().Host)
}

func TestNewLogClientErrors(t *testing.T) {
	clearEnv(t)
	bad := writeForge(t, `{"project": {"name": 3}}`)
	_, err := NewLogClient(Config{ForgePath: bad})
	require.ErrorIs(t, err, ErrInvalidForge)
	assert.Contains(t, err.Error(), bad, "the error names the file")
	assert.Contains(t, err.Error(), "project.name", "and the problem")

	missing := filepath.Join(t.TempDir(), "nope.json")
	_, err = NewLogClient(Config{ForgePath: missing})
	require.ErrorIs(t, err, ErrInvalidForge)
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), missing)

	for _, host := range []string{"ftp://x", "127.0.0.1:8080", "http://", "http://h/?q=1", "://bad"} {
		_, err = NewLogClient(Config{Host: host})
		assert.ErrorIs(t, err, ErrInvalidConfig, host)
	}
}

func TestNewLogClientFromForge(t *testing.T) {
	clearEnv(t)
	path := writeForge(t, testForge)

	c, err := NewLogClientFromForge(path, Config{APIKey: testKey, APISecret: testSecret, Host: "http://127.0.0.1:9"})
	require.NoError(t, err)
	assert.Equal(t, "shop", c.Conf().ProjectName)
	assert.Equal(t, testProject, c.Conf().ProjectUUID)
	assert.Equal(t, path, c.Conf().ForgePath)
	assert.Equal(t, "0193a000-0000-7000-8000-0000000000aa", c.Forge().TaskUUID("getUserReport"))

	c, err = NewLogClientFromForge(path, Config{ProjectName: "other", ProjectUUID: "p-2"})
	require.NoError(t, err)
	assert.Equal(t, "other", c.Conf().ProjectName, "overrides win")
	assert.Equal(t, "p-2", c.Conf().ProjectUUID)

	_, err = NewLogClientFromForge(writeForge(t, `{"project":{"name":"x"}}`), Config{})
	require.ErrorIs(t, err, ErrInvalidForge)
	assert.Contains(t, err.Error(), "project.uuid")
}

func TestSendLogDoesNotShareMetadataWithCaller(t *testing.T) {
	base := map[string]string{"env": "base"}
	f := newFakeHive()
	c := newTestLogClient(t, f.start(t).URL, func(c *Config) { c.Metadata = base })
	base["env"] = "changed later"

	_, err := c.SendLog(ctxT(t), sampleRecord("u-1"), nil)
	require.NoError(t, err)
	assert.Equal(t, "base", f.stored()["u-1"].Metadata["env"], "the config's map is copied")
	_, err = c.SendLog(ctxT(t), nil, nil)
	assert.True(t, errors.Is(err, ErrInvalidArgument))
}
