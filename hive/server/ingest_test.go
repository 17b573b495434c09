package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/otelrecord"
)

const (
	projectA = "0193f0a0-aaaa-7000-8000-000000000001"
	projectB = "0193f0a0-bbbb-7000-8000-000000000002"
	taskUUID = "0193f0a0-cccc-7000-8000-000000000003"
	recUUID  = "0193f0a0-dddd-7000-8000-000000000004"
)

func TestIngestAndGet(t *testing.T) {
	ts := start(t)
	rec := recordJSON("getUserReport", recUUID, "first")
	r := ts.do(http.MethodPost, "/api/log-ingest", map[string]any{
		"projectUuid": projectA, "projectName": "reports", "taskUuid": taskUUID, "logItem": rec,
	})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	resp := r.json(t)
	assert.Equal(t, recUUID, resp["uuid"])
	assert.Equal(t, "getUserReport", resp["taskName"])
	assert.Equal(t, "reports", resp["projectName"])
	assert.Nil(t, resp["replayFrom"])
	assert.JSONEq(t, rec, resp["logItem"].(string), "logItem is the stored record as a JSON string")
	created, err := time.Parse(time.RFC3339, resp["createdAt"].(string))
	require.NoError(t, err, "createdAt is RFC 3339")
	assert.Equal(t, 2026, created.Year())

	// The record comes back as a JSON object that decodes into the Go type.
	got := ts.do(http.MethodGet, "/api/tasks/getUserReport/logs/"+recUUID, nil)
	require.Equal(t, http.StatusOK, got.status, "body: %s", got.body)
	assert.JSONEq(t, rec, string(got.logItem(t)))
	var er otelrecord.ExecutionRecord
	require.NoError(t, json.Unmarshal(got.logItem(t), &er))
	assert.Equal(t, otelrecord.TypeSuccess, er.Type)
	require.Len(t, er.Boundaries["fetch"], 1)
	assert.InDelta(t, 4.25, er.Boundaries["fetch"][0].Timing.Duration, 1e-9)

	// Scoped to its project it is found too.
	scoped := ts.do(http.MethodGet, "/api/tasks/getUserReport/logs/"+recUUID+"?projectUuid="+projectA, nil)
	assert.Equal(t, http.StatusOK, scoped.status)

	// The project and task were registered.
	p := ts.do(http.MethodGet, "/api/projects/"+projectA, nil)
	require.Equal(t, http.StatusOK, p.status, "body: %s", p.body)
	var pr struct {
		Project struct {
			UUID, ProjectName string
			Tasks             []struct{ UUID, Name string }
		}
	}
	require.NoError(t, json.Unmarshal(p.body, &pr))
	assert.Equal(t, "reports", pr.Project.ProjectName)
	require.Len(t, pr.Project.Tasks, 1)
	assert.Equal(t, taskUUID, pr.Project.Tasks[0].UUID)
	assert.Equal(t, "getUserReport", pr.Project.Tasks[0].Name)

	missing := ts.do(http.MethodGet, "/api/tasks/getUserReport/logs/0193f0a0-0000-7000-8000-00000000ffff", nil)
	missing.requireError(t, http.StatusNotFound)
	other := ts.do(http.MethodGet, "/api/tasks/otherTask/logs/"+recUUID, nil)
	other.requireError(t, http.StatusNotFound)
}

