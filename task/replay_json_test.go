package task_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

func TestReplayJSON(t *testing.T) {
	double := boundary.New("double", func(_ context.Context, n int) (int, error) { return 0, errors.New("not reachable in a replay") })
	tk := task.New("twice", func(ctx context.Context, n int) (int, error) { return double.Call(ctx, n) },
		task.WithBoundaries(double))
	rec := &otelrecord.ExecutionRecord{
		UUID: "0193aaaa-0000-7000-8000-000000000001", TaskName: "twice", Input: []byte(`21`),
		Boundaries: map[string][]otelrecord.BoundaryRecord{"double": {{Input: []byte(`[21]`), Output: []byte(`42`)}}},
	}

	out, got, err := tk.ReplayJSON(context.Background(), rec, task.ReplayConfig{All: boundary.Replay})
	require.NoError(t, err)
	assert.JSONEq(t, `42`, string(out))
	assert.Equal(t, otelrecord.TypeSuccess, got.Type)

	failed := rec.Clone()
	failed.Boundaries["double"][0] = otelrecord.BoundaryRecord{Input: []byte(`[21]`), Error: "overflow"}
	out, got, err = tk.ReplayJSON(context.Background(), failed, task.ReplayConfig{All: boundary.Replay})
	require.EqualError(t, err, "overflow")
	assert.Nil(t, out)
	assert.Equal(t, "overflow", got.Error)

	out, got, err = tk.ReplayJSON(context.Background(), rec, task.ReplayConfig{Boundaries: map[string]boundary.Mode{"nope": boundary.Replay}})
	require.ErrorIs(t, err, task.ErrUnknownBoundary)
	assert.Nil(t, out)
	assert.Nil(t, got)
}
