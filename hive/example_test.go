package hive_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// fakeServer stands in for a Hive server (`hive serve` or the hosted
// service): it accepts every ingest and counts them.
func fakeServer(ingested *atomic.Int32) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ LogItem string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		var rec otelrecord.ExecutionRecord
		_ = json.Unmarshal([]byte(body.LogItem), &rec)
		if ingested != nil {
			ingested.Add(1)
		}
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{
			"uuid": rec.UUID, "taskName": rec.TaskName, "projectName": "shop",
			"logItem": body.LogItem, "createdAt": "2026-01-02T03:04:05Z",
		})
	}))
}

func ExampleLogClient_SendLog() {
	srv := fakeServer(nil)
	defer srv.Close()

	client, err := hive.NewLogClient(hive.Config{
		ProjectUUID: "0193a000-0000-7000-8000-000000000001",
		APIKey:      "my-key",
		APISecret:   "my-secret",
		Host:        srv.URL, // or HIVE_HOST
		Metadata:    map[string]string{"env": "dev"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := &otelrecord.ExecutionRecord{
		UUID:     "0193a000-0000-7000-8000-00000000beef",
		TaskName: "getUserReport",
		Input:    json.RawMessage(`{"userId":1}`),
		Output:   json.RawMessage(`{"total":20}`),
		Type:     otelrecord.TypeSuccess,
	}
	resp, err := client.SendLog(context.Background(), rec, map[string]string{"requestId": "req-1"})
	switch {
	case err == nil:
		fmt.Println("stored", resp.UUID, "in", resp.ProjectName)
	case errors.Is(err, hive.ErrSilent):
		fmt.Println("no credentials: nothing sent")
	case errors.Is(err, hive.ErrUnauthorized):
		fmt.Println("check HIVE_API_KEY and HIVE_API_SECRET:", err)
	default:
		fmt.Println(err)
	}
	// Output: stored 0193a000-0000-7000-8000-00000000beef in shop
}

func ExampleLogClient_Listener() {
	var ingested atomic.Int32
	srv := fakeServer(&ingested)
	defer srv.Close()

	client, err := hive.NewLogClient(hive.Config{
		ProjectUUID: "0193a000-0000-7000-8000-000000000001",
		APIKey:      "my-key",
		APISecret:   "my-secret",
		Host:        srv.URL,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// A program without a record processor: the listener (a task.Listener)
	// queues each record and never blocks the run.
	listen := client.Listener(hive.WithQueueSize(1024), hive.WithMaxElapsed(time.Minute))
	for range 3 {
		listen(context.Background(), &otelrecord.ExecutionRecord{TaskName: "getUserReport", Type: otelrecord.TypeSuccess})
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := client.Shutdown(ctx); err != nil { // flushes first
		fmt.Println(err)
	}
	st := client.ListenerStats()
	fmt.Println("delivered:", st.Delivered, "dropped:", st.Dropped, "server saw:", ingested.Load())
	// Output: delivered: 3 dropped: 0 server saw: 3
}

func ExampleParseForge() {
	forge, err := hive.ParseForge([]byte(`{
	  "project": {"name": "shop", "uuid": "0193a000-0000-7000-8000-000000000001"},
	  "tasks": {"getUserReport": {"path": "tasks/report.go", "handler": "GetUserReport", "uuid": "0193a000-0000-7000-8000-0000000000aa"}}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(forge.Project.Name, forge.TaskUUID("getUserReport"))

	_, err = hive.ParseForge([]byte(`{"tasks": {"getUserReport": {"uuid": 7}}}`))
	fmt.Println(errors.Is(err, hive.ErrInvalidForge))
	// Output:
	// shop 0193a000-0000-7000-8000-0000000000aa
	// true
}

func ExampleClient_Invoke() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.Method, r.URL.Path, string(body))
		_, _ = w.Write([]byte(`{"responsePayload":{"total":20}}`))
	}))
	defer srv.Close()

	client, err := hive.NewClient(hive.Config{
		ProjectUUID: "p-1", APIKey: "my-key", APISecret: "my-secret", Host: srv.URL,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := client.Invoke(context.Background(), "t-1", map[string]int{"userId": 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// POST /api/projects/p-1/tasks/t-1/invoke {"payload":{"userId":1}}
	// {"total":20}
}

func ExampleLogClient_Conf() {
	client, err := hive.NewLogClient(hive.Config{
		ProjectName: "shop", APIKey: "hk_live_0123456789", APISecret: "short", Host: "http://127.0.0.1:8080",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	conf := client.Conf()
	fmt.Println(conf.APIKey, conf.APISecret, conf.Host)
	// Output: hk_l… [redacted] http://127.0.0.1:8080
}
