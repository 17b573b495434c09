package hive

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff returns the delay before retry number n (0 for the first retry):
// "full jitter", a random delay in [0, min(max, initial·2ⁿ)).
func backoff(n int, initial, max time.Duration) time.Duration {
	ceiling := initial
	for i := 0; i < n && ceiling < max; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, max)
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling)
}

// sleepCtx waits for d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
