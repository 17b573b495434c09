package ui_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/ui"
)

// Mount the records UI on a Hive server: its pages are under /ui/, / leads
// there, and a visitor without credentials is sent to the login page.
func Example() {
	store := server.NewMemoryStore()
	defer store.Close()
	srv := server.New(store,
		server.WithCredentials("key", "secret"),
		server.WithUI(ui.Mount(ui.WithTraceURL("http://localhost:16686/trace/{traceId}"))))

	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ui/tasks/getUserReport/logs", nil))
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output: 303 /ui/login?next=%2Fui%2Ftasks%2FgetUserReport%2Flogs
}
