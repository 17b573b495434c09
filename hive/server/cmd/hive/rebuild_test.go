package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpjson"
)

// fixtureTrace is the id of the trace in testdata/jaeger_trace.json: one run
// of getUserReport with two fetchUser calls.
const fixtureTrace = "4bf92f3577b34da6a3ce929d0e0e4736"

// fakeJaeger serves testdata/jaeger_trace.json for fixtureTrace the way
// Jaeger's query API v3 does, a 404 for other ids, and answers every id
// starting with "5" with a 500.
func fakeJaeger(t *testing.T) string {
	t.Helper()
	body, err := os.ReadFile("testdata/jaeger_trace.json")
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutPrefix(r.URL.Path, "/api/v3/traces/")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case ok && id == fixtureTrace:
			_, _ = w.Write(body)
		case ok && strings.HasPrefix(id, "5"):
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":{"httpCode":500,"message":"storage down"}}`))
		case ok && strings.HasPrefix(id, "e"):
			_, _ = w.Write([]byte(`{"result":{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"` + id +
				`","spanId":"00f067aa0ba902b7","name":"plain","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"httpCode":404,"message":"trace not found"}}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// fixtureRecord is the record the fixture trace rebuilds to.
func fixtureRecord(t *testing.T) *otelrecord.ExecutionRecord {
	t.Helper()
	body, err := os.ReadFile("testdata/jaeger_trace.json")
	require.NoError(t, err)
	spans, err := otlpjson.Spans(body)
	require.NoError(t, err)
	recs, err := otelrecord.Rebuild(spans)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	return recs[0]
}

func TestRebuildPrints(t *testing.T) {
	clearEnv(t)
	jaeger := fakeJaeger(t)
	want := fixtureRecord(t)

	code, out, stderr := runCmd(t, "rebuild", "--jaeger", jaeger+"/", "--trace", strings.ToUpper(fixtureTrace))
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "hive rebuild: 1 trace read, 1 record rebuilt, 0 incomplete\n", stderr, "a summary, and no progress line off a terminal")
	dec := json.NewDecoder(strings.NewReader(out))
	var got otelrecord.ExecutionRecord
	require.NoError(t, dec.Decode(&got), "the output starts with the record")
	assertSameJSON(t, want, &got)
	table := out[dec.InputOffset():]
	assert.Contains(t, table, "fetchUser")
	assert.Contains(t, table, "error: user 99 not found", "the timing table lists the failed call")

	code, out, stderr = runCmd(t, "rebuild", "--jaeger", jaeger, "--json", "--trace", fixtureTrace)
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 1, "one JSON line per record")
	got = otelrecord.ExecutionRecord{}
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &got))
	assertSameJSON(t, want, &got)
}

func TestRebuildFailures(t *testing.T) {
	clearEnv(t)
	jaeger := fakeJaeger(t)
	missing := "0af7651916cd43dd8448eb211c80319c"
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr string
		stdout string
	}{
		{"no trace flag", []string{"--jaeger", jaeger}, exitUsage, "--trace or --service is required", ""},
		{"bad trace id", []string{"--trace", "xyz"}, exitUsage, "want 32 hex digits", ""},
		{"zero trace id", []string{"--trace", strings.Repeat("0", 32)}, exitUsage, "want 32 hex digits", ""},
		{"bad jaeger url", []string{"--jaeger", "ftp://x", "--trace", fixtureTrace}, exitUsage, "not an absolute http or https URL", ""},
		{"jaeger url with a query", []string{"--jaeger", "http://x/?a=1", "--trace", fixtureTrace}, exitUsage, "must not carry a query", ""},
		{"bad timeout", []string{"--timeout", "0s", "--trace", fixtureTrace}, exitUsage, "--timeout", ""},
		{"extra argument", []string{"--trace", fixtureTrace, "extra"}, exitUsage, "unexpected arguments", ""},
		{"send without credentials", []string{"--trace", fixtureTrace, "--send"}, exitUsage, "no credentials", ""},
		{"unknown trace", []string{"--jaeger", jaeger, "--trace", missing}, exitError, "trace not found", ""},
		{"jaeger error", []string{"--jaeger", jaeger, "--trace", "5" + missing[1:]}, exitError, "storage down", ""},
		{"no task run", []string{"--jaeger", jaeger, "--trace", "e" + missing[1:]}, exitError, "no task run in its 1 spans", ""},
		{"summary after failures", []string{"--jaeger", jaeger, "--trace", missing + ",e" + missing[1:]}, exitError, "1 trace read (1 without a task run), 0 records rebuilt", ""},
		// One good trace and one missing: the good one is still printed.
		{"partial", []string{"--jaeger", jaeger, "--trace", fixtureTrace + "," + missing}, exitError, "trace not found", `"taskName": "getUserReport"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, stderr := runCmd(t, append([]string{"rebuild"}, c.args...)...)
			assert.Equal(t, c.code, code)
			assert.Contains(t, stderr, c.stderr)
			assert.Contains(t, out, c.stdout)
		})
	}

	// Nothing listens on the port of a closed server.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	code, _, stderr := runCmd(t, "rebuild", "--jaeger", closed.URL, "--trace", fixtureTrace)
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "connect")
}

