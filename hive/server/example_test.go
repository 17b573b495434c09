package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
)

func Example() {
	// In a program: store, err := sqlitestore.Open(ctx, "hive.db"), then
	// srv.ListenAndServe(ctx, "127.0.0.1:8080") until ctx is done.
	srv := server.New(server.NewMemoryStore(), server.WithCredentials("key", "secret"),
		server.WithClock(func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }))

	body := `{"projectUuid":"0193f0a0-0000-7000-8000-000000000001","logItem":"{\"uuid\":\"0193f0a0-0000-7000-8000-00000000000a\",\"taskName\":\"greet\",\"input\":\"Ada\",\"output\":\"Hello, Ada\",\"type\":\"success\"}"}`
	req := httptest.NewRequest(http.MethodPost, "/api/log-ingest", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer key:secret")
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	fmt.Println("ingest:", w.Code)

	req = httptest.NewRequest(http.MethodGet, "/api/tasks/greet/logs/0193f0a0-0000-7000-8000-00000000000a", nil)
	req.Header.Set("Authorization", "Bearer key:secret")
	w = httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	fmt.Print(w.Code, " ", w.Body.String())

	req = httptest.NewRequest(http.MethodGet, "/api/me", nil) // no credentials
	w = httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// ingest: 200
	// 200 {"uuid":"0193f0a0-0000-7000-8000-00000000000a","taskName":"greet","projectName":"local","logItem":{"uuid":"0193f0a0-0000-7000-8000-00000000000a","taskName":"greet","input":"Ada","output":"Hello, Ada","type":"success"},"createdAt":"2026-01-02T03:04:05.000Z"}
	// 401 {"error":"missing Authorization header: expected \"Bearer <apiKey>:<apiSecret>\"","status":401}
}
