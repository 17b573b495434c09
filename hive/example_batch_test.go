package hive_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/otelrecord"
)

func ExampleLogClient_SendLogs() {
	// A server with the batch route, answering one result per record: the
	// second record is refused.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var items []struct{ LogItem json.RawMessage } // the record, as a JSON object
		_ = json.NewDecoder(r.Body).Decode(&items)
		results := make([]any, len(items))
		for i, item := range items {
			var rec otelrecord.ExecutionRecord
			_ = json.Unmarshal(item.LogItem, &rec)
			if rec.Type == "" {
				results[i] = map[string]any{"error": "logItem.type is required", "status": 400}
				continue
			}
			results[i] = map[string]any{"uuid": rec.UUID, "taskName": rec.TaskName, "projectName": "shop",
				"replayFrom": nil, "createdAt": "2026-01-02T03:04:05.000Z"}
		}
		_ = json.NewEncoder(w).Encode(results)
	}))
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
	recs := []*otelrecord.ExecutionRecord{
		{UUID: "0193a000-0000-7000-8000-00000000beef", TaskName: "getUserReport", Type: otelrecord.TypeSuccess},
		{UUID: "0193a000-0000-7000-8000-00000000f00d", TaskName: "getUserReport"},
	}
	results, err := client.SendLogs(context.Background(), recs, nil)
	if errors.Is(err, hive.ErrNoBatchRoute) {
		fmt.Println("no batch route: send each record with SendLog")
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range results {
		if r.Err != nil {
			fmt.Println(r.UUID, "refused:", errors.Is(r.Err, hive.ErrBadRequest), hive.Retryable(r.Err))
			continue
		}
		fmt.Println(r.UUID, "stored in", r.Response.ProjectName)
	}
	// Output:
	// 0193a000-0000-7000-8000-00000000beef stored in shop
	// 0193a000-0000-7000-8000-00000000f00d refused: true false
}
