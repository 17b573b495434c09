package task_test

import (
	"context"
	"encoding/json"
	"os"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

type tsInput struct {
	UserID  int `json:"userId" validate:"required"`
	Options struct {
		Verbose bool     `json:"verbose"`
		Tags    []string `json:"tags"`
	} `json:"options"`
}

type tsUser struct {
	ID    int     `json:"id"`
	Name  string  `json:"name"`
	Score float64 `json:"score"`
}

// newTSTask mirrors the TypeScript task of the fixture: fetch a user, email
// them, report the score.
func newTSTask(tp trace.TracerProvider, fetched, emailed *atomic.Int64) *task.Task[tsInput, *tsUser] {
	fetch := boundary.New("fetchUser", func(_ context.Context, id int) (tsUser, error) {
		fetched.Add(1)
		return tsUser{ID: id, Name: "live", Score: 1}, nil
	})
	email := boundary.New("sendEmail", func(_ context.Context, to string) (bool, error) {
		emailed.Add(1)
		return true, nil
	})
	return task.New("getUserReport", func(ctx context.Context, in tsInput) (*tsUser, error) {
		u, err := fetch.Call(ctx, in.UserID)
		if err != nil {
			return nil, err
		}
		if _, err := email.Call(ctx, u.Name); err != nil {
			return nil, err
		}
		if err := task.SetMetrics(ctx, otelrecord.Metric{Type: "business", Name: "replayed", Value: u.Score}); err != nil {
			return nil, err
		}
		return &u, nil
	}, task.WithBoundaries(fetch, email), task.WithTracerProvider(tp))
}

func loadTSRecord(t *testing.T) ([]byte, *otelrecord.ExecutionRecord) {
	t.Helper()
	raw, err := os.ReadFile("testdata/typescript_record.json")
	require.NoError(t, err)
	var rec otelrecord.ExecutionRecord
	require.NoError(t, json.Unmarshal(raw, &rec))
	return raw, &rec
}

func TestTypeScriptRecordRoundTrip(t *testing.T) {
	raw, rec := loadTSRecord(t)
	back, err := json.Marshal(rec)
	require.NoError(t, err)
	assert.JSONEq(t, string(raw), string(back))
	assert.Equal(t, json.RawMessage("null"), rec.Output, "explicit null output kept")
	assert.NotNil(t, rec.Boundaries["sendEmail"])
	assert.InDelta(t, 7.612541, rec.Timing.Duration, 1e-9)
}

func TestSafeReplayMixedModes(t *testing.T) {
	h := newTestProvider(t)
	_, old := loadTSRecord(t)
	var fetched, emailed atomic.Int64
	tk := checkAll(t, h, newTSTask(h.TracerProvider(), &fetched, &emailed))

	out, rec, err := tk.SafeReplay(context.Background(), old, task.ReplayConfig{
		Boundaries: map[string]boundary.Mode{"fetchUser": boundary.Replay},
	})
	require.NoError(t, err)
	require.NotNil(t, out)
	assert.Equal(t, tsUser{ID: 1, Name: "Ada", Score: 10.25}, *out, "fetchUser answered from the record")
	assert.Zero(t, fetched.Load(), "replayed boundary not called")
	assert.Equal(t, int64(1), emailed.Load(), "proxy boundary called afresh")

	assert.NotEqual(t, old.UUID, rec.UUID)
	assert.JSONEq(t, string(old.Input), string(rec.Input))
	require.Len(t, rec.Boundaries["fetchUser"], 1)
	got := rec.Boundaries["fetchUser"][0]
	want := old.Boundaries["fetchUser"][0]
	assert.JSONEq(t, string(want.Input), string(got.Input))
	assert.JSONEq(t, string(want.Output), string(got.Output), "keeps the record's call log")
	require.Len(t, rec.Boundaries["sendEmail"], 1)
	assert.JSONEq(t, `["Ada"]`, string(rec.Boundaries["sendEmail"][0].Input))

	// Metadata and metrics start from the record's.
	assert.Equal(t, "req-1", rec.Metadata["requestId"])
	assert.Equal(t, "production", rec.Metadata["environment"])
	assert.NotEmpty(t, rec.Metadata[otelrecord.MetadataTraceID])
	require.Len(t, rec.Metrics, 3)
	assert.Equal(t, old.Metrics, rec.Metrics[:2])
	assert.Equal(t, "replayed", rec.Metrics[2].Name)

	spans := h.Exporter().GetSpans()
	ts := spans[len(spans)-1]
	assert.Equal(t, old.UUID, attrs(ts)[otelrecord.TaskReplayFromKey].AsString())
	fs := spanNamed(t, spans, "fetchUser")
	assert.True(t, attrs(fs)[otelrecord.BoundaryFromTapeKey].AsBool())
	assert.Equal(t, "replay", attrs(fs)[otelrecord.BoundaryModeKey].AsString())
	h.AssertRebuilt(t, rec)

	// The replayed record replays again to the same answer.
	out2, _, err := tk.SafeReplay(context.Background(), rec, task.ReplayConfig{
		Boundaries: map[string]boundary.Mode{"fetchUser": boundary.Replay, "sendEmail": boundary.Replay},
	})
	require.NoError(t, err)
	assert.Equal(t, *out, *out2)
	assert.Equal(t, int64(1), emailed.Load())
}

func TestSafeReplayMissAndValidation(t *testing.T) {
	h := newTestProvider(t)
	_, old := loadTSRecord(t)
	var fetched, emailed atomic.Int64
	tk := checkAll(t, h, newTSTask(h.TracerProvider(), &fetched, &emailed))

	// All boundaries replayed: sendEmail has no recording.
	_, rec, err := tk.SafeReplay(context.Background(), old, task.ReplayConfig{
		Boundaries: map[string]boundary.Mode{"fetchUser": boundary.Replay, "sendEmail": boundary.Replay},
	})
	require.ErrorIs(t, err, boundary.ErrNoRecording)
	assert.Contains(t, err.Error(), "sendEmail")
	assert.Contains(t, err.Error(), `["Ada"]`)
	assert.Equal(t, otelrecord.TypeError, rec.Type)
	h.AssertRebuilt(t, rec)

	// Validation applies to the recorded input.
	bad := old.Clone()
	bad.Input = json.RawMessage(`{"userId":"x"}`)
	_, rec, err = tk.SafeReplay(context.Background(), bad, task.ReplayConfig{})
	var ve *task.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Invalid input on: userId: expected integer, got string", err.Error())
	assert.Nil(t, rec.Timing)
	assert.Zero(t, fetched.Load())
	h.AssertRebuilt(t, rec)

	bad.Input = json.RawMessage(`{"options":{}}`)
	_, _, err = tk.SafeReplay(context.Background(), bad, task.ReplayConfig{})
	assert.EqualError(t, err, "Invalid input on: userId: is required")

	_, rec, err = tk.SafeReplay(context.Background(), nil, task.ReplayConfig{})
	require.ErrorIs(t, err, task.ErrInvalidInput)
	assert.NotNil(t, rec)
}
