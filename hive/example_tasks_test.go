package hive_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/hivetrace/hivetrace/hive"
)

func ExampleLogClient_ListTasks() {
	// A stand-in for GET /api/tasks of `hive serve`.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"tasks":[{"projectUuid":"0193a000-0000-7000-8000-000000000001","projectName":"shop",` +
			`"taskName":"getUserReport","taskUuid":"0193a000-0000-7000-8000-0000000000aa","runs":120,"errors":6,` +
			`"p50Ms":12.5,"p95Ms":80,"lastRunAt":"2026-03-14T15:09:26Z"}]}`))
	}))
	defer srv.Close()

	client, err := hive.NewLogClient(hive.Config{APIKey: "my-key", APISecret: "my-secret", Host: srv.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	since := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	tasks, err := client.ListTasks(context.Background(), hive.TaskListOptions{Since: since})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range tasks {
		fmt.Printf("%s: %d runs, %.0f%% errors, p50 %v, p95 %v\n", t.TaskName, t.Runs, 100*float64(t.Errors)/float64(t.Runs), t.P50, t.P95)
	}
	// Output:
	// getUserReport: 120 runs, 5% errors, p50 12.5ms, p95 80ms
}

func ExampleLogClient_ListLogs_filters() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("query:", r.URL.RawQuery)
		_, _ = w.Write([]byte(`{"logs":[],"next":""}`))
	}))
	defer srv.Close()

	client, err := hive.NewLogClient(hive.Config{APIKey: "my-key", APISecret: "my-secret", Host: srv.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	minScore := 0.8
	_, err = client.ListLogs(context.Background(), "getUserReport", hive.ListOptions{
		Type:       "error",
		Since:      time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC),
		MinQuality: &minScore,
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// query: minQuality=0.8&since=2026-03-14T00%3A00%3A00Z&type=error
}
