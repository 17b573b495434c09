package pgstore

import "time"

type config struct {
	clock    func() time.Time
	maxConns int32 // 0: the DSN's pool_max_conns, else pgxpool's default
}

func newConfig(opts []Option) config {
	c := config{clock: time.Now}
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
// more callers wait for one to be free. It overrides a pool_max_conns
// parameter of the DSN; without either, the pool opens at most as many as
// the machine has CPUs, at least 4 (pgxpool's default). Values <= 0 are
// ignored.
func WithMaxConns(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxConns = int32(min(n, 1<<20))
		}
	})
}
