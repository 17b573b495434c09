package server_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/internal/testutil"
)

// TestIngestRegistersInTheSameWrite: an ingest that names a new project and
// task registers them in the store call that stores the record.
func TestIngestRegistersInTheSameWrite(t *testing.T) {
	store := &batchStore{Store: server.NewMemoryStore()}
	srv := server.New(store, server.WithInsecureNoAuth(), server.WithLogger(slog.New(slog.DiscardHandler)))
	body := `{"projectUuid":"` + projectA + `","projectName":"reports","taskUuid":"` + taskUUID + `","logItem":` +
		strconvQuote(recordJSON("getUserReport", recUUID, "x")) + `}`
	w := serveBatch(t, srv, "["+body+"]")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	single := httpRecorder(srv, http.MethodPost, "/api/log-ingest", body)
	require.Equal(t, http.StatusOK, single.Code, single.Body.String())
	assert.Equal(t, int32(2), store.ingest.Load(), "one Ingest per request")
	assert.Zero(t, store.ensureProject.Load()+store.ensureTask.Load(), "no other write")

	p := httpRecorder(srv, http.MethodGet, "/api/projects/"+projectA, "")
	var pr struct {
		Project struct {
			ProjectName string
			Tasks       []struct{ UUID, Name string }
		}
	}
	require.NoError(t, json.Unmarshal(p.Body.Bytes(), &pr))
	assert.Equal(t, "reports", pr.Project.ProjectName)
	require.Len(t, pr.Project.Tasks, 1)
	assert.Equal(t, taskUUID, pr.Project.Tasks[0].UUID)
}

// TestIngestWarnsOfATakenTaskUUID: a task uuid held by another task of the
// project registers the new task under a new uuid, with a warning naming
// both.
func TestIngestWarnsOfATakenTaskUUID(t *testing.T) {
	logs := &testutil.LockedBuffer{}
	ts := start(t, server.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	ts.ingest(projectA, taskUUID, recordJSON("first", "r1", "x"))
	assert.NotContains(t, logs.String(), "task uuid taken")
	second := ts.ingest(projectA, taskUUID, recordJSON("second", "r2", "x"))
	assert.Equal(t, "r2", second["uuid"])
	require.Contains(t, logs.String(), "task uuid taken by another task; registering under a new uuid")
	assert.Contains(t, logs.String(), `task=second`)
	assert.Contains(t, logs.String(), `taskUuid=`+taskUUID)
	assert.Contains(t, logs.String(), `used by task \"first\"`)

	ts.ingest(projectA, taskUUID, recordJSON("second", "r3", "x"))
	assert.Equal(t, 1, strings.Count(logs.String(), "task uuid taken"), "the task is registered once")
}

func httpRecorder(srv http.Handler, method, path, body string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader(body)))
	return w
}
