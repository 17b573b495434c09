package sqlitestore

import (
	"runtime"
	"time"
)

// DefaultBusyTimeout is how long a statement waits for a lock held by
// another process sharing the file before the store tries again.
const DefaultBusyTimeout = 5 * time.Second

type config struct {
	busyTimeout time.Duration
	clock       func() time.Time
	readConns   int
}

func newConfig(opts []Option) config {
	c := config{busyTimeout: DefaultBusyTimeout, clock: time.Now, readConns: max(4, runtime.GOMAXPROCS(0))}
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
// process sharing the file; default DefaultBusyTimeout. A write that still
// finds the file locked then tries again, as long as its caller's context
// allows, rather than fail. Values <= 0 are ignored.
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

// WithReadConns sets how many read-only connections serve reads at the same
// time; more readers wait for one to be free. The default is GOMAXPROCS, at
// least 4. Values <= 0 are ignored.
func WithReadConns(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.readConns = n
		}
	})
}
