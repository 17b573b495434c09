package httpjson_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/hivetrace/hivetrace/internal/httpjson"
)

func ExampleWrite() {
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		httpjson.Write(w, http.StatusNotFound, map[string]any{"error": "no such task", "status": http.StatusNotFound})
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/tasks/nope", nil))
	fmt.Print(w.Code, " ", w.Body.String())
	// Output: 404 {"error":"no such task","status":404}
}
