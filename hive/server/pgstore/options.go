package pgstore

import (
	"runtime"
	"time"
)

type config struct {
	clock    func() time.Time
	maxConns int32
}

func newConfig(opts []Option) config {
	c := config{clock: time.Now, maxConns: int32(max(4, runtime.GOMAXPROCS(0)))}
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

// WithClock sets the clock that stamps entries stored with a zero CreatedAt;
// default time.Now. A nil clock is ignored.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.clock = now
		}
	})
}

// WithMaxConns sets how many connections the store's pool opens at most;
// more callers wait for one to be free. The default is GOMAXPROCS, at least
// 4. A pool_max_conns parameter in the DSN is overridden. Values <= 0 are
// ignored.
func WithMaxConns(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxConns = int32(min(n, 1<<20))
		}
	})
}
