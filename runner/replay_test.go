package runner_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/runner"
	"github.com/hivetrace/hivetrace/task"
)

// recorded runs the quote task for real and returns its record.
func recorded(t *testing.T, s *shop, item string) *otelrecord.ExecutionRecord {
	t.Helper()
	_, rec, _ := s.quote.SafeRun(t.Context(), PriceInput{Item: item, Qty: 2})
	return rec
}

func writeFile(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "record.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// replayReport is the part of replay --json the tests read.
type replayReport struct {
	Task   string `json:"task"`
	Source struct {
		Kind, UUID, TraceID, URL, Path, Format string
	} `json:"source"`
	Modes    map[string]string `json:"modes"`
	Original struct {
		UUID  string                `json:"uuid"`
		Type  otelrecord.RecordType `json:"type"`
		Error string                `json:"error"`
	} `json:"original"`
	Replayed   *otelrecord.ExecutionRecord `json:"replayed"`
	Reproduced bool                        `json:"reproduced"`
}

func TestReplayFileReproducesFailingRun(t *testing.T) {
	c := newCLI(t)
	rec := recorded(t, c.shop, "plum")
	require.Equal(t, otelrecord.TypeError, rec.Type)
	path := writeFile(t, rec)
	c.shop.realCalls = 0

	require.Equal(t, runner.ExitOK, c.run(t, "replay", "quote", "--file", path), c.err())
	out := c.out()
	assert.Contains(t, out, "record "+rec.UUID+" of quote, from record file "+path+"\n")
	assert.Contains(t, out, `input:    {"item":"plum","qty":2}`)
	assert.Contains(t, out, "modes:    fetchPrice=replay\n")
	assert.Contains(t, out, "original: error: no price for plum\n")
	assert.Contains(t, out, "replayed: error: no price for plum\n")
	assert.Contains(t, out, "reproduced: same outcome")
	assert.Zero(t, c.shop.realCalls, "a replay reaches no real boundary")

	require.Equal(t, runner.ExitOK, c.run(t, "replay", "quote", "--file", path, "--json"))
	var rep replayReport
	require.NoError(t, json.Unmarshal(c.stdout.Bytes(), &rep), c.out())
	assert.True(t, rep.Reproduced)
	assert.Equal(t, "file", rep.Source.Kind)
	assert.Equal(t, "record", rep.Source.Format)
	assert.Equal(t, rec.UUID, rep.Original.UUID)
	assert.Equal(t, "no price for plum", rep.Replayed.Error)
	assert.Equal(t, map[string]string{"fetchPrice": "replay"}, rep.Modes)
}

func TestReplayDetectsDifferentOutcome(t *testing.T) {
	c := newCLI(t)
	rec := recorded(t, c.shop, "apple")
	rec.Output = json.RawMessage(`{"item":"apple","total":99}`)
	path := writeFile(t, rec)

	assert.Equal(t, runner.ExitFailure, c.run(t, "replay", "quote", "--file", path))
	assert.Contains(t, c.out(), `original: success: {"item":"apple","total":99}`)
	assert.Contains(t, c.out(), `replayed: success: {"item":"apple","total":1}`)
	assert.Contains(t, c.out(), "NOT reproduced")

	assert.Equal(t, runner.ExitFailure, c.run(t, "replay", "quote", "--file", path, "--json"))
	var rep replayReport
	require.NoError(t, json.Unmarshal(c.stdout.Bytes(), &rep))
	assert.False(t, rep.Reproduced)
}

func TestReplayModes(t *testing.T) {
	c := newCLI(t)
	rec := recorded(t, c.shop, "apple")
	// The recording says 10 an apple; proxy asks the real function (0.5).
	rec.Boundaries["fetchPrice"][0].Output = json.RawMessage(`10`)
	rec.Output = json.RawMessage(`{"item":"apple","total":20}`)
	path := writeFile(t, rec)

	require.Equal(t, runner.ExitOK, c.run(t, "replay", "quote", "--file", path), c.err())
	c.shop.realCalls = 0
	require.Equal(t, runner.ExitFailure, c.run(t, "replay", "quote", "--file", path, "--mode", "fetchPrice=proxy"))
	assert.Contains(t, c.out(), "modes:    fetchPrice=proxy\n")
	assert.Contains(t, c.out(), `replayed: success: {"item":"apple","total":1}`)
	assert.Equal(t, 1, c.shop.realCalls)
	require.Equal(t, runner.ExitFailure, c.run(t, "replay", "quote", "--file", path, "--all", "proxy"))
	assert.Contains(t, c.out(), "modes:    fetchPrice=as configured\n")
	require.Equal(t, runner.ExitOK, c.run(t, "replay", "quote", "--file", path, "--mode", "fetchPrice=proxy-pass"))
}

func TestReplayUsageErrors(t *testing.T) {
	c := newCLI(t)
	path := writeFile(t, recorded(t, c.shop, "apple"))
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"replay", "quote"}, "give one of --uuid, --trace and --file (got 0)"},
		{[]string{"replay", "quote", "--file", path, "--uuid", "u"}, "(got 2)"},
		{[]string{"replay", "quote", "--file", path, "--trace", "4bf92f3577b34da6a3ce929d0e0e4736"}, "(got 2)"},
		{[]string{"replay", "--file", path}, "replay takes one task name"},
		{[]string{"replay", "nope", "--file", path}, `unknown task "nope"`},
		{[]string{"replay", "greet", "--file", path}, `is a run of "quote", not of "greet"`},
		{[]string{"replay", "quote", "--file", path, "--mode", "sendMail=replay"}, `task quote has no boundary "sendMail" (boundaries: fetchPrice)`},
		{[]string{"replay", "quote", "--file", path, "--mode", "fetchPrice=sideways"}, "boundary: invalid mode"},
		{[]string{"replay", "quote", "--file", path, "--mode", "fetchPrice"}, "want name=mode"},
		{[]string{"replay", "quote", "--file", path, "--all", "never"}, "--all: boundary: invalid mode"},
		{[]string{"replay", "quote", "--trace", "xyz", "--jaeger", "http://127.0.0.1:1"}, "want 32 hex digits"},
		{[]string{"replay", "quote", "--trace", "4bf92f3577b34da6a3ce929d0e0e4736", "--jaeger", "ftp://x"}, "--jaeger"},
	} {
		assert.Equal(t, runner.ExitUsage, c.run(t, tt.args...), "%v", tt.args)
		assert.Contains(t, c.err(), tt.msg, "%v", tt.args)
	}

	assert.Equal(t, runner.ExitFailure, c.run(t, "replay", "quote", "--file", filepath.Join(t.TempDir(), "missing.json")))
	assert.Contains(t, c.err(), "read record file")
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`[1,2]`), 0o600))
	assert.Equal(t, runner.ExitFailure, c.run(t, "replay", "quote", "--file", bad))
	assert.Contains(t, c.err(), "not a record, envelope or fixture")
}

