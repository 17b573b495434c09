package server

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var tableStart = time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)

func TestThrottleTableBlocksAfterMaxFailures(t *testing.T) {
	tb := newThrottleTable[string](throttleLimits{maxFailures: 3, window: 10 * time.Second, block: 30 * time.Second}, 10)
	now := tableStart
	for i := 1; i <= 2; i++ {
		n, blocked := tb.fail("a", now)
		assert.Equal(t, i, n)
		assert.False(t, blocked)
	}
	assert.Zero(t, tb.blockedFor("a", now))
	n, blocked := tb.fail("a", now.Add(time.Second))
	assert.Equal(t, 3, n)
	assert.True(t, blocked, "the third failure starts the block")
	assert.Equal(t, 30*time.Second, tb.blockedFor("a", now.Add(time.Second)))
	assert.Equal(t, 500*time.Millisecond, tb.blockedFor("a", now.Add(30500*time.Millisecond)))
	assert.Zero(t, tb.blockedFor("b", now), "another id is not blocked")
	assert.Zero(t, tb.blockedFor("a", now.Add(31*time.Second)), "the block ends")

	n, blocked = tb.fail("a", now.Add(31*time.Second))
	assert.Equal(t, 1, n, "a failure after the block starts a new count")
	assert.False(t, blocked)
}

func TestThrottleTableWindowExpires(t *testing.T) {
	tb := newThrottleTable[string](throttleLimits{maxFailures: 3, window: 10 * time.Second, block: 30 * time.Second}, 10)
	tb.fail("a", tableStart)
	tb.fail("a", tableStart.Add(9*time.Second))
	n, blocked := tb.fail("a", tableStart.Add(10*time.Second))
	assert.Equal(t, 1, n, "failures older than the window no longer count")
	assert.False(t, blocked)
}

func TestThrottleTableBounded(t *testing.T) {
	tb := newThrottleTable[string](throttleLimits{maxFailures: 2, window: 10 * time.Second, block: 30 * time.Second}, 3)
	tb.fail("a", tableStart)
	tb.fail("a", tableStart) // blocked
	require.NotZero(t, tb.blockedFor("a", tableStart))
	for _, id := range []string{"b", "c", "d"} {
		tb.fail(id, tableStart.Add(time.Second))
	}
	assert.Equal(t, 3, tb.Len(), "the table never holds more than its capacity")
	assert.Zero(t, tb.blockedFor("a", tableStart.Add(time.Second)), "when full, the entry that failed least recently is evicted")

	tb.fail("c", tableStart.Add(2*time.Second))
	tb.fail("e", tableStart.Add(2*time.Second))
	_, stillB := tb.entries["b"]
	_, stillC := tb.entries["c"]
	assert.False(t, stillB, "b failed least recently")
	assert.True(t, stillC, "a new failure makes an entry recent")

	// Past the window every entry has expired: the next failure sweeps them.
	tb.fail("f", tableStart.Add(time.Minute))
	assert.Equal(t, 1, tb.Len(), "expired entries are swept")
}

func TestThrottleTableSweepKeepsBlocked(t *testing.T) {
	tb := newThrottleTable[string](throttleLimits{maxFailures: 2, window: time.Second, block: time.Minute}, 100)
	tb.fail("blocked", tableStart)
	tb.fail("blocked", tableStart)
	tb.fail("x", tableStart.Add(5*time.Second))
	tb.fail("y", tableStart.Add(10*time.Second))
	assert.Equal(t, 2, tb.Len(), "x expired and is swept; the blocked entry stays")
	assert.NotZero(t, tb.blockedFor("blocked", tableStart.Add(10*time.Second)))
}

func TestAuthThrottleFloodOfDistinctIDs(t *testing.T) {
	th := newAuthThrottle(authThrottleSettings{maxFailures: 3, capacity: 50}, func() time.Time { return tableStart })
	for i := range 10_000 {
		v := th.try(authAttempt{addr: fmt.Sprintf("10.0.%d.%d", i/256, i%256), counted: true, key: fmt.Sprintf("key-%d", i)},
			func() bool { return false })
		require.False(t, v.ok)
		require.Zero(t, v.retryAfter, "a new address naming a new key is checked")
	}
	assert.LessOrEqual(t, th.addrs.Len(), 50)
	assert.LessOrEqual(t, th.keys.Len(), 50)
	v := th.try(authAttempt{addr: "192.0.2.1", counted: true, key: "good"}, func() bool { return true })
	assert.True(t, v.ok, "a full table refuses no one")
}

func TestAuthThrottleChecksNoMoreThanTheLimit(t *testing.T) {
	th := newAuthThrottle(authThrottleSettings{maxFailures: 5}, func() time.Time { return tableStart })
	var checked, refused atomic.Int64
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			v := th.try(authAttempt{addr: "192.0.2.1", counted: true, key: "k"}, func() bool {
				checked.Add(1)
				return false
			})
			if v.retryAfter > 0 {
				refused.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(5), checked.Load(), "concurrent attempts beyond the limit are not checked")
	assert.Equal(t, int64(95), refused.Load())
}

func TestAuthThrottleOff(t *testing.T) {
	assert.Nil(t, newAuthThrottle(authThrottleSettings{off: true}, time.Now))
	var th *authThrottle
	assert.True(t, th.try(authAttempt{}, func() bool { return true }).ok)
	assert.False(t, th.try(authAttempt{}, func() bool { return false }).ok)

	d := newAuthThrottle(authThrottleSettings{}, time.Now)
	assert.Equal(t, throttleLimits{maxFailures: DefaultAuthMaxFailures, window: DefaultAuthWindow, block: DefaultAuthBlock}, d.limits)
}