func TestRebuildSend(t *testing.T) {
	clearEnv(t)
	jaeger := fakeJaeger(t)
	want := fixtureRecord(t)
	t.Setenv("HIVE_API_KEY", testKey)
	t.Setenv("HIVE_API_SECRET", testSecret) // for the server and the client
	s := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hive.db"))
	t.Setenv("HIVE_HOST", s.url)
	t.Setenv("HIVE_PROJECT_UUID", projectUUID)

	code, out, stderr := runCmd(t, "rebuild", "--jaeger", jaeger, "--trace", fixtureTrace, "--send")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "sent "+want.UUID+" (task getUserReport)\n", out)
	assert.Equal(t, "hive rebuild: 1 trace read, 1 record rebuilt, 0 incomplete, 1 sent, 0 already stored\n", stderr)

	// Sending again stores nothing new, and says so.
	code, out, stderr = runCmd(t, "rebuild", "--jaeger", jaeger, "--trace", fixtureTrace, "--send")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "already stored "+want.UUID+" (task getUserReport)\n", out)
	assert.Contains(t, stderr, "0 sent, 1 already stored")

	code, out, stderr = runCmd(t, "logs", "show", "getUserReport", want.UUID)
	require.Equal(t, exitOK, code, stderr)
	var got otelrecord.ExecutionRecord
	require.NoError(t, json.NewDecoder(strings.NewReader(out)).Decode(&got))
	assertSameJSON(t, want, &got)

	code, out, stderr = runCmd(t, "logs", "list", "--task", "getUserReport")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, 1, strings.Count(out, want.UUID), "stored once: %s", out)

	// Without a project nothing can be sent: a usage error, before Jaeger
	// is asked anything.
	t.Setenv("HIVE_PROJECT_UUID", "")
	code, _, stderr = runCmd(t, "rebuild", "--jaeger", "http://127.0.0.1:1", "--trace", fixtureTrace, "--send")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--send needs a project")

	// A server that cannot be reached: the record is not sent.
	t.Setenv("HIVE_PROJECT_UUID", projectUUID)
	t.Setenv("HIVE_HOST", "http://127.0.0.1:1")
	code, out, stderr = runCmd(t, "rebuild", "--jaeger", jaeger, "--trace", fixtureTrace, "--send")
	assert.Equal(t, exitError, code)
	assert.Empty(t, out)
	assert.Contains(t, stderr, "send "+want.UUID)
	assert.Contains(t, stderr, "0 sent, 0 already stored, 1 not sent")
}

// assertSameJSON requires two records to encode to the same JSON, key order
// and spacing aside.
func assertSameJSON(t *testing.T, want, got *otelrecord.ExecutionRecord) {
	t.Helper()
	wb, err := json.Marshal(want)
	require.NoError(t, err)
	gb, err := json.Marshal(got)
	require.NoError(t, err)
	require.JSONEq(t, string(wb), string(gb))
}

func TestRebuildHelp(t *testing.T) {
	clearEnv(t)
	code, out, _ := runCmd(t, "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "hive rebuild --trace ID")
	assert.Contains(t, out, "hive rebuild --service NAME --since 2h")
	for _, args := range [][]string{{"rebuild", "--help"}, {"help", "rebuild"}} {
		code, out, _ := runCmd(t, args...)
		assert.Equal(t, exitOK, code, args)
		for _, w := range []string{"hive rebuild --trace TRACE_ID", "hive rebuild --service NAME --since TIME", "/api/v3/traces/", "query.service_name",
			"-jaeger", "-trace", "-service name", "-since time", "-until time", "-limit N", "-send", "-json", "-host", "already stored"} {
			assert.Contains(t, out, w, args)
		}
	}
}
