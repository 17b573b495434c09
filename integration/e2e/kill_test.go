package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
)

// TestHiveServeKilledLosesNoAcknowledgedRecord kills hive serve with SIGKILL
// while clients ingest records one by one and in batches: every record it
// answered stored is in the database when the process is gone, and the
// server restarted on the same database serves it.
func TestHiveServeKilledLosesNoAcknowledgedRecord(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hive.db")
	srv := startHiveServe(t, "127.0.0.1:0", db)

	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	post := func(path string, body []byte) (*http.Response, []byte, error) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+hiveKey+":"+hiveSecret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		return resp, data, err
	}
	record := func(id string) string {
		rec := fmt.Sprintf(`{"uuid":%q,"taskName":"killed","type":"success","input":{"n":1},"output":{"ok":true}}`, id)
		b, _ := json.Marshal(map[string]string{"projectUuid": hiveProject, "logItem": rec})
		return string(b)
	}

	var acked sync.Map
	var ackCount atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if w%2 == 0 { // one record per request
					id := uuid.Must(uuid.NewV7()).String()
					resp, _, err := post("/api/log-ingest", []byte(record(id)))
					if err == nil && resp.StatusCode == http.StatusOK {
						acked.Store(id, true)
						ackCount.Add(1)
					}
					continue
				}
				ids := make([]string, 20)
				items := make([]string, len(ids))
				for i := range ids {
					ids[i] = uuid.Must(uuid.NewV7()).String()
					items[i] = record(ids[i])
				}
				body := "[" + items[0]
				for _, it := range items[1:] {
					body += "," + it
				}
				resp, data, err := post("/api/log-ingest/batch", []byte(body+"]"))
				if err != nil || resp.StatusCode != http.StatusOK {
					continue
				}
				var results []struct {
					UUID  string `json:"uuid"`
					Error string `json:"error"`
				}
				if json.Unmarshal(data, &results) != nil {
					continue
				}
				for _, r := range results {
					if r.Error == "" && r.UUID != "" {
						acked.Store(r.UUID, true)
						ackCount.Add(1)
					}
				}
			}
		})
	}

	// Kill once a good number of records are acknowledged.
	deadline := time.Now().Add(30 * time.Second)
	for ackCount.Load() < 300 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	srv.kill(t)
	close(stop)
	wg.Wait()
	require.GreaterOrEqual(t, ackCount.Load(), int64(300), "clients were acknowledged before the kill")

	store, err := sqlitestore.Open(context.Background(), db)
	require.NoError(t, err)
	var stored []server.StoredLog
	stored, err = store.ListLogs(context.Background(), server.LogQuery{ProjectUUID: hiveProject, TaskName: "killed"})
	require.NoError(t, err)
	require.NoError(t, store.Close())
	have := make(map[string]bool, len(stored))
	for _, e := range stored {
		have[e.UUID] = true
	}
	lost := 0
	acked.Range(func(k, _ any) bool {
		if !have[k.(string)] {
			lost++
		}
		return true
	})
	assert.Zero(t, lost, "acknowledged records missing after SIGKILL (of %d acknowledged)", ackCount.Load())
	t.Logf("%d records acknowledged before SIGKILL, %d stored, 0 lost", ackCount.Load(), len(stored))

	// The restarted server serves them.
	srv = startHiveServe(t, "127.0.0.1:0", db)
	var one string
	acked.Range(func(k, _ any) bool { one = k.(string); return false })
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/tasks/killed/logs/"+one, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+hiveKey+":"+hiveSecret)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
