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

func TestMockBoundary(t *testing.T) {
	h := newTestProvider(t)
	tk, fetch := newReportTask(h.TracerProvider())
	checkAll(t, h, tk)

	require.NoError(t, task.MockBoundary(tk, fetch, func(_ context.Context, id int) (user, error) {
		return user{ID: id, Name: "mocked", Score: 1}, nil
	}))
	out, rec, err := tk.SafeRun(context.Background(), reportIn{UserID: 95}) // the real one fails for 95
	require.NoError(t, err)
	assert.Equal(t, report{Name: "mocked", Total: 2}, out)
	require.Len(t, rec.Boundaries["fetchUser"], 1, "a mocked call is recorded")
	assert.JSONEq(t, `{"id":95,"name":"mocked","score":1}`, string(rec.Boundaries["fetchUser"][0].Output))
	h.AssertRebuilt(t, rec)

	tk.ResetMock("fetchUser")
	_, err = tk.Run(context.Background(), reportIn{UserID: 95})
	require.Error(t, err, "real function again")

	other := boundary.New("other", func(context.Context, int) (user, error) { return user{}, nil })
	err = task.MockBoundary(tk, other, func(context.Context, int) (user, error) { return user{}, nil })
	require.ErrorIs(t, err, task.ErrNotDeclared)

	// A wrong signature does not compile:
	//   task.MockBoundary(tk, fetch, func(context.Context, string) (user, error) {...})
}

func TestMockSetMetadataAndMetrics(t *testing.T) {
	h := newTestProvider(t)
	tk, fetch := newReportTask(h.TracerProvider())
	checkAll(t, h, tk)
	var keys []string
	var metrics []otelrecord.Metric
	tk.MockSetMetadata(func(_ context.Context, k, v string) error { keys = append(keys, k+"="+v); return nil })
	tk.MockSetMetrics(func(_ context.Context, m otelrecord.Metric) error { metrics = append(metrics, m); return nil })
	require.NoError(t, task.MockBoundary(tk, fetch, func(context.Context, int) (user, error) { return user{Score: 3}, nil }))

	_, rec, err := tk.SafeRun(context.Background(), reportIn{UserID: 1})
	require.NoError(t, err)
	assert.Equal(t, []string{"requestId=req-1"}, keys)
	assert.Len(t, metrics, 1)
	assert.NotContains(t, rec.Metadata, "requestId", "mocked: not recorded")
	assert.Empty(t, rec.Metrics)
	assert.NotContains(t, rec.Boundaries, "setMetadata")
	h.AssertRebuilt(t, rec)

	tk.MockSetMetadata(func(context.Context, string, string) error { return errors.New("metadata store down") })
	_, err = tk.Run(context.Background(), reportIn{UserID: 1})
	require.EqualError(t, err, "metadata store down")

	tk.ResetMocks()
	out, rec, err := tk.SafeRun(context.Background(), reportIn{UserID: 1})
	require.NoError(t, err)
	assert.Equal(t, "user-1", out.Name, "boundary mock reset too")
	assert.Equal(t, "req-1", rec.Metadata["requestId"])
	assert.Len(t, rec.Metrics, 1)
}
