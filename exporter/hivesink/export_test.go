package hivesink

import (
	"context"
	"time"
)

// WithWait replaces the backoff sleep in tests.
func WithWait(wait func(ctx context.Context, d time.Duration) error) Option {
	return optionFunc(func(c *config) { c.wait = wait })
}

// TrimRecord is trimRecord, for the tests.
var TrimRecord = trimRecord
