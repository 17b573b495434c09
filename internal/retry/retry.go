package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff returns the delay before retry number n (0 for the first retry):
// "full jitter", a random delay in [0, min(max, initial·2ⁿ)). A non-positive
// initial or max, or a negative n, gives 0.
func Backoff(n int, initial, max time.Duration) time.Duration {
	if n < 0 || initial <= 0 || max <= 0 {
		return 0
	}
	ceiling := min(initial, max)
	for i := 0; i < n && ceiling < max; i++ {
		ceiling *= 2
	}
	return rand.N(min(ceiling, max))
}

// Sleep waits for d or until ctx is done, whichever comes first, and then
// returns ctx's error (nil when d elapsed first). A non-positive d returns
// ctx.Err() at once.
func Sleep(ctx context.Context, d time.Duration) error {
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
