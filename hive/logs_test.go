package hive

import (
	"encoding/json"
	"math"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// statusCases are the failure answers every method is checked against.
var statusCases = []struct {
	status   int
	sentinel error
}{
	{http.StatusUnauthorized, ErrUnauthorized},
	{http.StatusNotFound, ErrNotFound},
	{http.StatusInternalServerError, ErrServer},
}

// failWith makes the fake answer every request with status.
func failWith(f *fakeHive, status int) {
	f.setOverride(func(w http.ResponseWriter, _ *http.Request, _ []byte) bool {
		writeError(w, status, "nope")
		return true
	})
}

// answer makes the fake answer every request with status and body.
func answer(f *fakeHive, status int, body string) {
	f.setOverride(func(w http.ResponseWriter, _ *http.Request, _ []byte) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
		return true
	})
}

func TestGetLogShapes(t *testing.T) {
	rec := sampleRecord("u-1")
	recJSON, err := json.Marshal(rec)
	require.NoError(t, err)
	itemString, err := json.Marshal(string(recJSON))
	require.NoError(t, err)
	noIDs := sampleRecord("")
	noIDs.TaskName = ""
	noIDsJSON, err := json.Marshal(noIDs)
	require.NoError(t, err)

	for name, body := range map[string]string{
		"the record itself":              string(recJSON),
		"logItem as a string":            `{"uuid":"u-1","taskName":"getUserReport","logItem":` + string(itemString) + `}`,
		"logItem as an object":           `{"uuid":"u-1","taskName":"getUserReport","logItem":` + string(recJSON) + `}`,
		"ids only on the wrapper object": `{"uuid":"u-1","taskName":"getUserReport","logItem":` + string(noIDsJSON) + `}`,
		// What hive serve answers: the TypeScript SDK's LogApiResponse.
		"the SDK envelope": `{"uuid":"u-1","taskName":"getUserReport","projectName":"shop","logItem":` + string(recJSON) +
			`,"replayFrom":"u-0","createdAt":"2026-01-02T03:04:05.000Z"}`,
		"the SDK envelope, white space":  "{ \"uuid\" : \"u-1\",\n \"logItem\" :\t" + string(itemString) + " ,\"createdAt\":\"c\" }",
		"the record with a null logItem": string(recJSON[:len(recJSON)-1]) + `,"logItem":null}`,
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeHive()
			answer(f, 200, body)
			c := newTestLogClient(t, f.start(t).URL)

			got, err := c.GetLog(ctxT(t), "getUserReport", "u-1")
			require.NoError(t, err)
			gotJSON, err := json.Marshal(got)
			require.NoError(t, err)
			assert.JSONEq(t, string(recJSON), string(gotJSON))
		})
	}
}

func TestGetLogRequest(t *testing.T) {
	f := newFakeHive()
	answer(f, 200, `{"uuid":"u/1","taskName":"my task","type":"success"}`)
	c := newTestLogClient(t, f.start(t).URL)

	got, err := c.GetLog(ctxT(t), "my task", "u/1")
	require.NoError(t, err)
	assert.Equal(t, "u/1", got.UUID)

	req := f.seen()[0]
	assert.Equal(t, "GET", req.Method)
	assert.Equal(t, "/api/tasks/my%20task/logs/u%2F1", req.RawPath, "segments are escaped")
	assert.Equal(t, "/api/tasks/my task/logs/u/1", req.Path)
	assert.Equal(t, "projectUuid="+testProject, req.Query)
	assert.Equal(t, "Bearer "+testKey+":"+testSecret, req.Auth)
}

func TestGetLogWithoutProjectIsUnscoped(t *testing.T) {
	f := newFakeHive()
	answer(f, 200, `{"uuid":"u-1","taskName":"t"}`)
	c := newTestLogClient(t, f.start(t).URL, func(c *Config) { c.ProjectUUID = "" })

	_, err := c.GetLog(ctxT(t), "t", "u-1")
	require.NoError(t, err)
	assert.Empty(t, f.seen()[0].Query)
}

func TestGetLogFailures(t *testing.T) {
	for _, tc := range statusCases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			f := newFakeHive()
			failWith(f, tc.status)
			c := newTestLogClient(t, f.start(t).URL)
			_, err := c.GetLog(ctxT(t), "t", "u")
			require.ErrorIs(t, err, tc.sentinel)
		})
	}
	t.Run("network", func(t *testing.T) {
		c := newTestLogClient(t, closedURL(t))
		_, err := c.GetLog(ctxT(t), "t", "u")
		require.ErrorIs(t, err, ErrNetwork)
	})
	t.Run("invalid body", func(t *testing.T) {
		for _, body := range []string{`[1,2]`, `{"logItem":"not json"}`, `{"logItem":"[1]"}`, `{"logItem":7}`, `{"logItem":[{}]}`, `{"logItem":true}`, `{"input":`} {
			f := newFakeHive()
			answer(f, 200, body)
			c := newTestLogClient(t, f.start(t).URL)
			_, err := c.GetLog(ctxT(t), "t", "u")
			require.ErrorIs(t, err, ErrInvalidResponse, body)
		}
	})
	t.Run("empty arguments", func(t *testing.T) {
		f := newFakeHive()
		c := newTestLogClient(t, f.start(t).URL)
		_, err := c.GetLog(ctxT(t), "", "u")
		require.ErrorIs(t, err, ErrInvalidArgument)
		_, err = c.GetLog(ctxT(t), "t", "")
		require.ErrorIs(t, err, ErrInvalidArgument)
		assert.Empty(t, f.seen())
	})
}

