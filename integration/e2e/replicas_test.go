package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// replicaTask is the task of the records the replica tests ingest.
const replicaTask = "replicated"

// TestHiveServeReplicasOnPostgreSQL runs two hive serve processes on one
// PostgreSQL database: a record ingested on one is read, listed and scored
// on the other; ingesting it again on the other stores nothing new; the
// OTLP spans of one run, split between them, make one complete record; and
// once both are stopped, a new replica serves everything.
func TestHiveServeReplicasOnPostgreSQL(t *testing.T) {
	cleanEnv(t)
	resetGlobals(t)
	dsn := pgtest.Start(t).NewDatabase(t)
	a := startHiveServe(t, "127.0.0.1:0", dsn, "--assembly-wait", "20s")
	b := startHiveServe(t, "127.0.0.1:0", dsn, "--assembly-wait", "20s")
	require.NotContains(t, a.output.String(), "password", "nothing about a password is logged")

	// Ingested on A: read and listed on B.
	id := uuid.Must(uuid.NewV7()).String()
	first := replicaIngest(t, a.URL, replicaRecord(id, "first"))
	assert.JSONEq(t, replicaRecord(id, "first"), replicaGet(t, b.URL, id), "B reads the record A stored")
	listed := replicaList(t, b.URL)
	require.Equal(t, []string{id}, listedIDs(listed), "B lists it")
	assert.Equal(t, first.CreatedAt, listed[0].CreatedAt)
	assert.Nil(t, listed[0].Quality)

	// Scored on B: the quality is A's to read too.
	replicaSetQuality(t, b.URL, id, 0.75)
	for _, srv := range []*hiveServe{a, b} {
		listed := replicaList(t, srv.URL)
		require.Len(t, listed, 1, srv.URL)
		require.NotNil(t, listed[0].Quality, srv.URL)
		assert.InDelta(t, 0.75, listed[0].Quality.Score, 1e-9, srv.URL)
	}

	// Ingested again on B, as a retry would: the answer is the stored entry
	// and nothing new is stored.
	again := replicaIngest(t, b.URL, replicaRecord(id, "second"))
	assert.Equal(t, first.CreatedAt, again.CreatedAt, "the first write wins across replicas")
	assert.JSONEq(t, replicaRecord(id, "first"), again.LogItem)
	for _, srv := range []*hiveServe{a, b} {
		listed := replicaList(t, srv.URL)
		assert.Equal(t, []string{id}, listedIDs(listed), "one record, on %s", srv.URL)
		assert.Equal(t, first.CreatedAt, listed[0].CreatedAt)
		assert.JSONEq(t, replicaRecord(id, "first"), replicaGet(t, srv.URL, id))
	}

	// OTLP: each run's task-run span to one replica, its boundary spans to
	// the other.
	runs := splitRunsAcross(t, a, b)
	for _, rec := range runs {
		for _, srv := range []*hiveServe{a, b} {
			requireSameRecord(t, rec, storedRecord(t, srv.URL, rec.TaskName, rec.UUID), "run %s read from %s", rec.UUID, srv.URL)
		}
	}
	names := taskNames(runs)
	stored, err := hiveRecords(context.Background(), http.DefaultClient, b.URL, hiveProject, names...)
	require.NoError(t, err)
	require.Len(t, stored, len(runs), "each run stored once")

	// Restart: both stopped, a new replica on the same database serves it all.
	a.stop(t)
	b.stop(t)
	c := startHiveServe(t, "127.0.0.1:0", dsn)
	assert.JSONEq(t, replicaRecord(id, "first"), replicaGet(t, c.URL, id))
	listed = replicaList(t, c.URL)
	require.Equal(t, []string{id}, listedIDs(listed))
	assert.Equal(t, first.CreatedAt, listed[0].CreatedAt)
	require.NotNil(t, listed[0].Quality)
	assert.InDelta(t, 0.75, listed[0].Quality.Score, 1e-9)
	for _, rec := range runs {
		requireSameRecord(t, rec, storedRecord(t, c.URL, rec.TaskName, rec.UUID), "run %s after the restart", rec.UUID)
	}
	stored, err = hiveRecords(context.Background(), http.DefaultClient, c.URL, hiveProject, names...)
	require.NoError(t, err)
	require.Len(t, stored, len(runs))
}

