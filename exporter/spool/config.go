package spool

// DefaultMaxBytes bounds the encoded records a spool holds: 1 GiB.
const DefaultMaxBytes int64 = 1 << 30

// FileName is the database file Open creates in its directory.
const FileName = "hive-spool.db"

type config struct {
	maxBytes int64
}

func newConfig(opts []Option) config {
	c := config{maxBytes: DefaultMaxBytes}
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

// WithMaxBytes bounds the total size of the encoded records the spool holds;
// a Put that would exceed it keeps what fits and reports the rest as
// overflow. Default DefaultMaxBytes; values <= 0 mean the default.
func WithMaxBytes(n int64) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxBytes = n
		}
	})
}
