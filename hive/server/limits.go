package server

// Defaults of the limits that bound the memory a request takes.
const (
	// DefaultMaxListBytes caps the bytes of the records (and their quality)
	// of one listing page (8 MiB).
	DefaultMaxListBytes = 8 << 20
	// DefaultBodyBudget caps the bytes of request bodies the server reads at
	// the same time (64 MiB).
	DefaultBodyBudget = 64 << 20
)

// WithMaxListBytes caps the bytes of one page of
// GET /api/tasks/{taskName}/logs: a page ends before the record that would
// take the size of its records (and their quality) past n, and its "next"
// cursor points after the last record it holds. A page always holds at
// least one record, however large. Values <= 0 are ignored; the default is
// DefaultMaxListBytes.
func WithMaxListBytes(n int64) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxListBytes = n
		}
	})
}

// WithBodyBudget caps the bytes of request bodies the server reads at the
// same time, so that many large requests arriving together cannot exhaust
// its memory. Before its body is read, a request reserves its declared
// Content-Length from the budget, or the body limit (WithMaxBodyBytes) when
// the length is not declared (chunked); the reservation is returned when
// the request has been answered. A request the budget cannot cover is
// answered 503 with "Retry-After: 1" and an error naming the budget, without
// its body being read. A request larger than the whole budget (but within
// the body limit) is served when no other body is in flight. Values <= 0 are
// ignored; the default is DefaultBodyBudget.
func WithBodyBudget(n int64) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.bodyBudget = n
		}
	})
}