func TestListLogs(t *testing.T) {
	rec := sampleRecord("u-2")
	recJSON, err := json.Marshal(rec)
	require.NoError(t, err)
	itemString, err := json.Marshal(string(recJSON))
	require.NoError(t, err)
	f := newFakeHive()
	answer(f, 200, `{"logs":[
		{"uuid":"u-2","taskName":"getUserReport","projectName":"shop","createdAt":"2026-01-02T03:04:06Z","logItem":`+string(recJSON)+`},
		{"uuid":"u-1","taskName":"getUserReport","projectName":"shop","createdAt":"2026-01-02T03:04:05Z","logItem":`+string(itemString)+`}
	],"next":"cursor-1"}`)
	c := newTestLogClient(t, f.start(t).URL)

	page, err := c.ListLogs(ctxT(t), "getUserReport", ListOptions{Limit: 2, Before: "cursor-0"})
	require.NoError(t, err)

	assert.Equal(t, "cursor-1", page.Next)
	require.Len(t, page.Logs, 2)
	assert.Equal(t, "u-2", page.Logs[0].UUID)
	assert.Equal(t, "shop", page.Logs[0].ProjectName)
	assert.Equal(t, "2026-01-02T03:04:06Z", page.Logs[0].CreatedAt)
	require.NotNil(t, page.Logs[0].Record)
	assert.Equal(t, "u-2", page.Logs[0].Record.UUID)
	require.NotNil(t, page.Logs[1].Record)
	assert.Equal(t, "u-2", page.Logs[1].Record.UUID, "decoded from the string form")

	req := f.seen()[0]
	assert.Equal(t, "GET", req.Method)
	assert.Equal(t, "/api/tasks/getUserReport/logs", req.Path)
	assert.Equal(t, "before=cursor-0&limit=2&projectUuid="+testProject, req.Query)
}

func TestListLogsEmptyAndDefaults(t *testing.T) {
	f := newFakeHive()
	answer(f, 200, `{"logs":[],"next":""}`)
	c := newTestLogClient(t, f.start(t).URL)

	page, err := c.ListLogs(ctxT(t), "t", ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, page.Logs)
	assert.NotNil(t, page.Logs)
	assert.Empty(t, page.Next)
	assert.Equal(t, "projectUuid="+testProject, f.seen()[0].Query, "no limit or before when unset")

	_, err = c.ListLogs(ctxT(t), "t", ListOptions{Limit: -1})
	require.ErrorIs(t, err, ErrInvalidArgument)
	_, err = c.ListLogs(ctxT(t), "", ListOptions{})
	require.ErrorIs(t, err, ErrInvalidArgument)
	assert.Len(t, f.seen(), 1)
}

func TestListLogsFailures(t *testing.T) {
	for _, tc := range statusCases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			f := newFakeHive()
			failWith(f, tc.status)
			c := newTestLogClient(t, f.start(t).URL)
			_, err := c.ListLogs(ctxT(t), "t", ListOptions{})
			require.ErrorIs(t, err, tc.sentinel)
		})
	}
	t.Run("network", func(t *testing.T) {
		_, err := newTestLogClient(t, closedURL(t)).ListLogs(ctxT(t), "t", ListOptions{})
		require.ErrorIs(t, err, ErrNetwork)
	})
	t.Run("entry without logItem", func(t *testing.T) {
		f := newFakeHive()
		answer(f, 200, `{"logs":[{"uuid":"u"}]}`)
		_, err := newTestLogClient(t, f.start(t).URL).ListLogs(ctxT(t), "t", ListOptions{})
		require.ErrorIs(t, err, ErrInvalidResponse)
	})
}

func TestSetQuality(t *testing.T) {
	f := newFakeHive()
	answer(f, 200, `{"success":true}`)
	c := newTestLogClient(t, f.start(t).URL)

	err := c.SetQuality(ctxT(t), "getUserReport", "u-1", Quality{Score: 8.5, Reason: "fast", Suggestions: "cache"})
	require.NoError(t, err)

	req := f.seen()[0]
	assert.Equal(t, "POST", req.Method)
	assert.Equal(t, "/api/tasks/getUserReport/logs/u-1/set-quality", req.Path)
	assert.Equal(t, "projectUuid="+testProject, req.Query)
	assert.JSONEq(t, `{"quality":{"score":8.5,"reason":"fast","suggestions":"cache"}}`, string(req.Body))
}

func TestSetQualityFailures(t *testing.T) {
	for _, tc := range statusCases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			f := newFakeHive()
			failWith(f, tc.status)
			err := newTestLogClient(t, f.start(t).URL).SetQuality(ctxT(t), "t", "u", Quality{Score: 1})
			require.ErrorIs(t, err, tc.sentinel)
		})
	}
	t.Run("network", func(t *testing.T) {
		err := newTestLogClient(t, closedURL(t)).SetQuality(ctxT(t), "t", "u", Quality{Score: 1})
		require.ErrorIs(t, err, ErrNetwork)
	})
	t.Run("success false", func(t *testing.T) {
		f := newFakeHive()
		answer(f, 200, `{"success":false,"error":"locked"}`)
		err := newTestLogClient(t, f.start(t).URL).SetQuality(ctxT(t), "t", "u", Quality{Score: 1})
		require.ErrorIs(t, err, ErrInvalidResponse)
		assert.Contains(t, err.Error(), "locked")
	})
	t.Run("bad arguments", func(t *testing.T) {
		f := newFakeHive()
		c := newTestLogClient(t, f.start(t).URL)
		for _, s := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			require.ErrorIs(t, c.SetQuality(ctxT(t), "t", "u", Quality{Score: s}), ErrInvalidArgument)
		}
		require.ErrorIs(t, c.SetQuality(ctxT(t), "", "u", Quality{}), ErrInvalidArgument)
		assert.Empty(t, f.seen())
	})
}
