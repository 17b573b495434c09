package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// ingestBody is an ingest body of the record, padded with spaces to size
// bytes.
func ingestBody(t *testing.T, record string, size int) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{"projectUuid": projectA, "logItem": record})
	require.NoError(t, err)
	require.LessOrEqual(t, len(body), size)
	return append(body, bytes.Repeat([]byte(" "), size-len(body))...)
}

// slowRequest is a request whose body is sent in two parts, the second when
// finish is called, so that the server holds it in flight meanwhile.
type slowRequest struct {
	pw   *io.PipeWriter
	rest []byte
	done chan response
}

// startSlow sends the first half of body; with known it declares the body's
// length, else the body is sent chunked.
func (ts *testServer) startSlow(t *testing.T, body []byte, known bool) *slowRequest {
	t.Helper()
	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, ts.url+"/api/log-ingest", pr)
	require.NoError(t, err)
	if known {
		req.ContentLength = int64(len(body))
	}
	req.Header.Set("Authorization", "Bearer "+apiKey+":"+apiSecret)
	s := &slowRequest{pw: pw, rest: body[len(body)/2:], done: make(chan response, 1)}
	go func() {
		resp, err := ts.client.Do(req)
		if err != nil {
			s.done <- response{status: -1, body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		s.done <- response{status: resp.StatusCode, header: resp.Header, body: data}
	}()
	_, err = pw.Write(body[:len(body)/2])
	require.NoError(t, err)
	return s
}

// finish sends the rest of the body and returns the answer.
func (s *slowRequest) finish(t *testing.T) response {
	t.Helper()
	_, err := s.pw.Write(s.rest)
	require.NoError(t, err)
	require.NoError(t, s.pw.Close())
	return <-s.done
}

// waitBudgetFull waits until a body the budget would otherwise cover is
// refused for the bodies in flight, and returns that answer. The probe is
// a body the server refuses unstored (400) whenever it is admitted.
func (ts *testServer) waitBudgetFull(t *testing.T, size int) response {
	t.Helper()
	probe := `{"logItem":null}` + strings.Repeat(" ", size-len(`{"logItem":null}`))
	var r response
	require.Eventually(t, func() bool {
		r = ts.do(http.MethodPost, "/api/log-ingest", probe)
		return r.status == http.StatusServiceUnavailable
	}, 5*time.Second, 5*time.Millisecond, "a body past the budget is refused")
	return r
}

func TestBodyBudget(t *testing.T) {
	for _, known := range []bool{true, false} {
		name := map[bool]string{true: "declared length", false: "chunked"}[known]
		t.Run(name, func(t *testing.T) {
			// A chunked body reserves the body limit (2000) however short it is.
			ts := start(t, server.WithBodyBudget(1000), server.WithMaxBodyBytes(2000))
			slow := ts.startSlow(t, ingestBody(t, recordJSON("t", "slow", "x"), 800), known)

			refused := ts.waitBudgetFull(t, 300)
			msg := refused.requireError(t, http.StatusServiceUnavailable)
			assert.Contains(t, msg, "body budget of 1000 bytes", "the answer names the budget")
			assert.Equal(t, "1", refused.header.Get("Retry-After"))
			assert.Equal(t, http.StatusOK, ts.do(http.MethodGet, "/api/tasks/t/logs", nil).status, "a request without body is served")

			got := slow.finish(t)
			require.Equal(t, http.StatusOK, got.status, "the body in flight is served: %s", got.body)
			assert.Equal(t, http.StatusOK, ts.do(http.MethodPost, "/api/log-ingest", ingestBody(t, recordJSON("t", "next", "x"), 600)).status,
				"the reservation is returned with the answer")
		})
	}
}

func TestBodyBudgetServesALargerBodyAlone(t *testing.T) {
	ts := start(t, server.WithBodyBudget(100))
	for i := range 3 {
		r := ts.do(http.MethodPost, "/api/log-ingest", ingestBody(t, recordJSON("t", recUUID, "x"), 5000))
		assert.Equal(t, http.StatusOK, r.status, "request %d, body: %s", i, r.body)
	}
	r := ts.do(http.MethodPost, "/api/log-ingest", io.MultiReader(bytes.NewReader(ingestBody(t, recordJSON("t", recUUID, "x"), 5000))))
	assert.Equal(t, http.StatusOK, r.status, "a chunked body too: %s", r.body)
}

func TestBodyBudgetLeavesOversizedBodiesTo413(t *testing.T) {
	ts := start(t, server.WithBodyBudget(100), server.WithMaxBodyBytes(4096))
	slow := ts.startSlow(t, ingestBody(t, recordJSON("t", "slow", "x"), 2000), true)
	ts.waitBudgetFull(t, 500)
	r := ts.do(http.MethodPost, "/api/log-ingest", ingestBody(t, recordJSON("t", "big", strings.Repeat("x", 5000)), 6000))
	r.requireError(t, http.StatusRequestEntityTooLarge)
	require.Equal(t, http.StatusOK, slow.finish(t).status)
}
