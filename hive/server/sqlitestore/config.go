package sqlitestore

import "time"

// DefaultBusyTimeout is how long a write waits for another connection's lock.
const DefaultBusyTimeout = 5 * time.Second

type config struct {
	busyTimeout time.Duration
	clock       func() time.Time
}

func newConfig(opts []Option) config {
	c := config{busyTimeout: DefaultBusyTimeout, clock: time.Now}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// Option configures Open.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithBusyTimeout sets how long a statement waits for a lock held by another
// connection or process before failing; default DefaultBusyTimeout. Values
// <= 0 are ignored.
func WithBusyTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.busyTimeout = d
		}
	})
}

// WithClock sets the clock that stamps entries stored with a zero CreatedAt;
// default time.Now. A nil clock is ignored.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.clock = now
		}
	})
}
