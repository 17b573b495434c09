package task_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

func TestTaskListeners(t *testing.T) {
	h := newTestProvider(t)
	tk := checkAll(t, h, task.New("inc", func(_ context.Context, n int) (int, error) { return n + 1, nil },
		task.WithTracerProvider(h.TracerProvider())))
	var got []string
	id1 := tk.AddListener(func(_ context.Context, rec *otelrecord.ExecutionRecord) {
		got = append(got, "first:"+string(rec.Output))
	})
	tk.AddListener(func(context.Context, *otelrecord.ExecutionRecord) { panic("listener bug") })
	tk.AddListener(func(_ context.Context, rec *otelrecord.ExecutionRecord) {
		got = append(got, "third:"+string(rec.Output))
	})
	assert.Zero(t, tk.AddListener(nil))

	out, rec, err := tk.SafeRun(context.Background(), 1)
	require.NoError(t, err, "a panicking listener never affects the run")
	assert.Equal(t, 2, out)
	assert.Equal(t, otelrecord.TypeSuccess, rec.Type)
	assert.Equal(t, []string{"first:2", "third:2"}, got, "called synchronously, in order, before SafeRun returns")

	assert.True(t, tk.RemoveListener(id1))
	assert.False(t, tk.RemoveListener(id1))
	got = nil
	_, err = tk.Run(context.Background(), 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"third:3"}, got)
}

func TestGlobalListeners(t *testing.T) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	seen := map[string]*otelrecord.ExecutionRecord{}
	wg.Add(2)
	remove := task.ListenExecutionRecords(func(_ context.Context, rec *otelrecord.ExecutionRecord) {
		defer wg.Done()
		mu.Lock()
		seen[rec.UUID] = rec
		mu.Unlock()
	})
	removePanic := task.ListenExecutionRecords(func(context.Context, *otelrecord.ExecutionRecord) { panic("global bug") })
	block := make(chan struct{})
	removeSlow := task.ListenExecutionRecords(func(context.Context, *otelrecord.ExecutionRecord) { <-block })

	h := newTestProvider(t)
	a := checkAll(t, h, task.New("a", func(_ context.Context, n int) (int, error) { return n, nil },
		task.WithTracerProvider(h.TracerProvider())))
	b := checkAll(t, h, task.New("b", func(_ context.Context, s string) (string, error) { return s, nil },
		task.WithTracerProvider(h.TracerProvider())))
	_, ra, err := a.SafeRun(context.Background(), 1) // returns although a listener blocks
	require.NoError(t, err)
	_, rb, err := b.SafeRun(context.Background(), "x")
	require.NoError(t, err)
	close(block)
	wg.Wait()

	mu.Lock()
	require.Len(t, seen, 2)
	assert.Equal(t, ra, seen[ra.UUID], "an equal copy")
	assert.NotSame(t, ra, seen[ra.UUID], "not the caller's record")
	assert.Equal(t, rb.TaskName, seen[rb.UUID].TaskName)
	mu.Unlock()

	remove()
	remove() // idempotent
	removePanic()
	removeSlow()
	_, err = a.Run(context.Background(), 2)
	require.NoError(t, err)
	mu.Lock()
	assert.Len(t, seen, 2, "removed listeners get nothing")
	mu.Unlock()
	task.ListenExecutionRecords(nil)()
}