func TestReplayFixtureFile(t *testing.T) {
	c := newCLI(t)
	rec := recorded(t, c.shop, "pear")
	fixture := map[string]any{"fixture": map[string]any{
		"fixtureUUID": "0193aaaa-0000-7000-8000-00000000f1f1", "name": "pear quote", "taskName": "quote", "projectName": "shop",
		"type": "success", "input": rec.Input, "output": rec.Output, "boundaries": rec.Boundaries, "context": map[string]any{},
	}}
	require.Equal(t, runner.ExitOK, c.run(t, "replay", "quote", "--file", writeFile(t, fixture), "--json"), c.err())
	var rep replayReport
	require.NoError(t, json.Unmarshal(c.stdout.Bytes(), &rep))
	assert.True(t, rep.Reproduced)
	assert.Equal(t, "wrapped fixture", rep.Source.Format)
	assert.Equal(t, "0193aaaa-0000-7000-8000-00000000f1f1", rep.Original.UUID)
}

// fakeHive answers GET /api/tasks/{task}/logs/{uuid} with the SDK envelope
// of the records it holds, behind the test credentials.
func fakeHive(t *testing.T, recs ...*otelrecord.ExecutionRecord) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/tasks/{task}/logs/{uuid}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer key-1:secret-1" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"unauthorized","status":401}`))
			return
		}
		for _, rec := range recs {
			if rec.UUID == r.PathValue("uuid") && rec.TaskName == r.PathValue("task") {
				_ = json.NewEncoder(w).Encode(map[string]any{"uuid": rec.UUID, "taskName": rec.TaskName, "projectName": "p", "logItem": rec})
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"not found","status":404}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestReplayFromHive(t *testing.T) {
	s := newShop()
	rec := recorded(t, s, "plum")
	host := fakeHive(t, rec)
	t.Setenv(hive.EnvHost, host)
	t.Setenv(hive.EnvAPIKey, "key-1")
	t.Setenv(hive.EnvAPISecret, "")
	t.Setenv(hive.EnvProjectUUID, "")
	t.Setenv(hive.EnvForgePath, "")
	secretFile := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(secretFile, []byte("secret-1\n"), 0o600))
	t.Setenv(runner.EnvAPISecretFile, secretFile)

	c := newCLI(t)
	require.Equal(t, runner.ExitOK, c.run(t, "replay", "quote", "--uuid", rec.UUID), c.err())
	assert.Contains(t, c.out(), "record "+rec.UUID+" of quote, from Hive at "+host)
	assert.Contains(t, c.out(), "reproduced")

	assert.Equal(t, runner.ExitFailure, c.run(t, "replay", "quote", "--uuid", "0193aaaa-0000-7000-8000-00000000dead"))
	assert.Contains(t, c.err(), "not found")

	t.Setenv(hive.EnvAPISecret, "secret-1")
	assert.Equal(t, runner.ExitUsage, c.run(t, "replay", "quote", "--uuid", rec.UUID))
	assert.Contains(t, c.err(), "both HIVE_API_SECRET and HIVE_API_SECRET_FILE are set")
	t.Setenv(hive.EnvAPISecret, "")
	require.NoError(t, os.WriteFile(secretFile, []byte("two\nlines\n"), 0o600))
	assert.Equal(t, runner.ExitUsage, c.run(t, "replay", "quote", "--uuid", rec.UUID))
	assert.Contains(t, c.err(), "must hold the secret alone, on one line")

	t.Setenv(runner.EnvAPISecretFile, "")
	assert.Equal(t, runner.ExitUsage, c.run(t, "replay", "quote", "--uuid", rec.UUID))
	assert.Contains(t, c.err(), "--uuid reads from Hive: set HIVE_API_KEY and HIVE_API_SECRET (or HIVE_API_SECRET_FILE)")

	c = newCLI(t, runner.WithHive(hive.Config{APISecret: "wrong"}))
	assert.Equal(t, runner.ExitFailure, c.run(t, "replay", "quote", "--uuid", rec.UUID))
	assert.Contains(t, c.err(), "401")
}