// TestHiveServeReplicasUnderContention spreads 40 writers and 40 readers
// over two hive serve processes on one PostgreSQL database for 10 s: no
// request fails, and every record a writer was answered stored is listed by
// both replicas.
func TestHiveServeReplicasUnderContention(t *testing.T) {
	cleanEnv(t)
	dsn := pgtest.Start(t).NewDatabase(t)
	replicas := []*hiveServe{
		startHiveServe(t, "127.0.0.1:0", dsn),
		startHiveServe(t, "127.0.0.1:0", dsn),
	}
	const writers, readers, window = 40, 40, 10 * time.Second
	tr := &http.Transport{MaxIdleConnsPerHost: writers + readers}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	seed := uuid.Must(uuid.NewV7()).String()
	replicaIngest(t, replicas[0].URL, replicaRecord(seed, "seed"))

	var (
		mu       sync.Mutex
		writes   []time.Duration
		written  = map[string]bool{seed: true}
		failures atomic.Int64
		firstErr atomic.Value
		reads    atomic.Int64
	)
	fail := func(err error) {
		if failures.Add(1) == 1 {
			firstErr.Store(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	var wg sync.WaitGroup
	for w := range writers {
		base := replicas[w%2].URL
		wg.Go(func() {
			var lat []time.Duration
			var ids []string
			for ctx.Err() == nil {
				id := uuid.Must(uuid.NewV7()).String()
				t0 := time.Now()
				status, body, err := replicaDo(hc, http.MethodPost, base+"/api/log-ingest", replicaIngestBody(replicaRecord(id, "load")))
				lat = append(lat, time.Since(t0))
				switch {
				case err != nil:
					fail(err)
				case status != http.StatusOK:
					fail(fmt.Errorf("ingest on %s answered %d: %s", base, status, body))
				default:
					ids = append(ids, id)
				}
			}
			mu.Lock()
			writes = append(writes, lat...)
			for _, id := range ids {
				written[id] = true
			}
			mu.Unlock()
		})
	}
	for r := range readers {
		base := replicas[(r/2)%2].URL
		wg.Go(func() {
			for n := r; ctx.Err() == nil; n++ {
				u := base + "/api/tasks/" + replicaTask + "/logs?limit=20&projectUuid=" + hiveProject
				if n%2 == 1 {
					u = base + "/api/tasks/" + replicaTask + "/logs/" + seed + "?projectUuid=" + hiveProject
				}
				status, body, err := replicaDo(hc, http.MethodGet, u, nil)
				switch {
				case err != nil:
					fail(err)
				case status != http.StatusOK:
					fail(fmt.Errorf("GET %s answered %d: %s", u, status, body))
				default:
					reads.Add(1)
				}
			}
		})
	}
	wg.Wait()

	slices.Sort(writes)
	require.NotEmpty(t, writes)
	p99 := writes[len(writes)*99/100]
	t.Logf("%d writers + %d readers over 2 replicas for %s: %d writes (p50 %s, p99 %s), %d reads, %d failed",
		writers, readers, window, len(writes), writes[len(writes)/2].Round(time.Microsecond), p99.Round(time.Microsecond), reads.Load(), failures.Load())
	if err, ok := firstErr.Load().(error); ok {
		t.Errorf("first failure: %v", err)
	}
	require.Zero(t, failures.Load(), "failed requests")
	require.Positive(t, reads.Load())

	for _, srv := range replicas {
		stored, err := hiveRecords(context.Background(), hc, srv.URL, hiveProject, replicaTask)
		require.NoError(t, err)
		assert.Len(t, stored, len(written), "%s lists every record answered stored, once", srv.URL)
		for id := range written {
			if _, ok := stored[id]; !ok {
				t.Errorf("%s does not list %s", srv.URL, id)
				break
			}
		}
	}
}

// replicaRecord is a small record of replicaTask; note tells versions of
// one uuid apart.
func replicaRecord(id, note string) string {
	return fmt.Sprintf(`{"uuid":%q,"taskName":%q,"type":"success","input":{"note":%q},"output":{"ok":true},"boundaries":{},`+
		`"timing":{"startTime":1795633372497,"endTime":1795633372505,"duration":8}}`, id, replicaTask, note)
}

// replicaIngestBody is the /api/log-ingest body of a record of the e2e
// project.
func replicaIngestBody(record string) []byte {
	b, _ := json.Marshal(map[string]string{"projectUuid": hiveProject, "projectName": "e2e-replicas", "logItem": record})
	return b
}

// replicaDo sends a request with the test credentials and returns the
// status and body of the answer.
func replicaDo(hc *http.Client, method, u string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+hiveKey+":"+hiveSecret)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// replicaIngestAnswer is what the replica tests read of an ingest answer.
type replicaIngestAnswer struct {
	UUID      string `json:"uuid"`
	LogItem   string `json:"logItem"`
	CreatedAt string `json:"createdAt"`
}

// replicaIngest ingests record at base and returns the answer.
func replicaIngest(t *testing.T, base, record string) replicaIngestAnswer {
	t.Helper()
	status, body, err := replicaDo(http.DefaultClient, http.MethodPost, base+"/api/log-ingest", replicaIngestBody(record))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "ingest answer: %s", body)
	var a replicaIngestAnswer
	require.NoError(t, json.Unmarshal(body, &a))
	return a
}

// replicaEntry is what the replica tests read of an entry of a listing.
type replicaEntry struct {
	UUID      string `json:"uuid"`
	CreatedAt string `json:"createdAt"`
	Quality   *struct {
		Score float64 `json:"score"`
	} `json:"quality"`
}

// replicaGet reads record id of replicaTask from base and returns it.
func replicaGet(t *testing.T, base, id string) string {
	t.Helper()
	status, body, err := replicaDo(http.DefaultClient, http.MethodGet,
		base+"/api/tasks/"+replicaTask+"/logs/"+id+"?projectUuid="+hiveProject, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "read %s on %s: %s", id, base, body)
	return string(answeredRecord(t, body))
}

// answeredRecord returns the record a GET /api/tasks/{taskName}/logs/{uuid}
// answer carries: the "logItem" object of its envelope
// {"uuid","taskName","projectName","logItem","replayFrom","createdAt"}.
func answeredRecord(t *testing.T, body []byte) json.RawMessage {
	t.Helper()
	var env struct {
		UUID    string          `json:"uuid"`
		LogItem json.RawMessage `json:"logItem"`
	}
	require.NoError(t, json.Unmarshal(body, &env), "answer: %s", body)
	require.NotEmpty(t, env.UUID, "answer: %s", body)
	require.True(t, len(env.LogItem) > 0 && env.LogItem[0] == '{', "logItem is the record object: %s", body)
	return env.LogItem
}

// replicaList returns the first page of replicaTask's records base lists,
// newest first.
func replicaList(t *testing.T, base string) []replicaEntry {
	t.Helper()
	status, body, err := replicaDo(http.DefaultClient, http.MethodGet,
		base+"/api/tasks/"+replicaTask+"/logs?"+url.Values{"projectUuid": {hiveProject}}.Encode(), nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "list on %s: %s", base, body)
	var page struct {
		Logs []replicaEntry `json:"logs"`
	}
	require.NoError(t, json.Unmarshal(body, &page))
	return page.Logs
}

// listedIDs returns the uuids of entries, in order.
func listedIDs(entries []replicaEntry) []string {
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.UUID)
	}
	return ids
}

// replicaSetQuality scores record id of replicaTask at base.
func replicaSetQuality(t *testing.T, base, id string, score float64) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"projectUuid": hiveProject,
		"quality": map[string]any{"score": score, "reason": "scored on another replica", "suggestions": "none"}})
	require.NoError(t, err)
	status, answer, err := replicaDo(http.DefaultClient, http.MethodPost, base+"/api/tasks/"+replicaTask+"/logs/"+id+"/set-quality", body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "set-quality answer: %s", answer)
}

// taskNames returns the task names of records, each once.
func taskNames(recs []*otelrecord.ExecutionRecord) []string {
	var names []string
	for _, r := range recs {
		if !slices.Contains(names, r.TaskName) {
			names = append(names, r.TaskName)
		}
	}
	return names
}
