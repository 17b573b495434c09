package server_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// tsRecord is a record as the TypeScript implementation may send it:
// fractional start and end times, timings without duration.
const tsRecord = `{"uuid":"0193f0a0-0000-7000-8000-0000000075a1","taskName":"getUserReport","input":{"userId":1},"output":{"total":20},"type":"success",` +
	`"boundaries":{"fetchUser":[{"input":[1],"output":{"id":1},"timing":{"startTime":1795633372498.125,"endTime":1795633372502.5}}]},` +
	`"metadata":{},"timing":{"startTime":1795633372497.75,"endTime":1795633372505.25}}`

func TestIngestTypeScriptTimings(t *testing.T) {
	ts := start(t)
	for _, route := range []string{"/api/log-ingest", "/api/log-ingest/batch"} {
		t.Run(route, func(t *testing.T) {
			project := projectA
			body := any(map[string]any{"projectUuid": project, "logItem": tsRecord})
			if route != "/api/log-ingest" {
				project = projectB
				body = []any{map[string]any{"projectUuid": project, "logItem": tsRecord}}
			}
			r := ts.do(http.MethodPost, route, body)
			require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
			assert.NotContains(t, string(r.body), `"error"`, "stored: %s", r.body)

			got := ts.do(http.MethodGet, "/api/tasks/getUserReport/logs/0193f0a0-0000-7000-8000-0000000075a1?projectUuid="+project, nil)
			item := got.logItem(t)
			assert.Equal(t, tsRecord, string(item), "stored as sent, byte for byte")

			var rec otelrecord.ExecutionRecord
			require.NoError(t, json.Unmarshal(item, &rec))
			assert.False(t, rec.Timing.HasDuration())
			out, err := json.Marshal(&rec)
			require.NoError(t, err)
			assert.JSONEq(t, tsRecord, string(out), "the Go types encode it back unchanged")
			assert.NotContains(t, string(out), "duration")
		})
	}
}

func TestIngestRecordNamedByTaskUUID(t *testing.T) {
	ts := start(t)
	require.Equal(t, http.StatusOK, ts.do(http.MethodPost, "/api/projects/"+projectA+"/sync",
		map[string]any{"tasks": []map[string]any{{"uuid": taskUUID, "name": "getUserReport"}}}).status)

	for i, record := range []string{
		`{"uuid":"0193f0a0-0000-7000-8000-0000000000a1","input":{"n":1},"type":"success","output":1}`,
		`{"uuid":"0193f0a0-0000-7000-8000-0000000000a2","taskName":"","input":{"n":2},"type":"success","output":2}`,
		`{"uuid":"0193f0a0-0000-7000-8000-0000000000a3","taskName":null,"input":{"n":3},"type":"success","output":3}`,
		`{"input":{"n":4},"type":"success","output":4}`,
	} {
		resp := ts.ingest(projectA, taskUUID, record)
		assert.Equal(t, "getUserReport", resp["taskName"], "record %d", i)
		stored := ts.do(http.MethodGet, "/api/tasks/getUserReport/logs/"+resp["uuid"].(string), nil).logItem(t)
		var rec map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(stored, &rec))
		assert.JSONEq(t, `"getUserReport"`, string(rec["taskName"]), "the stored record holds the name it is indexed under: %s", stored)
		assert.JSONEq(t, `{"n":`+string(rune('1'+i))+`}`, string(rec["input"]), "the rest is as sent")
	}

	// The batch route names them the same way, item by item.
	r := ts.do(http.MethodPost, "/api/log-ingest/batch", []any{
		item(projectA, taskUUID, `{"uuid":"0193f0a0-0000-7000-8000-0000000000b1","type":"success"}`),
		item(projectA, "0193f0a0-0000-7000-8000-00000000ffff", `{"uuid":"0193f0a0-0000-7000-8000-0000000000b2","type":"success"}`),
		item(projectA, "", `{"uuid":"0193f0a0-0000-7000-8000-0000000000b3","type":"success"}`),
	})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var results []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &results))
	require.Len(t, results, 3)
	assert.Equal(t, "getUserReport", results[0]["taskName"])
	assert.EqualValues(t, http.StatusBadRequest, results[1]["status"])
	assert.Contains(t, results[1]["error"], "names no task of project")
	assert.EqualValues(t, http.StatusBadRequest, results[2]["status"])
	assert.Contains(t, results[2]["error"], "no taskName")

	msg := ts.do(http.MethodPost, "/api/log-ingest", map[string]any{
		"projectUuid": projectB, "taskUuid": taskUUID, "logItem": `{"type":"success"}`,
	}).requireError(t, http.StatusBadRequest)
	assert.Contains(t, msg, projectB, "a task of another project does not name it")
}

func TestIngestReplayFrom(t *testing.T) {
	ts := start(t)
	const from = "0193f0a0-0000-7000-8000-0000000000f0"
	cases := map[string]map[string]any{
		"string in the body": {"replayFrom": from},
		"null in the body":   {"replayFrom": nil},
		"absent":             {},
	}
	i := 0
	for name, extra := range cases {
		i++
		id := "0193f0a0-0000-7000-8000-00000000010" + string(rune('0'+i))
		body := map[string]any{"projectUuid": projectA, "logItem": recordJSON("replayed", id, name)}
		for k, v := range extra {
			body[k] = v
		}
		r := ts.do(http.MethodPost, "/api/log-ingest", body)
		require.Equal(t, http.StatusOK, r.status, "%s: %s", name, r.body)
		if name == "string in the body" {
			assert.Equal(t, from, r.json(t)["replayFrom"], name)
		} else {
			assert.Nil(t, r.json(t)["replayFrom"], name)
		}
	}
	// In the record: a string is read, anything else ignored.
	r := ts.do(http.MethodPost, "/api/log-ingest", map[string]any{"projectUuid": projectA,
		"logItem": `{"uuid":"0193f0a0-0000-7000-8000-000000000201","taskName":"replayed","type":"success","replayFrom":"` + from + `"}`})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, from, r.json(t)["replayFrom"])
	r = ts.do(http.MethodPost, "/api/log-ingest", map[string]any{"projectUuid": projectA,
		"logItem": `{"uuid":"0193f0a0-0000-7000-8000-000000000202","taskName":"replayed","type":"success","replayFrom":null}`})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Nil(t, r.json(t)["replayFrom"])
}