func TestReplayFromJaeger(t *testing.T) {
	// otelrecord's Jaeger fixture: a run of getUserReport that called
	// fetchUser(1), then fetchUser(99), which failed, and returned null.
	trace, err := os.ReadFile(filepath.Join("..", "otelrecord", "testdata", "jaeger_trace.json"))
	require.NoError(t, err)
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v3/traces/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != traceID {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"httpCode":404,"message":"trace not found"}}`))
			return
		}
		_, _ = w.Write(trace)
	})
	jaeger := httptest.NewServer(mux)
	t.Cleanup(jaeger.Close)

	fetchUser := boundary.New("fetchUser", func(context.Context, int) (map[string]any, error) { panic("never called in a replay") })
	clock := boundary.New("clock", func(context.Context, struct{}) (int64, error) { panic("never called in a replay") })
	report := task.New("getUserReport", func(ctx context.Context, in struct {
		UserID int `json:"userId"`
	}) (any, error) {
		if _, err := fetchUser.Call(ctx, in.UserID); err != nil {
			return nil, err
		}
		_, _ = fetchUser.Call(ctx, 99)
		return nil, nil
	}, task.WithBoundaries(fetchUser, clock))

	c := newCLI(t, runner.WithJaegerURL(jaeger.URL))
	require.NoError(t, c.r.Register(report))
	require.Equal(t, runner.ExitOK, c.run(t, "replay", "getUserReport", "--trace", traceID, "--json"), c.err())
	var rep replayReport
	require.NoError(t, json.Unmarshal(c.stdout.Bytes(), &rep))
	assert.True(t, rep.Reproduced)
	assert.Equal(t, "jaeger", rep.Source.Kind)
	assert.Equal(t, traceID, rep.Source.TraceID)
	assert.Equal(t, "0196d5a0-7c1e-7b3a-9e1f-2f7c9d1a0b11", rep.Original.UUID)
	require.Len(t, rep.Replayed.Boundaries["fetchUser"], 2)
	assert.Equal(t, "user 99 not found", rep.Replayed.Boundaries["fetchUser"][1].Error)

	const runUUID = "0196d5a0-7c1e-7b3a-9e1f-2f7c9d1a0b11"
	require.Equal(t, runner.ExitOK, c.run(t, "replay", "getUserReport", "--trace", traceID, "--uuid", runUUID), c.err())
	assert.Equal(t, runner.ExitFailure, c.run(t, "replay", "getUserReport", "--trace", traceID, "--uuid", "0196d5a0-0000-7000-8000-000000000000"))
	assert.Contains(t, c.err(), "holds no run of getUserReport 0196d5a0-0000-7000-8000-000000000000 (runs: getUserReport "+runUUID+")")
	assert.Equal(t, runner.ExitFailure, c.run(t, "replay", "quote", "--trace", traceID))
	assert.Contains(t, c.err(), "holds no run of quote (runs: getUserReport "+runUUID+")")
	assert.Equal(t, runner.ExitFailure, c.run(t, "replay", "quote", "--trace", "0123456789abcdef0123456789abcdef"))
	assert.Contains(t, c.err(), "fetch trace 0123456789abcdef0123456789abcdef")
}
