package task_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// recordedTSRun returns the record of one live run of tk that called both
// boundaries, and resets the counters of its boundaries' real calls.
func recordedTSRun(t *testing.T, tk *task.Task[tsInput, *tsUser], fetched, emailed *atomic.Int64) *otelrecord.ExecutionRecord {
	t.Helper()
	_, rec, err := tk.SafeRun(context.Background(), tsInput{UserID: 7})
	require.NoError(t, err)
	require.Len(t, rec.Boundaries["fetchUser"], 1)
	require.Len(t, rec.Boundaries["sendEmail"], 1)
	fetched.Store(0)
	emailed.Store(0)
	return rec
}

func TestSafeReplayUnknownBoundary(t *testing.T) {
	h := newTestProvider(t)
	var fetched, emailed atomic.Int64
	tk := newTSTask(h.TracerProvider(), &fetched, &emailed)
	var notified atomic.Int64
	tk.AddListener(func(context.Context, *otelrecord.ExecutionRecord) { notified.Add(1) })
	_, old := loadTSRecord(t)

	out, rec, err := tk.SafeReplay(context.Background(), old, task.ReplayConfig{
		Boundaries: map[string]boundary.Mode{"fetchUsr": boundary.Replay, "sendEmail": boundary.Replay},
	})
	require.ErrorIs(t, err, task.ErrUnknownBoundary)
	assert.Equal(t, `task getUserReport: replay config: task: unknown boundary "fetchUsr" (declared: "fetchUser", "sendEmail")`, err.Error())
	assert.Nil(t, out)
	assert.Nil(t, rec, "nothing ran")
	assert.Zero(t, fetched.Load(), "the real boundary is never called")
	assert.Zero(t, emailed.Load())
	assert.Zero(t, notified.Load())
	assert.Empty(t, h.Exporter().GetSpans())

	// All keeps names checked.
	_, _, err = tk.SafeReplay(context.Background(), old, task.ReplayConfig{
		All: boundary.Replay, Boundaries: map[string]boundary.Mode{"other": boundary.Proxy},
	})
	require.ErrorIs(t, err, task.ErrUnknownBoundary)

	_, _, err = tk.SafeReplay(context.Background(), old, task.ReplayConfig{All: boundary.Mode(9)})
	require.ErrorIs(t, err, boundary.ErrInvalidMode)
	_, _, err = tk.SafeReplay(context.Background(), old, task.ReplayConfig{
		Boundaries: map[string]boundary.Mode{"fetchUser": boundary.Mode(-1)},
	})
	require.ErrorIs(t, err, boundary.ErrInvalidMode)
	assert.Contains(t, err.Error(), "fetchUser")
	assert.Zero(t, fetched.Load())
	assert.Empty(t, h.Exporter().GetSpans())
}

func TestSafeReplayAll(t *testing.T) {
	h := newTestProvider(t)
	var fetched, emailed atomic.Int64
	tk := checkAll(t, h, newTSTask(h.TracerProvider(), &fetched, &emailed))
	// A record whose calls differ from what the live boundaries answer.
	old := recordedTSRun(t, tk, &fetched, &emailed).Clone()
	old.Boundaries["fetchUser"][0].Output = []byte(`{"id":7,"name":"Recorded","score":2}`)
	old.Boundaries["sendEmail"][0].Input = []byte(`["Recorded"]`)

	out, rec, err := tk.SafeReplay(context.Background(), old, task.ReplayConfig{All: boundary.Replay})
	require.NoError(t, err)
	assert.Equal(t, tsUser{ID: 7, Name: "Recorded", Score: 2}, *out, "fetchUser answered from the record")
	assert.Zero(t, fetched.Load(), "no real boundary called")
	assert.Zero(t, emailed.Load())
	for _, name := range tk.Boundaries() {
		require.Len(t, rec.Boundaries[name], 1, name)
		assert.JSONEq(t, string(old.Boundaries[name][0].Output), string(rec.Boundaries[name][0].Output), name)
	}
	for _, s := range h.Exporter().GetSpans() {
		if attrs(s)[otelrecord.RunUUIDKey].AsString() == rec.UUID && attrs(s)[otelrecord.KindKey].AsString() == otelrecord.KindBoundary {
			assert.Equal(t, "replay", attrs(s)[otelrecord.BoundaryModeKey].AsString(), s.Name)
			assert.True(t, attrs(s)[otelrecord.BoundaryFromTapeKey].AsBool(), s.Name)
		}
	}
}

func TestSafeReplayAllOverridden(t *testing.T) {
	h := newTestProvider(t)
	var fetched, emailed atomic.Int64
	tk := checkAll(t, h, newTSTask(h.TracerProvider(), &fetched, &emailed))
	old := recordedTSRun(t, tk, &fetched, &emailed)

	_, rec, err := tk.SafeReplay(context.Background(), old, task.ReplayConfig{
		All:        boundary.Replay,
		Boundaries: map[string]boundary.Mode{"sendEmail": boundary.Proxy},
	})
	require.NoError(t, err)
	assert.Zero(t, fetched.Load(), "fetchUser replayed by All")
	assert.Equal(t, int64(1), emailed.Load(), "the explicit entry wins over All")
	require.Len(t, rec.Boundaries["sendEmail"], 1)

	// All left at Proxy: the boundaries not listed run as the task says.
	_, _, err = tk.SafeReplay(context.Background(), old, replayFetchUser)
	require.NoError(t, err)
	assert.Zero(t, fetched.Load())
	assert.Equal(t, int64(2), emailed.Load())
}
