package server_test

import (
	stdjson "encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// The record every strictFixture holds before the refused requests.
const (
	keptTask = "kept"
	keptUUID = "0193f0a0-eeee-7000-8000-000000000005"
)

// strictFixture is a server holding one record, to show that a refused
// ingest changes nothing stored and leaves it readable.
type strictFixture struct {
	ts    *testServer
	kept  string
	fresh int // numbers the good items sent beside refused ones
}

func newStrictFixture(t *testing.T) *strictFixture {
	t.Helper()
	f := &strictFixture{ts: start(t), kept: recordJSON(keptTask, keptUUID, "original")}
	f.ts.ingest(projectA, taskUUID, f.kept)
	return f
}

// requireRefused sends body (an /api/log-ingest body) to /api/log-ingest,
// and to /api/log-ingest/batch as the first item of a batch whose second item
// is good. Both must refuse it with 400 and a message holding each of want;
// the good item is stored, and nothing stored before changed.
func (f *strictFixture) requireRefused(t *testing.T, body string, want ...string) {
	t.Helper()
	msg := f.ts.do(http.MethodPost, "/api/log-ingest", body).requireError(t, http.StatusBadRequest)
	for _, w := range want {
		assert.Contains(t, msg, w, "POST /api/log-ingest")
	}

	f.fresh++
	freshUUID := fmt.Sprintf("0193f0a0-ffff-7000-8000-%012d", f.fresh)
	good := `{"projectUuid":"` + projectB + `","logItem":` + strconvQuote(recordJSON("fresh", freshUUID, "x")) + `}`
	res := batchResults(t, f.ts.do(http.MethodPost, batchPath, "["+body+",\n"+good+"]"))
	require.Len(t, res, 2, "one result per item")
	msg = requireFailed(t, res[0], http.StatusBadRequest)
	for _, w := range want {
		assert.Contains(t, msg, w, "POST /api/log-ingest/batch")
	}
	assert.Equal(t, freshUUID, res[1]["uuid"], "the good item beside the refused one is stored")
	f.requireUnchanged(t)
}

// requireUnchanged checks that the kept record is stored as it was, alone in
// its task and project, and readable by GET and in the listing.
func (f *strictFixture) requireUnchanged(t *testing.T) {
	t.Helper()
	got := f.ts.do(http.MethodGet, "/api/tasks/"+keptTask+"/logs/"+keptUUID, nil)
	require.Equal(t, http.StatusOK, got.status, "body: %s", got.body)
	assert.JSONEq(t, f.kept, string(got.logItem(t)))
	page := f.ts.list(t, "/api/tasks/"+keptTask+"/logs")
	require.Len(t, page.Logs, 1)
	assert.Equal(t, keptUUID, page.Logs[0].UUID)
	assert.Len(t, f.ts.project(t, projectA).Project.Tasks, 1, "no task registered by a refused item")
}

// asString is an ingest body carrying rec as a JSON string (the Hive wire
// format); rec is sent byte for byte, invalid UTF-8 included.
func asString(rec string) string {
	var b strings.Builder
	b.WriteString(`{"projectUuid":"` + projectA + `","logItem":"`)
	for i := 0; i < len(rec); i++ {
		switch c := rec[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString(`"}`)
	return b.String()
}

// asObject is an ingest body carrying rec as an object.
func asObject(rec string) string {
	return `{"projectUuid":"` + projectA + `","logItem":` + rec + `}`
}

// inProjectB moves an ingest body made by asString or asObject to projectB,
// for a record meant to be stored beside a strictFixture's.
func inProjectB(body string) string {
	return strings.Replace(body, projectA, projectB, 1)
}

// readBack is the record a GET answered: its envelope's "logItem" as written.
func readBack(t *testing.T, r response) string {
	t.Helper()
	return string(r.logItem(t))
}

// strictKey reads the task name and uuid of a stored record the way the
// server indexes it: exact keys, strictly.
func strictKey(t *testing.T, record []byte) (taskName, uuid string) {
	t.Helper()
	var k struct {
		TaskName string `json:"taskName"`
		UUID     string `json:"uuid"`
	}
	require.NoError(t, jsonv2.Unmarshal(record, &k), "stored record: %s", record)
	return k.TaskName, k.UUID
}

func TestIngestRefusesDuplicateKeys(t *testing.T) {
	f := newStrictFixture(t)
	records := []struct {
		name, rec, want string
	}{
		{"uuid", `{"uuid":"d-1","taskName":"dup","uuid":"d-2"}`, `logItem.uuid: duplicate key "uuid"`},
		{"taskName", `{"taskName":"dup","uuid":"d-1","taskName":"other"}`, `logItem.taskName: duplicate key "taskName"`},
		{"escaped spelling", `{"\u0075uid":"d-1","taskName":"dup","uuid":"d-2"}`, `logItem.uuid: duplicate key "uuid"`},
		{"unknown key", `{"taskName":"dup","x":1,"x":1}`, `logItem.x: duplicate key "x"`},
		{"nested", `{"taskName":"dup","input":{"a":{"b":1,"b":2}}}`, `logItem.input.a.b: duplicate key "b"`},
		{"metadata", `{"taskName":"dup","metadata":{"k":"v","k":"v"}}`, `logItem.metadata.k: duplicate key "k"`},
		{"in an array", `{"taskName":"dup","boundaries":{"fetch":[{"input":[]},{"input":[],"input":[1]}]}}`,
			`logItem.boundaries.fetch[1].input: duplicate key "input"`},
		{"odd key", `{"taskName":"dup","output":{"a b":1,"a b":2}}`, `logItem.output["a b"]: duplicate key "a b"`},
	}
	for _, c := range records {
		t.Run(c.name+"/string", func(t *testing.T) { f.requireRefused(t, asString(c.rec), c.want) })
		t.Run(c.name+"/object", func(t *testing.T) { f.requireRefused(t, asObject(c.rec), c.want) })
	}
	rec := strconvQuote(recordJSON("dup", "d-1", "x"))
	t.Run("body projectUuid", func(t *testing.T) {
		f.requireRefused(t, `{"projectUuid":"`+projectA+`","logItem":`+rec+`,"projectUuid":"`+projectB+`"}`,
			`projectUuid: duplicate key "projectUuid"`)
	})
	t.Run("body logItem", func(t *testing.T) {
		f.requireRefused(t, `{"logItem":`+rec+`,"logItem":`+rec+`}`, `logItem: duplicate key "logItem"`)
	})
}

func TestIngestMatchesKeysExactly(t *testing.T) {
	f := newStrictFixture(t)
	// A record key spelled in another case, beside the exact one or alone,
	// is refused: a reader matching keys case-insensitively (encoding/json
	// does, taking the last match) would read another uuid or task name than
	// the server indexed.
	for _, c := range []struct{ rec, field, want string }{
		{`{"UUID":"other","uuid":"exact","taskName":"exactTask","type":"success"}`, "UUID", "uuid"},
		{`{"uuid":"exact","TaskName":"otherTask","taskName":"exactTask"}`, "TaskName", "taskName"},
		{`{"uuid":"exact","taskName":"exactTask","taskname":"otherTask"}`, "taskname", "taskName"},
		{`{"TaskName":"t","uuid":"x-1"}`, "TaskName", "taskName"},
		{`{"taskName":"t","uuid":"x-1","Input":{"a":1}}`, "Input", "input"},
		{`{"taskName":"t","uuid":"x-1","BOUNDARIES":{}}`, "BOUNDARIES", "boundaries"},
	} {
		t.Run(c.field, func(t *testing.T) {
			for _, body := range []string{inProjectB(asString(c.rec)), inProjectB(asObject(c.rec))} {
				f.requireRefused(t, body, "logItem."+c.field+": the key differs from \""+c.want+"\" only in case")
			}
		})
	}
	f.ts.do(http.MethodGet, "/api/tasks/exactTask/logs/exact", nil).requireError(t, http.StatusNotFound)
	assert.Empty(t, f.ts.list(t, "/api/tasks/exactTask/logs").Logs)
	assert.Empty(t, f.ts.list(t, "/api/tasks/otherTask/logs").Logs)

	t.Run("unknown keys are kept", func(t *testing.T) {
		rec := `{"uuid":"kept-extra","taskName":"exactTask","type":"success","sdkVersion":"1.2","UUIDs":["a"]}`
		r := f.ts.do(http.MethodPost, "/api/log-ingest", inProjectB(asString(rec)))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		got := f.ts.do(http.MethodGet, "/api/tasks/exactTask/logs/kept-extra", nil)
		require.Equal(t, http.StatusOK, got.status, "body: %s", got.body)
		assert.Equal(t, rec, readBack(t, got), "stored as sent, the unknown keys included")
	})
	t.Run("body key in another case", func(t *testing.T) {
		rec := strconvQuote(recordJSON("caseTask", "c-1", "x"))
		f.requireRefused(t, `{"projectUuid":"`+projectA+`","ProjectUUID":"`+projectB+`","logItem":`+rec+`}`,
			`ProjectUUID: unknown key`, `did you mean "projectUuid"`)
		f.requireRefused(t, `{"projectUUID":"`+projectB+`","logItem":`+rec+`}`, `projectUUID: unknown key`)
		f.requireRefused(t, `{"logitem":`+rec+`}`, `logitem: unknown key`)
	})
	f.requireUnchanged(t)
}

func TestIngestGivesAUUIDThatEveryReaderSees(t *testing.T) {
	f := newStrictFixture(t)
	for _, c := range []struct{ name, rec string }{
		{"absent", `{"taskName":"given","input":{"uuid":"inner"}}`},
		{"null", `{"uuid":null,"taskName":"given"}`},
		{"empty", `{"taskName":"given", "uuid" : "" ,"type":"success"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := f.ts.do(http.MethodPost, "/api/log-ingest", inProjectB(asObject(c.rec)))
			require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
			id, _ := r.json(t)["uuid"].(string)
			require.NotEmpty(t, id)
			got := f.ts.do(http.MethodGet, "/api/tasks/given/logs/"+id, nil)
			require.Equal(t, http.StatusOK, got.status, "body: %s", got.body)
			task, uuid := strictKey(t, got.logItem(t))
			assert.Equal(t, [2]string{"given", id}, [2]string{task, uuid})
			// encoding/json matches keys case-insensitively and takes the last
			// match: the uuid is written where it wins there too.
			var rec otelrecord.ExecutionRecord
			require.NoError(t, stdjson.Unmarshal(got.logItem(t), &rec))
			assert.Equal(t, id, rec.UUID)
		})
	}
	f.requireUnchanged(t)
}

func TestIngestRefusesInvalidUTF8(t *testing.T) {
	f := newStrictFixture(t)
	// A raw byte is refused where it is sent: in the body's logItem string
	// when the record comes as a string, in the record when it comes as an
	// object. An escape is refused in the record either way.
	const inString = "logItem: invalid UTF-8 at byte "
	records := []struct {
		name, rec, wantString, wantObject string
	}{
		{"byte in a value", "{\"taskName\":\"utf\",\"input\":\"a\xffb\"}", inString, "logItem.input: invalid UTF-8 at byte "},
		{"byte in the task name", "{\"taskName\":\"ut\xc3\",\"uuid\":\"u-1\"}", inString, "logItem.taskName: invalid UTF-8"},
		{"byte in a key", "{\"taskName\":\"utf\",\"k\xfe\":1}", inString, "logItem: invalid UTF-8"},
		{"overlong", "{\"taskName\":\"utf\",\"output\":\"\xc0\xaf\"}", inString, "logItem.output: invalid UTF-8"},
		{"encoded surrogate", "{\"taskName\":\"utf\",\"metadata\":{\"m\":\"\xed\xa0\x80\"}}", inString, "logItem.metadata.m: invalid UTF-8"},
		{"escaped lone high surrogate", `{"taskName":"utf","input":"\ud800"}`,
			"logItem.input: invalid UTF-8 at byte 27 of the record", "logItem.input: invalid UTF-8"},
		{"escaped lone low surrogate", `{"taskName":"utf","uuid":"\udc00"}`,
			"logItem.uuid: invalid UTF-8 at byte 26 of the record", "logItem.uuid: invalid UTF-8"},
		{"escaped surrogates reversed", `{"taskName":"utf","input":["\udc00\ud800"]}`,
			"logItem.input[0]: invalid UTF-8", "logItem.input[0]: invalid UTF-8"},
		{"escaped high surrogate then a letter", `{"taskName":"utf","input":{"k":"\ud800\u0041"}}`,
			"logItem.input.k: invalid UTF-8", "logItem.input.k: invalid UTF-8"},
	}
	for _, c := range records {
		t.Run(c.name+"/string", func(t *testing.T) { f.requireRefused(t, asString(c.rec), c.wantString) })
		t.Run(c.name+"/object", func(t *testing.T) { f.requireRefused(t, asObject(c.rec), c.wantObject) })
	}
	t.Run("the offset is the byte's", func(t *testing.T) {
		body := asObject("{\"taskName\":\"utf\",\"input\":\"abc\xffdef\"}")
		f.requireRefused(t, body, fmt.Sprintf("logItem.input: invalid UTF-8 at byte %d", strings.IndexByte(body, 0xff)))
		rec := `{"taskName":"utf","input":"abc\ud800"}`
		f.requireRefused(t, asString(rec), fmt.Sprintf("invalid UTF-8 at byte %d of the record", strings.Index(rec, `\ud800`)))
	})
	t.Run("escaped surrogate in the body's string", func(t *testing.T) {
		// The logItem string itself holds the lone surrogate, not the record.
		f.requireRefused(t, `{"logItem":"{\"taskName\":\"utf\",\"input\":\"\ud800\"}"}`, "logItem: invalid UTF-8", "surrogate")
	})
	t.Run("body field", func(t *testing.T) {
		rec := strconvQuote(recordJSON("utf", "u-2", "x"))
		f.requireRefused(t, "{\"projectName\":\"n\xff\",\"logItem\":"+rec+"}", "projectName: invalid UTF-8")
		f.requireRefused(t, `{"replayFrom":"\udfff","logItem":`+rec+`}`, "replayFrom: invalid UTF-8")
	})
	t.Run("a surrogate pair is a character", func(t *testing.T) {
		r := f.ts.do(http.MethodPost, "/api/log-ingest", inProjectB(asString(`{"taskName":"utf \ud83d\ude00","uuid":"pair"}`)))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Equal(t, "utf \U0001F600", r.json(t)["taskName"])
	})
	assert.Empty(t, f.ts.list(t, "/api/tasks/utf/logs").Logs)
	f.requireUnchanged(t)
}

func TestIngestRefusesUnroutableNames(t *testing.T) {
	f := newStrictFixture(t)
	long := func(n int) string { return strings.Repeat("n", n) }
	names := []struct {
		name, value, want string
	}{
		{"dot", ".", `"." cannot be used as a name`},
		{"dot dot", "..", `".." cannot be used as a name`},
		{"slash", "/", `"/" cannot be used as a name`},
		{"NUL", "a\x00b", "contains a control character (U+0000)"},
		{"tab", "\t", "contains a control character (U+0009)"},
		{"newline", "a\nb", "contains a control character (U+000A)"},
		{"DEL", "a\x7fb", "contains a control character (U+007F)"},
		{"C1 control", "a\u0085b", "contains a control character (U+0085)"},
	}
	encode := func(s string) string { b, _ := stdjson.Marshal(s); return string(b) }
	for _, c := range names {
		t.Run("taskName "+c.name, func(t *testing.T) {
			rec := `{"taskName":` + encode(c.value) + `,"uuid":"r-1"}`
			f.requireRefused(t, asString(rec), "logItem.taskName", c.want)
			f.requireRefused(t, asObject(rec), "logItem.taskName", c.want)
		})
		t.Run("uuid "+c.name, func(t *testing.T) {
			rec := `{"taskName":"routed","uuid":` + encode(c.value) + `}`
			f.requireRefused(t, asString(rec), "logItem.uuid", c.want)
			f.requireRefused(t, asObject(rec), "logItem.uuid", c.want)
		})
		for _, field := range []string{"projectUuid", "taskUuid"} {
			t.Run(field+" "+c.name, func(t *testing.T) {
				f.requireRefused(t, `{"`+field+`":`+encode(c.value)+`,"logItem":`+strconvQuote(recordJSON("routed", "r-2", "x"))+`}`,
					field, c.want)
			})
		}
	}
	t.Run("empty taskName", func(t *testing.T) {
		f.requireRefused(t, asString(`{"taskName":"","uuid":"r-1"}`), "logItem has no taskName")
	})
	t.Run("too long", func(t *testing.T) {
		f.requireRefused(t, asString(`{"taskName":"`+long(513)+`"}`), "logItem.taskName is longer than 512 bytes")
		f.requireRefused(t, asString(`{"taskName":"routed","uuid":"`+long(129)+`"}`), "logItem.uuid is longer than 128 bytes")
		f.requireRefused(t, `{"projectUuid":"`+long(129)+`","logItem":`+strconvQuote(recordJSON("routed", "r-3", "x"))+`}`,
			"projectUuid is longer than 128 bytes")
		f.requireRefused(t, `{"taskUuid":"`+long(129)+`","logItem":`+strconvQuote(recordJSON("routed", "r-3", "x"))+`}`,
			"taskUuid is longer than 128 bytes")
	})
	assert.Empty(t, f.ts.list(t, "/api/tasks/routed/logs").Logs)
	f.requireUnchanged(t)
}

func TestIngestStoresWhatItIndexes(t *testing.T) {
	ts := start(t)
	rec := `{"taskName":"same","uuid":"s-1","input":{"taskName":"inner","uuid":"inner"},"note":"x"}`
	for _, body := range []string{asString(rec), asObject(rec)} {
		r := ts.do(http.MethodPost, "/api/log-ingest", body)
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	}
	got := ts.do(http.MethodGet, "/api/tasks/same/logs/s-1", nil)
	require.Equal(t, http.StatusOK, got.status, "body: %s", got.body)
	assert.Equal(t, rec, readBack(t, got), "stored byte for byte")
	page := ts.list(t, "/api/tasks/same/logs")
	require.Len(t, page.Logs, 1, "the second ingest found it stored")
	task, uuid := strictKey(t, page.Logs[0].LogItem)
	assert.Equal(t, [2]string{page.Logs[0].TaskName, page.Logs[0].UUID}, [2]string{task, uuid})
}
