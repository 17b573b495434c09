package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/internal/testutil"
)

// pages lists a task page by page and returns the uuids of each page.
func (ts *testServer) pages(t *testing.T, path string) [][]string {
	t.Helper()
	var out [][]string
	next := ""
	for range 100 {
		p := path
		if next != "" {
			p += "&before=" + url.QueryEscape(next)
		}
		page := ts.list(t, p)
		var ids []string
		for _, l := range page.Logs {
			ids = append(ids, l.UUID)
		}
		out = append(out, ids)
		if page.Next == "" {
			return out
		}
		next = page.Next
	}
	t.Fatal("the listing does not end")
	return nil
}

func TestListPagesEndAtTheByteCap(t *testing.T) {
	record := func(id string, pad int) string { return recordJSON("capped", id, strings.Repeat("x", pad)) }
	size := len(record("r0", 100))
	ts := start(t, server.WithMaxListBytes(int64(2*size+size/2)))
	for i := range 5 {
		ts.ingest(projectA, "", record(fmt.Sprintf("r%d", i), 100))
	}
	assert.Equal(t, [][]string{{"r4", "r3"}, {"r2", "r1"}, {"r0"}}, ts.pages(t, "/api/tasks/capped/logs?limit=100"),
		"a page holds the records that fit the cap; next points after its last one")
	assert.Equal(t, [][]string{{"r4"}, {"r3"}, {"r2"}, {"r1"}, {"r0"}}, ts.pages(t, "/api/tasks/capped/logs?limit=1"),
		"the count limit still applies")

	ts.ingest(projectA, "", record("huge", 10*size))
	ts.ingest(projectA, "", record("after", 100))
	assert.Equal(t, [][]string{{"after"}, {"huge"}, {"r4", "r3"}, {"r2", "r1"}, {"r0"}}, ts.pages(t, "/api/tasks/capped/logs?limit=100"),
		"a record over the cap is a page of its own")
}

// streamFailingStore lists the first record of a listing, then fails, as a
// disk failing in the middle of a listing would.
type streamFailingStore struct {
	server.Store
	after int
}

func (s streamFailingStore) EachLog(ctx context.Context, q server.LogQuery, fn func(server.StoredLog) error) error {
	n := 0
	err := s.Store.EachLog(ctx, q, func(e server.StoredLog) error {
		if n == s.after {
			return errDisk
		}
		n++
		return fn(e)
	})
	if err == nil && n == s.after {
		return errDisk
	}
	return err
}

func TestListStoreFailure(t *testing.T) {
	logs := &testutil.LockedBuffer{}
	mem := server.NewMemoryStore()
	seed := server.New(mem, server.WithInsecureNoAuth(), server.WithLogger(slog.New(slog.DiscardHandler)))
	for i := range 3 {
		w := httptest.NewRecorder()
		seed.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/log-ingest",
			strings.NewReader(`{"logItem":`+strconvQuote(recordJSON("t", fmt.Sprintf("r%d", i), "x"))+`}`)))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}

	t.Run("before the first record", func(t *testing.T) {
		srv := server.New(streamFailingStore{Store: mem}, server.WithInsecureNoAuth(), server.WithLogger(slog.New(slog.DiscardHandler)))
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/tasks/t/logs", nil))
		assert.Equal(t, http.StatusInternalServerError, w.Code, "nothing sent yet: the status tells")
		assert.JSONEq(t, `{"error":"internal store error","status":500}`, w.Body.String())
	})

	t.Run("after the first record", func(t *testing.T) {
		srv := server.New(streamFailingStore{Store: mem, after: 1}, server.WithInsecureNoAuth(),
			server.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
		hs := httptest.NewServer(srv)
		defer hs.Close()
		resp, err := hs.Client().Get(hs.URL + "/api/tasks/t/logs")
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		require.Error(t, err, "the answer is cut off, not ended as if complete")
		assert.Contains(t, logs.String(), "disk on fire")
	})
}

// TestListIsStreamedFromTheStore: the handler passes the store's records on
// as the store yields them, and stops asking once the page is full.
func TestListIsStreamedFromTheStore(t *testing.T) {
	mem := server.NewMemoryStore()
	counting := &countingStore{Store: mem}
	srv := server.New(counting, server.WithInsecureNoAuth(), server.WithLogger(slog.New(slog.DiscardHandler)))
	for i := range 10 {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/log-ingest",
			strings.NewReader(`{"logItem":`+strconvQuote(recordJSON("t", fmt.Sprintf("r%d", i), "x"))+`}`)))
		require.Equal(t, http.StatusOK, w.Code)
	}
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/tasks/t/logs?limit=3", nil))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, 4, counting.yielded, "three records for the page and one that tells a next page exists")
	assert.Error(t, counting.err, "the handler stops the listing once its page is full")
}

// countingStore counts the records its listing yields.
type countingStore struct {
	server.Store
	yielded int
	err     error
}

func (s *countingStore) EachLog(ctx context.Context, q server.LogQuery, fn func(server.StoredLog) error) error {
	s.err = s.Store.EachLog(ctx, q, func(e server.StoredLog) error {
		s.yielded++
		return fn(e)
	})
	return s.err
}
