package ui

import (
	"time"
)

// Defaults used by New.
const (
	// DefaultSessionTTL is how long a session cookie stays valid.
	DefaultSessionTTL = 12 * time.Hour
	// DefaultTimelineBars is the most bars a record's timeline draws: a
	// record with more calls has them grouped.
	DefaultTimelineBars = 200
	// DefaultPageSize is the number of records a listing page shows.
	DefaultPageSize = 50
	// MaxPageSize caps the page size a visitor may ask for.
	MaxPageSize = 500
	// CallsPageSize is the number of calls the calls page shows at once.
	CallsPageSize = 50
	// MinSessionKeyBytes is the shortest session key WithSessionKey accepts.
	MinSessionKeyBytes = 32
)

type config struct {
	sessionKey   []byte
	sessionTTL   time.Duration
	traceURL     string
	timelineBars int
	secureCookie bool
	serviceName  string
}

func newConfig(opts []Option) config {
	c := config{sessionTTL: DefaultSessionTTL, timelineBars: DefaultTimelineBars}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// Option configures the UI.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithSessionKey sets the key session cookies are signed with; replicas
// given the same key accept each other's cookies. A key shorter than
// MinSessionKeyBytes is ignored: the key is then derived from the server's
// API secret (or, on a server without one, drawn at random when New runs).
func WithSessionKey(key []byte) Option {
	return optionFunc(func(c *config) {
		if len(key) >= MinSessionKeyBytes {
			c.sessionKey = append([]byte(nil), key...)
		}
	})
}

// WithSessionTTL sets how long a session cookie is valid after login;
// default DefaultSessionTTL. Values <= 0 are ignored.
func WithSessionTTL(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.sessionTTL = d
		}
	})
}

// WithTraceURL sets the template of the link from a record to its trace,
// for example "http://localhost:16686/trace/{traceId}": "{traceId}" is
// replaced by the hex trace id the record's metadata holds
// (otelrecord.MetadataTraceID). Empty (the default): no link.
func WithTraceURL(template string) Option {
	return optionFunc(func(c *config) { c.traceURL = template })
}

// WithTimelineBars sets the most bars a record's timeline draws; default
// DefaultTimelineBars. Values <= 0 are ignored.
func WithTimelineBars(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.timelineBars = n
		}
	})
}

// WithSecureCookie marks the session cookie Secure on every answer, for a
// server behind a proxy that terminates TLS. Without it, the cookie is
// Secure when the request came over TLS.
func WithSecureCookie() Option {
	return optionFunc(func(c *config) { c.secureCookie = true })
}

// WithServiceName sets the name the replay command shown on a record page
// starts with; default "<service>", a placeholder for the program that
// registers the task.
func WithServiceName(name string) Option {
	return optionFunc(func(c *config) { c.serviceName = name })
}
