package run

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeLimiter returns a limiter on a clock the test moves, and the errors it
// reported.
func fakeLimiter() (*limiter, *time.Time, *[]error) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var got []error
	l := &limiter{
		interval: time.Minute,
		now:      func() time.Time { return now },
		handle:   func(err error) { got = append(got, err) },
	}
	return l, &now, &got
}

func TestHandleRateLimitsByReason(t *testing.T) {
	l, now, got := fakeLimiter()
	cause := errors.New("boom")
	l.report("listener panicked", cause)
	for range 5 {
		l.report("listener panicked", errors.New("again"))
	}
	l.report("other reason", errors.New("first of its kind"))
	require.Len(t, *got, 2, "one report per reason per interval")
	assert.EqualError(t, (*got)[0], "hivetrace: listener panicked: boom")
	assert.ErrorIs(t, (*got)[0], cause)
	assert.EqualError(t, (*got)[1], "hivetrace: other reason: first of its kind")

	*now = now.Add(59 * time.Second)
	l.report("listener panicked", errors.New("still within the interval"))
	assert.Len(t, *got, 2)

	*now = now.Add(time.Second)
	l.report("listener panicked", errors.New("later"))
	require.Len(t, *got, 3)
	assert.EqualError(t, (*got)[2], "hivetrace: listener panicked: later (6 more suppressed since 2026-01-02T03:04:05Z)")

	*now = now.Add(time.Hour)
	l.report("listener panicked", errors.New("quiet since"))
	require.Len(t, *got, 4)
	assert.EqualError(t, (*got)[3], "hivetrace: listener panicked: quiet since", "no count when nothing was suppressed")

	l.report("listener panicked", nil)
	assert.Len(t, *got, 4, "nil is ignored")
}

func TestHandleConcurrent(t *testing.T) {
	var mu sync.Mutex
	n := 0
	l := &limiter{interval: time.Hour, now: time.Now, handle: func(error) { mu.Lock(); n++; mu.Unlock() }}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				l.report(fmt.Sprintf("reason %d", i%4), fmt.Errorf("g%d i%d", g, i))
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 4, n, "one report per reason")
}
