// Package instrument is what is left of the instruments, which moved to
// internal/run: the scope name, for the exporter module's record processor
// until it names run.ScopeName. Then this package goes.
package instrument