func TestIngestAcceptsRecordObject(t *testing.T) {
	ts := start(t)
	rec := recordJSON("t", recUUID, "obj")
	r := ts.do(http.MethodPost, "/api/log-ingest", `{"projectUuid":"`+projectA+`","logItem":`+rec+`}`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	got := ts.do(http.MethodGet, "/api/tasks/t/logs/"+recUUID, nil)
	assert.JSONEq(t, rec, string(got.logItem(t)))
}

func TestIngestAssignsUUIDv7(t *testing.T) {
	ts := start(t)
	resp := ts.ingest(projectA, "", recordJSON("noUUID", "", "x"))
	id, err := uuid.Parse(resp["uuid"].(string))
	require.NoError(t, err)
	assert.Equal(t, uuid.Version(7), id.Version())

	got := ts.do(http.MethodGet, "/api/tasks/noUUID/logs/"+id.String(), nil)
	require.Equal(t, http.StatusOK, got.status)
	var rec otelrecord.ExecutionRecord
	require.NoError(t, json.Unmarshal(got.logItem(t), &rec))
	assert.Equal(t, id.String(), rec.UUID, "the stored record carries the assigned uuid")
	assert.Equal(t, map[string]string{"requestId": "req-1"}, rec.Metadata, "the rest of the record is kept")

	// The task was registered with a generated uuid.
	p := ts.do(http.MethodGet, "/api/projects/"+projectA, nil)
	assert.Contains(t, string(p.body), `"name":"noUUID"`)
}

func TestIngestWithoutProjectUsesLocalProject(t *testing.T) {
	ts := start(t)
	r := ts.do(http.MethodPost, "/api/log-ingest", map[string]any{"logItem": recordJSON("t", recUUID, "x")})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, "local", r.json(t)["projectName"])
	again := ts.do(http.MethodPost, "/api/log-ingest", map[string]any{"logItem": recordJSON("t", recUUID, "y")})
	require.Equal(t, http.StatusOK, again.status)
	assert.Equal(t, r.json(t)["createdAt"], again.json(t)["createdAt"], "the same local project is used every time")
}

func TestIngestKeepsUnknownFieldsAndReplayFrom(t *testing.T) {
	ts := start(t)
	rec := `{"uuid":"` + recUUID + `","taskName":"t","type":"success","replayFrom":"0193-old","extra":{"a":"<b>"}}`
	resp := ts.ingest(projectA, "", rec)
	assert.Equal(t, "0193-old", resp["replayFrom"])
	got := ts.do(http.MethodGet, "/api/tasks/t/logs/"+recUUID, nil)
	assert.JSONEq(t, rec, string(got.logItem(t)))
	assert.Contains(t, string(got.body), `"<b>"`, "no HTML escaping of stored text")
}

func TestIngestIsIdempotent(t *testing.T) {
	ts := start(t)
	first := ts.ingest(projectA, taskUUID, recordJSON("t", recUUID, "first"))
	second := ts.ingest(projectA, taskUUID, recordJSON("t", recUUID, "second"))
	assert.Equal(t, first, second, "re-ingesting answers the stored entry")

	list := ts.do(http.MethodGet, "/api/tasks/t/logs", nil)
	var lr struct{ Logs []map[string]any }
	require.NoError(t, json.Unmarshal(list.body, &lr))
	require.Len(t, lr.Logs, 1, "no duplicate")
	got := ts.do(http.MethodGet, "/api/tasks/t/logs/"+recUUID, nil)
	assert.JSONEq(t, recordJSON("t", recUUID, "first"), string(got.logItem(t)), "the first write wins")
}

func TestIngestTaskUUIDTakenByAnotherTask(t *testing.T) {
	ts := start(t)
	ts.ingest(projectA, taskUUID, recordJSON("first", "r1", "x"))
	// The same task uuid with another task name registers that task under a new uuid.
	ts.ingest(projectA, taskUUID, recordJSON("second", "r2", "x"))
	var pr struct {
		Project struct{ Tasks []struct{ UUID, Name string } }
	}
	require.NoError(t, json.Unmarshal(ts.do(http.MethodGet, "/api/projects/"+projectA, nil).body, &pr))
	require.Len(t, pr.Project.Tasks, 2)
	assert.Equal(t, taskUUID, pr.Project.Tasks[0].UUID)
	assert.NotEqual(t, taskUUID, pr.Project.Tasks[1].UUID)
	assert.Equal(t, http.StatusOK, ts.do(http.MethodGet, "/api/tasks/second/logs/r2", nil).status)
}

