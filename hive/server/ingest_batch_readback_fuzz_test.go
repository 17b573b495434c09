package server_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/hivetrace/hivetrace/hive/server"
)

// FuzzIngestBatchReadBack sends arbitrary bodies to POST /api/log-ingest/batch
// of a new server with a memory store, and checks what the answer promises:
// never a 5xx; a 200 answer holds one result per item, each a stored record
// or a 4xx {error,status}; and every stored item is listed under its task,
// can be read back by GET, and reads (strictly) as a record whose "taskName"
// and "uuid" are those it is indexed under, holding the logItem answered.
func FuzzIngestBatchReadBack(f *testing.F) {
	for _, seed := range []string{
		`[{"projectUuid":"p","taskUuid":"t","logItem":"{\"taskName\":\"task\",\"uuid\":\"r1\",\"type\":\"success\"}"}]`,
		`[{"logItem":{"taskName":"a b/c%d?e#f+g","uuid":"ü 1"}},{"logItem":{"taskName":"x"}}]`,
		`[{"logItem":{"taskName":"t","uuid":"u","UUID":"v","TaskName":"w"}},{"logItem":{"TaskName":"t"}}]`,
		`[{"logItem":{"taskName":"t","uuid":"a","uuid":"b"}},{"logItem":"{\"taskName\":\"t\",\"taskName\":\"u\"}"}]`,
		`[{"logItem":{"taskName":"t","input":{"a":[{"b":1,"b":2}]}}},{"projectUuid":"p","ProjectUUID":"q","logItem":{"taskName":"t"}}]`,
		`[{"logItem":{"taskName":"t","uuid":null}},{"logItem":{"taskName":"t","uuid":""}},{"logItem":{"taskName":"t","UUID":"x"}}]`,
		`[{"logItem":{"taskName":".."}},{"logItem":{"taskName":"."}},{"logItem":{"taskName":"/"}},{"logItem":{"taskName":"t","uuid":".."}}]`,
		`[{"projectUuid":"..","logItem":{"taskName":"t"}},{"taskUuid":"/","logItem":{"taskName":"t"}},{"projectUuid":"a/b","logItem":{"taskName":"t"}}]`,
		`[{"logItem":{"taskName":"t","x":"\ud800"}},{"logItem":"{\"taskName\":\"t\",\"x\":\"\\udc00\"}"},{"logItem":{"taskName":"\ud83d\ude00"}}]`,
		"[{\"logItem\":{\"taskName\":\"t\xff\"}},{\"logItem\":\"{\\\"taskName\\\":\\\"\xc0\xaf\\\"}\"}]",
		`[{"logItem":{"taskName":"a\u0085b"}},{"logItem":{"taskName":"t","metadata":{"k":1}}},{"logItem":{"taskName":"t","timing":{"startTime":1e400}}}]`,
		`[{"logItem":{"taskName":"t","uuid":"r"}},{"projectUuid":"other","logItem":{"taskName":"t","uuid":"r"}},{"logItem":{"taskName":"t","uuid":"r","input":2}}]`,
		`[{"logItem":{"taskName":"t","boundaries":{"b":[{"input":[],"Input":1}]},"metrics":[{"type":"a","name":"b","value":1}]}}]`,
		`[]`, `[{}]`, `[1,null,"x",[]]`, `{}`, `[`, ``,
	} {
		f.Add([]byte(seed))
	}
	logger := slog.New(slog.DiscardHandler)

	f.Fuzz(func(t *testing.T, body []byte) {
		srv := server.New(server.NewMemoryStore(), server.WithInsecureNoAuth(), server.WithLogger(logger),
			server.WithMaxRecordBytes(1<<12))
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/log-ingest/batch", bytes.NewReader(body)))
		if w.Code >= 500 {
			t.Fatalf("status %d for body %q: %s", w.Code, body, w.Body)
		}
		if w.Code != http.StatusOK {
			return
		}
		var items []json.RawMessage
		if err := json.Unmarshal(body, &items); err != nil {
			t.Fatalf("200 for a body that is not a JSON array: %q", body)
		}
		var results []struct {
			Error    *string `json:"error"`
			Status   int     `json:"status"`
			UUID     string  `json:"uuid"`
			TaskName string  `json:"taskName"`
			LogItem  string  `json:"logItem"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &results); err != nil || len(results) != len(items) {
			t.Fatalf("%d items answered with %s (%v)", len(items), w.Body, err)
		}
		for i, res := range results {
			if res.Error != nil {
				if res.Status < 400 || res.Status >= 500 {
					t.Fatalf("item %d %s answered %+v", i, items[i], res)
				}
				continue
			}
			// The same task and uuid may be stored in several projects: each
			// copy must read back, and one of them is the answered record.
			answered := compactJSON(t, []byte(res.LogItem))
			found := false
			for _, project := range listedProjects(t, srv, res.TaskName, res.UUID) {
				g := httptest.NewRecorder()
				srv.ServeHTTP(g, httptest.NewRequest(http.MethodGet, "/api/tasks/"+url.PathEscape(res.TaskName)+
					"/logs/"+url.PathEscape(res.UUID)+"?projectUuid="+url.QueryEscape(project), nil))
				if g.Code != http.StatusOK {
					t.Fatalf("item %d stored as %q/%q in %q is not readable: %d %s", i, res.TaskName, res.UUID, project, g.Code, g.Body)
				}
				var stored struct {
					TaskName string `json:"taskName"`
					UUID     string `json:"uuid"`
				}
				record := logItemOf(t, g.Body.Bytes())
				if err := jsonv2.Unmarshal(record, &stored); err != nil {
					t.Fatalf("item %d: stored record %s does not read strictly: %v", i, g.Body, err)
				}
				if stored.TaskName != res.TaskName || stored.UUID != res.UUID {
					t.Fatalf("item %d indexed as %q/%q holds taskName %q, uuid %q", i, res.TaskName, res.UUID, stored.TaskName, stored.UUID)
				}
				found = found || compactJSON(t, record) == answered
			}
			if !found {
				t.Fatalf("item %d: no stored %q/%q is the answered record %s", i, res.TaskName, res.UUID, res.LogItem)
			}
		}
	})
}

// listedProjects pages through the task's listing and returns the projects
// in which the record uuid is listed; it fails the test when there is none.
func listedProjects(t *testing.T, srv http.Handler, taskName, uuid string) []string {
	t.Helper()
	var projects []string
	before := ""
	for range 100 {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/tasks/"+url.PathEscape(taskName)+
			"/logs?limit=100&before="+url.QueryEscape(before), nil))
		if w.Code != http.StatusOK {
			t.Fatalf("listing %q: %d %s", taskName, w.Code, w.Body)
		}
		var page listPage
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
			t.Fatalf("listing %q: %v", taskName, err)
		}
		for _, e := range page.Logs {
			if e.UUID == uuid && e.TaskName == taskName {
				projects = append(projects, e.ProjectUUID)
			}
		}
		if page.Next == "" {
			break
		}
		before = page.Next
	}
	if len(projects) == 0 {
		t.Fatalf("%q/%q is not listed", taskName, uuid)
	}
	return projects
}

// compactJSON is data without insignificant space.
func compactJSON(t *testing.T, data []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		t.Fatalf("not JSON: %s", data)
	}
	return b.String()
}
