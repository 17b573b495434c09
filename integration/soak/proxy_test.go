package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ingestBody is a POST /api/log-ingest body carrying a record with uuid id.
func ingestBody(t *testing.T, id string) map[string]any {
	t.Helper()
	rec, err := json.Marshal(map[string]any{"uuid": id, "taskName": "soakOrder"})
	require.NoError(t, err)
	return map[string]any{"projectUuid": projectUUID, "taskUuid": "", "logItem": string(rec)}
}

// fakeHive answers the ingest endpoints: every single ingest succeeds, and
// a batch's items succeed except those whose record uuid starts with "bad".
func fakeHive() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		body := decoded(raw, r.Header.Get("Content-Encoding"))
		switch r.URL.Path {
		case ingestPath:
			var item ingestItem
			if json.Unmarshal(body, &item) != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"uuid": recordUUID(item.LogItem), "taskName": "soakOrder"})
		case ingestBatchPath:
			var items []ingestItem
			if json.Unmarshal(body, &items) != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			var results []map[string]any
			for _, it := range items {
				id := recordUUID(it.LogItem)
				if len(id) >= 3 && id[:3] == "bad" {
					results = append(results, map[string]any{"error": "invalid record", "status": 400})
				} else {
					results = append(results, map[string]any{"uuid": id})
				}
			}
			_ = json.NewEncoder(w).Encode(results)
		default:
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":"boom","status":500}`))
		}
	}))
}

func post(t *testing.T, c *http.Client, url string, body any, gz bool) (*http.Response, []byte, error) {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(data))
	require.NoError(t, err)
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(data)
		require.NoError(t, zw.Close())
		req, err = http.NewRequest(http.MethodPost, url, &b)
		require.NoError(t, err)
		req.Header.Set("Content-Encoding", "gzip")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	return resp, got, err
}

func TestProxyCountsIngestAnswers(t *testing.T) {
	up := fakeHive()
	defer up.Close()
	p := newCountingProxy(up.URL)
	url, stop, err := serveProxy(p)
	require.NoError(t, err)
	defer stop()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}

	resp, body, err := post(t, c, url+ingestPath, ingestBody(t, "r1"), false)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"uuid":"r1"`, "the answer passes through")
	_, _, err = post(t, c, url+ingestPath, ingestBody(t, "r1"), true) // a retry, gzipped
	require.NoError(t, err)
	_, _, err = post(t, c, url+ingestBatchPath, []any{ingestBody(t, "r2"), ingestBody(t, "bad3"), ingestBody(t, "r1")}, false)
	require.NoError(t, err)
	resp, _, err = post(t, c, url+"/api/elsewhere", ingestBody(t, "r4"), false)
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode, "error statuses pass through")

	got := p.counts()
	assert.Equal(t, proxyCounts{records: 2, duplicates: 2, answered: 4}, got,
		"r1 acknowledged three times, r2 once; bad3 refused; r4 not an ingest")
}

func TestProxyClosesWithoutAnswerWhenUpstreamIsDown(t *testing.T) {
	up := fakeHive()
	upURL := up.URL
	up.Close() // a dead server: connections are refused
	p := newCountingProxy(upURL)
	url, stop, err := serveProxy(p)
	require.NoError(t, err)
	defer stop()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()

	resp, _, err := post(t, &http.Client{Transport: tr}, url+ingestPath, ingestBody(t, "r1"), false)
	require.Error(t, err, "no answer at all, not a 502")
	assert.Nil(t, resp)
	assert.Equal(t, proxyCounts{aborted: 1}, p.counts())
}

func TestAcked(t *testing.T) {
	single, _ := json.Marshal(map[string]any{"logItem": `{"uuid":"a"}`})
	assert.Equal(t, []string{"a"}, acked(ingestPath, single, nil))
	object, _ := json.Marshal(map[string]any{"logItem": map[string]any{"uuid": "b"}})
	assert.Equal(t, []string{"b"}, acked(ingestPath, object, nil), "the record object is accepted too")
	batch, _ := json.Marshal([]any{map[string]any{"logItem": `{"uuid":"c"}`}, map[string]any{"logItem": `{"uuid":"d"}`}})
	assert.Equal(t, []string{"c"}, acked(ingestBatchPath, batch, []byte(`[{},{"error":"bad","status":400}]`)),
		"an item result without uuid takes the request's")
	assert.Nil(t, acked(ingestPath, []byte("not json"), nil))
	assert.Nil(t, acked("/api/me", single, nil))
}
