//go:build race

package otelrecord

// raceEnabled reports a -race build, in which sync.Pool drops items at
// random and allocation counts are not meaningful.
const raceEnabled = true
