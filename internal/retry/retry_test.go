package retry_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/hivetrace/hivetrace/internal/retry"
)

func TestBackoffFullJitter(t *testing.T) {
	const initial, max = 10 * time.Millisecond, 25 * time.Millisecond
	for n, ceiling := range []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 25 * time.Millisecond, 25 * time.Millisecond} {
		for range 200 {
			d := retry.Backoff(n, initial, max)
			assert.GreaterOrEqual(t, d, time.Duration(0))
			assert.Less(t, d, ceiling, "retry %d", n)
		}
	}
	assert.Less(t, retry.Backoff(1000, initial, max), max, "a large n stays capped")
	assert.Less(t, retry.Backoff(0, time.Second, max), max, "max below initial caps the first delay")
}

func TestBackoffEdgeValues(t *testing.T) {
	assert.Zero(t, retry.Backoff(-1, time.Second, time.Second))
	assert.Zero(t, retry.Backoff(3, 0, time.Second))
	assert.Zero(t, retry.Backoff(3, time.Second, 0))
}

func TestSleep(t *testing.T) {
	assert.NoError(t, retry.Sleep(context.Background(), time.Millisecond))
	assert.NoError(t, retry.Sleep(context.Background(), 0))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	assert.ErrorIs(t, retry.Sleep(ctx, time.Hour), context.Canceled)
	assert.Less(t, time.Since(start), time.Second)
	assert.ErrorIs(t, retry.Sleep(ctx, 0), context.Canceled)
}