func TestIngestRejectsBadInput(t *testing.T) {
	ts := start(t)
	good := recordJSON("t", recUUID, "original")
	ts.ingest(projectA, taskUUID, good)

	str := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	cases := []struct {
		name, body, want string
	}{
		{"empty body", ``, "empty"},
		{"malformed JSON", `{"logItem":`, "malformed JSON"},
		{"syntax error", `{"logItem" "x"}`, "invalid character"},
		{"not an object", `[1,2]`, "expected an object"},
		{"no logItem", `{"projectUuid":"` + projectA + `"}`, "logItem is required"},
		{"null logItem", `{"logItem":null}`, "logItem is required"},
		{"number logItem", `{"logItem":5}`, "must be a JSON string"},
		{"logItem not JSON", `{"logItem":"not json"}`, "not a JSON object"},
		{"logItem array", `{"logItem":"[1]"}`, "not a JSON object"},
		{"logItem null string", `{"logItem":"null"}`, "not a JSON object"},
		{"no taskName", `{"logItem":` + str(`{"uuid":"x","type":"success"}`) + `}`, "no taskName"},
		{"taskName not string", `{"logItem":` + str(`{"taskName":5}`) + `}`, "taskName"},
		{"bad type", `{"logItem":` + str(`{"taskName":"t","type":"weird"}`) + `}`, "logItem.type"},
		{"bad timing", `{"logItem":` + str(`{"taskName":"t","timing":{"startTime":"soon"}}`) + `}`, "startTime"},
		{"bad metric", `{"logItem":` + str(`{"taskName":"t","metrics":[{"type":"","name":"x","value":1}]}`) + `}`, "metrics[0]"},
		{"control char in task", `{"logItem":` + str(`{"taskName":"a\u0001b"}`) + `}`, "control character"},
		{"projectUuid number", `{"projectUuid":5,"logItem":` + str(good) + `}`, `"projectUuid" must be a string`},
		{"long uuid", `{"logItem":` + str(`{"taskName":"t","uuid":"`+strings.Repeat("u", 200)+`"}`) + `}`, "longer than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ts.do(http.MethodPost, "/api/log-ingest", c.body)
			msg := r.requireError(t, http.StatusBadRequest)
			assert.Contains(t, msg, c.want)
		})
	}

	// Nothing stored changed.
	got := ts.do(http.MethodGet, "/api/tasks/t/logs/"+recUUID, nil)
	assert.JSONEq(t, good, string(got.logItem(t)))
	var lr struct{ Logs []json.RawMessage }
	require.NoError(t, json.Unmarshal(ts.do(http.MethodGet, "/api/tasks/t/logs", nil).body, &lr))
	assert.Len(t, lr.Logs, 1)
	var pr struct {
		Project struct{ Tasks []json.RawMessage }
	}
	require.NoError(t, json.Unmarshal(ts.do(http.MethodGet, "/api/projects/"+projectA, nil).body, &pr))
	assert.Len(t, pr.Project.Tasks, 1, "no task registered by a bad request")
}

func TestOversizedBodies(t *testing.T) {
	ts := start(t, server.WithMaxBodyBytes(4096))
	good := recordJSON("t", recUUID, "original")
	ts.ingest(projectA, taskUUID, good)

	big := recordJSON("t", recUUID, strings.Repeat("x", 8192))
	body, err := json.Marshal(map[string]any{"projectUuid": projectA, "logItem": big})
	require.NoError(t, err)
	msg := ts.do(http.MethodPost, "/api/log-ingest", body).requireError(t, http.StatusRequestEntityTooLarge)
	assert.Contains(t, msg, "4096")

	// Without a Content-Length (chunked), the limit holds while reading.
	msg = ts.do(http.MethodPost, "/api/log-ingest", io.MultiReader(bytes.NewReader(body))).requireError(t, http.StatusRequestEntityTooLarge)
	assert.Contains(t, msg, "exceeds")

	got := ts.do(http.MethodGet, "/api/tasks/t/logs/"+recUUID, nil)
	assert.JSONEq(t, good, string(got.logItem(t)), "nothing stored changed")
}

func TestDefaultBodyLimitIs10MiB(t *testing.T) {
	ts := start(t)
	head := `{"projectUuid":"` + projectA + `","logItem":` + strconvQuote(recordJSON("t", "fits", "x")) + `}`
	// Whitespace pads the body to exactly the limit (cheap to parse), then one byte over.
	fits := head + strings.Repeat(" ", server.DefaultMaxBodyBytes-len(head))
	assert.Equal(t, http.StatusOK, ts.do(http.MethodPost, "/api/log-ingest", fits).status)
	over := fits + " "
	ts.do(http.MethodPost, "/api/log-ingest", over).requireError(t, http.StatusRequestEntityTooLarge)
	ts.do(http.MethodPost, "/api/log-ingest", io.MultiReader(strings.NewReader(over))).requireError(t, http.StatusRequestEntityTooLarge)
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
