package server

import "time"

// WithAssemblyWait sets how long a run whose spans came in several exports
// waits for its missing spans: a run still incomplete then (counted from
// its first span) is stored with what arrived, marked incomplete (see
// otelrecord.MetadataIncomplete); spans that arrive later, within the
// retention (WithAssemblyRetention), complete it and replace the record.
// Values <= 0 are ignored; the default is DefaultAssemblyWait.
func WithAssemblyWait(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.assemblyWait = d
		}
	})
}

// WithAssemblyRetention sets how long staged spans are kept, counted from
// their run's first span: the spans of a run stored incomplete, so that
// late spans can still complete it, and boundary spans whose task-run span
// has not arrived, which are then dropped and counted (OTLPStats.Dropped).
// Values <= 0 are ignored; the default is DefaultAssemblyRetention, and the
// retention is at least twice the assembly wait.
func WithAssemblyRetention(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.assemblyRetention = d
		}
	})
}
