package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// closedWithin reads conn until the server closes it, at most d, and returns
// what was read and whether the connection ended in time.
func closedWithin(t *testing.T, conn net.Conn, d time.Duration) (string, bool) {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(d)))
	data, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return string(data), false
	}
	return string(data), true
}

// TestSlowBodiesAreCut sends many bodies that never finish: each connection
// is closed once the read timeout passes, answered 408 when the server can
// still write, so slow clients cannot hold connections or handlers.
func TestSlowBodiesAreCut(t *testing.T) {
	const readTimeout = 300 * time.Millisecond
	ts := start(t, server.WithReadTimeout(readTimeout))
	addr := strings.TrimPrefix(ts.url, "http://")

	const clients = 50
	conns := make([]net.Conn, clients)
	for i := range conns {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { _ = conn.Close() })
		_, err = fmt.Fprintf(conn, "POST /api/log-ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s:%s\r\n"+
			"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"logItem\":", apiKey, apiSecret)
		require.NoError(t, err)
		conns[i] = conn
	}
	began := time.Now()
	var wg sync.WaitGroup
	answers := make([]string, clients)
	closed := make([]bool, clients)
	for i, conn := range conns {
		wg.Go(func() { answers[i], closed[i] = closedWithin(t, conn, 5*time.Second) })
	}
	wg.Wait()
	elapsed := time.Since(began)

	for i := range conns {
		require.True(t, closed[i], "connection %d still open after 5 s", i)
		if answers[i] != "" {
			assert.True(t, strings.HasPrefix(answers[i], "HTTP/1.1 408 "), "answer %d: %q", i, answers[i])
			assert.Contains(t, answers[i], "read timeout")
		}
	}
	assert.Less(t, elapsed, 3*time.Second, "every slow body was cut near the read timeout")

	// The server still serves, and nothing was stored.
	r := ts.do(http.MethodGet, "/api/me", nil)
	require.Equal(t, http.StatusOK, r.status)
}

// TestSlowReadersAreCut asks for a large record and never reads the answer:
// the server stops writing once the write timeout passes and closes the
// connection, so the handler does not wait for the reader forever.
func TestSlowReadersAreCut(t *testing.T) {
	ts := start(t)
	big := strings.Repeat("x", 9<<20)
	rec := fmt.Sprintf(`{"uuid":"big-1","taskName":"slow","input":{"blob":%q},"output":null,"type":"success"}`, big)
	ts.ingest("", "", rec)

	// Long enough to read the record from the store under the race detector.
	const writeTimeout = 2 * time.Second
	ts.opts = append(ts.opts, server.WithWriteTimeout(writeTimeout))
	ts.restart()
	addr := strings.TrimPrefix(ts.url, "http://")

	dialer := net.Dialer{}
	conn, err := dialer.DialContext(context.Background(), "tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.(*net.TCPConn).SetReadBuffer(256<<10))
	_, err = fmt.Fprintf(conn, "GET /api/tasks/slow/logs/big-1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s:%s\r\n\r\n", apiKey, apiSecret)
	require.NoError(t, err)

	time.Sleep(writeTimeout + 500*time.Millisecond) // a client that does not read
	data, ended := closedWithin(t, conn, 5*time.Second)
	require.True(t, ended, "the server closed the connection (read %d bytes)", len(data))
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(data)), nil)
	require.NoError(t, err, "the answer began")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, _ := io.ReadAll(resp.Body)
	assert.Less(t, len(body), len(rec), "the answer was cut off")

	// A client that reads gets the whole record.
	r := ts.do(http.MethodGet, "/api/tasks/slow/logs/big-1", nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, rec, string(r.logItem(t)), "the whole record, in its envelope")
}

// TestInvokeOutlastsTheWriteTimeout invokes a target slower than the write
// timeout but within the invoke client's timeout: its answer still reaches
// the client.
func TestInvokeOutlastsTheWriteTimeout(t *testing.T) {
	const writeTimeout = 300 * time.Millisecond
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(3 * writeTimeout)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"sum":5}`)
	}))
	defer slow.Close()
	ts, invoke := invokeServer(t, server.WithWriteTimeout(writeTimeout))
	ts.register(t, map[string]string{"sum": slow.URL})

	r := invoke("t-sum")
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.JSONEq(t, `{"responsePayload":{"sum":5}}`, string(r.body))
}
