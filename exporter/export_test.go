package exporter

import "time"

// WithClock replaces the processor's clock (pending-run ages, warning rate
// limit) in tests.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) { c.now = now })
}

// WithDropWarnInterval sets the shortest interval between drop warnings in
// tests.
func WithDropWarnInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.dropWarnInterval = d })
}
