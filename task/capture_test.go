package task_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

type credentials struct {
	User    string         `json:"user"`
	Profile map[string]any `json:"profile"`
	Keys    []apiKey       `json:"keys"`
}

type apiKey struct {
	Name   string `json:"name"`
	APIKey string `json:"api_key"`
}

type scope struct {
	Scope  string `json:"scope"`
	Cookie string `json:"Set-Cookie"`
}

type grant struct {
	AccessToken string  `json:"accessToken"`
	Scopes      []scope `json:"scopes"`
	SSN         string  `json:"ssn"`
}

// loginInput holds secrets at several depths, inside arrays too.
var loginInput = credentials{
	User:    "ann",
	Profile: map[string]any{"password": "hunter2", "sessions": []any{map[string]any{"token": "t-1", "device": "phone"}}},
	Keys:    []apiKey{{Name: "ci", APIKey: "k-1"}},
}

// secrets are the values no payload leaving the process may hold under the
// default policy.
var secrets = []string{"hunter2", "t-1", "k-1", "at-ann", "sid=1"}

// newLoginTask returns a task whose input, output and boundary payloads hold
// secrets; user "fail" makes the boundary fail.
func newLoginTask(tp trace.TracerProvider, opts ...task.Option) *task.Task[credentials, grant] {
	authorize := boundary.New("authorize", func(_ context.Context, c credentials) (grant, error) {
		if c.User == "fail" {
			return grant{}, errors.New("no such user: fail")
		}
		return grant{AccessToken: "at-" + c.User, Scopes: []scope{{Scope: "read", Cookie: "sid=1"}}, SSN: "078-05-1120"}, nil
	})
	return task.New("login", func(ctx context.Context, in credentials) (grant, error) {
		return authorize.Call(ctx, in)
	}, append([]task.Option{task.WithBoundaries(authorize), task.WithTracerProvider(tp)}, opts...)...)
}

