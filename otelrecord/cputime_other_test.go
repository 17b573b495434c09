//go:build !unix

package otelrecord

import "time"

// processCPUTime is unavailable here; benchmarks fall back to wall time.
func processCPUTime() time.Duration { return 0 }
