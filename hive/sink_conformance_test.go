package hive_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/exportertest"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// The Hive sink plugs into the record processor.
var (
	_ exporter.Sink       = (*hive.Sink)(nil)
	_ exporter.Flusher    = (*hive.Sink)(nil)
	_ exporter.Shutdowner = (*hive.Sink)(nil)
)

func TestSinkConformance(t *testing.T) {
	exportertest.TestSink(t, func(t *testing.T) (exporter.Sink, func() []*otelrecord.ExecutionRecord) {
		// A server that keeps every record it accepts, duplicates included,
		// so the suite sees any record sent twice.
		var mu sync.Mutex
		var stored []*otelrecord.ExecutionRecord
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body struct{ LogItem string }
			var rec otelrecord.ExecutionRecord
			if json.NewDecoder(r.Body).Decode(&body) != nil || json.Unmarshal([]byte(body.LogItem), &rec) != nil {
				http.Error(w, `{"error":"bad body","status":400}`, http.StatusBadRequest)
				return
			}
			mu.Lock()
			stored = append(stored, &rec)
			mu.Unlock()
			w.WriteHeader(http.StatusCreated)
		}))
		t.Cleanup(srv.Close)
		t.Setenv(hive.EnvAPIKey, "")
		t.Setenv(hive.EnvAPISecret, "")
		client, err := hive.NewLogClient(hive.Config{
			ProjectUUID: "p-1", APIKey: "k", APISecret: "s", Host: srv.URL,
			HTTPClient: &http.Client{Timeout: 10 * time.Second},
			Logger:     slog.New(slog.DiscardHandler),
		})
		require.NoError(t, err)
		sink := hive.NewSink(client)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = sink.Shutdown(ctx)
		})
		return sink, func() []*otelrecord.ExecutionRecord {
			mu.Lock()
			defer mu.Unlock()
			return append([]*otelrecord.ExecutionRecord(nil), stored...)
		}
	})
}