// listen adds a listener to tk that keeps the last record it receives.
func listen[In, Out any](tk *task.Task[In, Out]) func() *otelrecord.ExecutionRecord {
	var mu sync.Mutex
	var last *otelrecord.ExecutionRecord
	tk.AddListener(func(_ context.Context, rec *otelrecord.ExecutionRecord) {
		mu.Lock()
		last = rec
		mu.Unlock()
	})
	return func() *otelrecord.ExecutionRecord {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}

// payloadAttrs returns the payload attributes of every span, by span name
// and key.
func payloadAttrs(spans tracetest.SpanStubs) map[string]string {
	out := make(map[string]string)
	for _, s := range spans {
		for _, kv := range s.Attributes {
			switch kv.Key {
			case otelrecord.TaskInputKey, otelrecord.TaskOutputKey, otelrecord.BoundaryInputKey, otelrecord.BoundaryOutputKey:
				out[s.Name+" "+string(kv.Key)] = kv.Value.AsString()
			}
		}
	}
	return out
}

func requireNoSecret(t *testing.T, what string, s string, secrets ...string) {
	t.Helper()
	for _, v := range secrets {
		require.NotContains(t, s, v, what)
	}
}

func TestRedactionByDefault(t *testing.T) {
	h := newTestProvider(t)
	tk := checkAll(t, h, newLoginTask(h.TracerProvider()))
	heard := listen(tk)

	out, rec, err := tk.SafeRun(context.Background(), loginInput)
	require.NoError(t, err)
	assert.Equal(t, "at-ann", out.AccessToken, "the caller gets the real output")

	// The caller's record is not redacted.
	assert.Contains(t, string(rec.Input), "hunter2")
	assert.Contains(t, string(rec.Boundaries["authorize"][0].Input), "k-1")
	assert.Contains(t, string(rec.Output), "at-ann")

	// The spans are, at every depth, inputs and outputs alike.
	p := payloadAttrs(h.Exporter().GetSpans())
	require.Len(t, p, 4)
	assert.JSONEq(t, `{"user":"ann","profile":{"password":"[REDACTED]","sessions":[{"token":"[REDACTED]","device":"phone"}]},"keys":[{"name":"ci","api_key":"[REDACTED]"}]}`,
		p["login hive.task.input"])
	assert.JSONEq(t, `{"accessToken":"[REDACTED]","scopes":[{"scope":"read","Set-Cookie":"[REDACTED]"}],"ssn":"078-05-1120"}`,
		p["login hive.task.output"])
	assert.JSONEq(t, `[`+p["login hive.task.input"]+`]`, p["authorize hive.boundary.input"])
	assert.JSONEq(t, p["login hive.task.output"], p["authorize hive.boundary.output"])

	// So are the records rebuilt from them and the one listeners receive.
	rebuilt := h.Records(t)
	require.Len(t, rebuilt, 1)
	b, err := json.Marshal(rebuilt[0])
	require.NoError(t, err)
	requireNoSecret(t, "rebuilt record", string(b), secrets...)
	b, err = json.Marshal(heard())
	require.NoError(t, err)
	requireNoSecret(t, "listener's record", string(b), secrets...)
	h.AssertRebuilt(t, rec) // the returned record, redacted, equals the rebuilt one
}

func TestRedactKeysAndFunc(t *testing.T) {
	h := newTestProvider(t)
	maskUser := func(path []string, key string, value json.RawMessage) (json.RawMessage, bool) {
		if key == "user" && len(path) == 0 {
			return json.RawMessage(`"a**"`), true
		}
		return nil, false
	}
	tk := checkAll(t, h, newLoginTask(h.TracerProvider(), task.WithRedactKeys("SSN"), task.WithRedactKeys("device"), task.WithRedactFunc(maskUser)))

	_, rec, err := tk.SafeRun(context.Background(), loginInput)
	require.NoError(t, err)
	assert.Contains(t, string(rec.Output), "078-05-1120", "the caller's record is not redacted")

	p := payloadAttrs(h.Exporter().GetSpans())
	assert.JSONEq(t, `{"user":"a**","profile":{"password":"[REDACTED]","sessions":[{"token":"[REDACTED]","device":"[REDACTED]"}]},"keys":[{"name":"ci","api_key":"[REDACTED]"}]}`,
		p["login hive.task.input"])
	assert.JSONEq(t, `[{"user":"ann","profile":{"password":"[REDACTED]","sessions":[{"token":"[REDACTED]","device":"[REDACTED]"}]},"keys":[{"name":"ci","api_key":"[REDACTED]"}]}]`,
		p["authorize hive.boundary.input"], "the path of a call's argument starts with its index")
	assert.JSONEq(t, `{"accessToken":"[REDACTED]","scopes":[{"scope":"read","Set-Cookie":"[REDACTED]"}],"ssn":"[REDACTED]"}`,
		p["authorize hive.boundary.output"])

	same := otelrecord.NewRedactor(otelrecord.RedactPolicy{Keys: []string{"ssn", "device"}, Func: maskUser})
	h.AssertRebuiltRedacted(t, rec, same)
}

func TestCapturePayloadsOff(t *testing.T) {
	h := newTestProvider(t)
	tk := checkAll(t, h, newLoginTask(h.TracerProvider(), task.WithCapturePayloads(false)))
	heard := listen(tk)

	out, rec, err := tk.SafeRun(context.Background(), loginInput)
	require.NoError(t, err)
	assert.Equal(t, "at-ann", out.AccessToken)
	assert.Contains(t, string(rec.Input), "hunter2", "the caller's record keeps its payloads")
	for k, v := range payloadAttrs(h.Exporter().GetSpans()) {
		assert.Equal(t, `"[REDACTED]"`, v, k)
	}
	lr := heard()
	assert.Equal(t, `"[REDACTED]"`, string(lr.Input))
	assert.Equal(t, `"[REDACTED]"`, string(lr.Output))
	require.Len(t, lr.Boundaries["authorize"], 1, "the calls are kept")
	assert.NotNil(t, lr.Boundaries["authorize"][0].Timing, "and their timing")

	// Errors are kept; an absent output stays absent.
	_, rec, err = tk.SafeRun(context.Background(), credentials{User: "fail"})
	require.EqualError(t, err, "no such user: fail")
	lr = heard()
	assert.Equal(t, otelrecord.TypeError, lr.Type)
	assert.Equal(t, "no such user: fail", lr.Error)
	assert.Nil(t, lr.Output)
	call := lr.Boundaries["authorize"][0]
	assert.Equal(t, `"[REDACTED]"`, string(call.Input))
	assert.Nil(t, call.Output)
	assert.Equal(t, "no such user: fail", call.Error)
	assert.NotEqual(t, `"[REDACTED]"`, string(rec.Input))
}

// TestCaptureEnvironment runs the test binary again with HIVE_REDACT_KEYS
// and HIVE_CAPTURE_PAYLOADS set, which a process reads once.
func TestCaptureEnvironment(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the test binary twice")
	}
	for _, env := range [][]string{
		{"HIVE_REDACT_KEYS=ssn, Device", "HIVETRACE_CAPTURE_CHILD=keys"},
		{"HIVE_CAPTURE_PAYLOADS=false", "HIVETRACE_CAPTURE_CHILD=off"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCaptureEnvironmentChild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%v:\n%s", env, out)
		require.Contains(t, string(out), "--- PASS: TestCaptureEnvironmentChild", "%v:\n%s", env, out)
	}
}

func TestCaptureEnvironmentChild(t *testing.T) {
	mode := os.Getenv("HIVETRACE_CAPTURE_CHILD")
	if mode == "" {
		t.Skip("run by TestCaptureEnvironment")
	}
	h := newTestProvider(t)
	tk := checkAll(t, h, newLoginTask(h.TracerProvider()))
	_, rec, err := tk.SafeRun(context.Background(), loginInput)
	require.NoError(t, err)
	assert.Contains(t, string(rec.Output), "078-05-1120", "the caller's record is not redacted")
	p := payloadAttrs(h.Exporter().GetSpans())
	require.Len(t, p, 4)
	switch mode {
	case "keys":
		assert.JSONEq(t, `{"accessToken":"[REDACTED]","scopes":[{"scope":"read","Set-Cookie":"[REDACTED]"}],"ssn":"[REDACTED]"}`, p["login hive.task.output"])
		assert.Contains(t, p["login hive.task.input"], `"device":"[REDACTED]"`)
	case "off":
		for k, v := range p {
			assert.Equal(t, `"[REDACTED]"`, v, k)
		}
	}
	h.AssertRebuilt(t, rec) // the fidelity harness redacts by the same environment
}

// TestReplayOfARedactedRecord: a redacted record replays its redacted values
// as they are (RedactedValue), and a live input holding a secret finds no
// recording of it.
func TestReplayOfARedactedRecord(t *testing.T) {
	h := newTestProvider(t)
	tk := newLoginTask(h.TracerProvider())
	_, _, err := tk.SafeRun(context.Background(), loginInput)
	require.NoError(t, err)
	rebuilt := h.Records(t)
	require.Len(t, rebuilt, 1)

	// From the redacted record alone: its input and its calls agree.
	out, _, err := tk.SafeReplay(context.Background(), rebuilt[0], task.ReplayConfig{Boundaries: map[string]boundary.Mode{"authorize": boundary.Replay}})
	require.NoError(t, err)
	assert.Equal(t, otelrecord.RedactedValue, out.AccessToken, "a redacted value replays as the marker")
	assert.Equal(t, "078-05-1120", out.SSN)

	// A live input does not match the redacted recording.
	live := newLoginTask(h.TracerProvider(), task.WithTape(rebuilt[0].Boundaries), task.WithMode(boundary.Replay))
	_, _, err = live.SafeRun(context.Background(), loginInput)
	require.ErrorIs(t, err, boundary.ErrNoRecording)
	assert.True(t, strings.Contains(err.Error(), "authorize"), err.Error())
}

func TestGlobalListenersReceiveRedacted(t *testing.T) {
	got := make(chan *otelrecord.ExecutionRecord, 1)
	h := newTestProvider(t)
	tk := checkAll(t, h, newLoginTask(h.TracerProvider()))
	var once sync.Once
	remove := task.ListenExecutionRecords(func(_ context.Context, rec *otelrecord.ExecutionRecord) {
		if rec.TaskName == "login" {
			once.Do(func() { got <- rec })
		}
	})
	defer remove()
	_, rec, err := tk.SafeRun(context.Background(), loginInput)
	require.NoError(t, err)
	lr := <-got
	assert.Equal(t, rec.UUID, lr.UUID)
	b, err := json.Marshal(lr)
	require.NoError(t, err)
	requireNoSecret(t, "global listener's record", string(b), secrets...)
	assert.Contains(t, string(rec.Input), "hunter2", "the caller's record is not redacted")
}
